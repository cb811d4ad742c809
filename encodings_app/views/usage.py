"""An organization's usage: encoded minutes and output per day or month, by encoding type or for one label,
and the customer labels' totals, each as a chart, a table and a CSV download of the same figures."""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from encodings_app import access
from encodings_app.csv_export import text_cell
from encodings_app.selectors.usage import (
    UsageQuery,
    UsageReport,
    parse_usage_query,
    usage_report,
    usage_sync_state,
)
from encodings_app.views.common import render_page

TYPE_CHOICES = (("all", "VOD and live"), ("VOD", "VOD only"), ("LIVE", "Live only"))
DOWNLOADS = ("csv", "labels")


@require_GET
def usage(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = access.organization_for(request.user, slug)
    organization = viewer.organization
    query, problems = parse_usage_query(request.GET)
    notes = [f"{text} Showing {_default_of(name)} instead." for name, text in problems]
    download = request.GET.get("download", "")
    if download and download not in DOWNLOADS:
        notes.append(f"“download” must be csv or labels, not “{download[:40]}”; showing the page instead.")
        download = ""
    report = usage_report(organization, query)
    if download == "csv":
        return _periods_csv(report, slug)
    if download == "labels":
        return _labels_csv(report, slug)
    base = reverse("organization-usage", args=[slug])
    for row in report.labels:
        row["url"] = f"{base}?{urlencode({**query.as_params(), 'label': row['label'], 'type': 'all'})}"
    context = {
        "query": query,
        "report": report,
        "notes": notes,
        "sync": usage_sync_state(organization),
        "type_choices": TYPE_CHOICES,
        "csv_url": f"{base}?{urlencode({**query.as_params(), 'download': 'csv'})}",
        "labels_csv_url": f"{base}?{urlencode({**query.as_params(), 'download': 'labels'})}",
    }
    return render_page(request, "organizations/usage.html", context, viewer=viewer)


def _default_of(name: str) -> str:
    return {
        "by": "days",
        "type": "both types",
        "label": "every label",
        "from": "the default days",
        "to": "the default days",
    }.get(name, "the default")


def _csv_response(name: str) -> tuple[HttpResponse, csv.Writer]:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response, csv.writer(response)


def _file_name(query: UsageQuery, slug: str, what: str) -> str:
    return f"usage-{what}-{slug}-{query.first.isoformat()}-{query.last.isoformat()}.csv"


def _periods_csv(report: UsageReport, slug: str) -> HttpResponse:
    query = report.query
    response, writer = _csv_response(_file_name(query, slug, f"per-{query.by}"))
    writer.writerow([query.by, "series", "billable_minutes", "encoded_seconds", "output_bytes"])
    for period in report.periods:
        start = period.start.isoformat()[:7] if query.by == "month" else period.start.isoformat()
        for name in report.series:
            writer.writerow(
                [
                    start,
                    text_cell(name),
                    f"{period.minutes[name]:.3f}",
                    period.seconds[name],
                    period.bytes[name],
                ]
            )
    return response


def _labels_csv(report: UsageReport, slug: str) -> HttpResponse:
    response, writer = _csv_response(_file_name(report.query, slug, "customer-labels"))
    writer.writerow(["label", "billable_minutes", "encoded_seconds", "output_bytes"])
    for row in report.labels:
        writer.writerow([text_cell(row["label"]), f"{row['minutes']:.3f}", row["seconds"], row["bytes"]])
    return response
