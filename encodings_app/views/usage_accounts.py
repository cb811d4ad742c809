"""The account admins' usage table: one row per organization of the accounts they look after, with its
encoded minutes by type and its output in the chosen month, and the same as CSV."""

from __future__ import annotations

import csv

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from encodings_app import access
from encodings_app.csv_export import text_cell
from encodings_app.selectors.usage import months_back, parse_month, usage_across


@require_GET
def usage_across_organizations(request: HttpRequest) -> HttpResponse:
    if not access.looks_after_accounts(request.user):
        raise PermissionDenied("Only account admins see the usage across organizations.")
    month, note = parse_month(request.GET.get("month"))
    rows = usage_across(access.organizations_of_accounts_administered_by(request.user), month)
    if request.GET.get("download") == "csv":
        return _csv(rows, month)
    context = {
        "rows": rows,
        "month": month,
        "previous": months_back(month, 1),
        "next": months_back(month, -1),
        "note": note,
        "total_minutes": sum(row.minutes for row in rows),
        "total_bytes": sum(row.output_bytes for row in rows),
    }
    return render(request, "usage/across.html", context)


def _csv(rows, month) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="usage-{month.isoformat()[:7]}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "organization",
            "slug",
            "vod_minutes",
            "live_minutes",
            "billable_minutes",
            "encoded_seconds",
            "output_bytes",
        ]
    )
    for row in rows:
        writer.writerow(
            [
                text_cell(row.organization.name),
                row.organization.slug,
                f"{row.vod_minutes:.3f}",
                f"{row.live_minutes:.3f}",
                f"{row.minutes:.3f}",
                row.encoded_seconds,
                row.output_bytes,
            ]
        )
    return response
