"""One organization's usage per day or month, by encoding type or for one label: the usage page's figures
and parameters, in the envelope."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from encodings_app.api import schema
from encodings_app.api.envelope import success
from encodings_app.api.errors import ParameterProblems
from encodings_app.api.usage_serializers import UsageSerializer
from encodings_app.api.views.base import ApiView
from encodings_app.selectors.usage import (
    BY_MONTH,
    UsageReport,
    parse_usage_query,
    usage_report,
    usage_sync_state,
)

PARAMETERS = [
    OpenApiParameter(
        "by", OpenApiTypes.STR, enum=["day", "month"], description="Per day (default) or month."
    ),
    OpenApiParameter(
        "from", OpenApiTypes.DATE, description="First day (default: 30 days, or 12 months, back from today)."
    ),
    OpenApiParameter(
        "to", OpenApiTypes.DATE, description="Last day (default today); a range spans at most 1098 days."
    ),
    OpenApiParameter(
        "type", OpenApiTypes.STR, enum=["all", "VOD", "LIVE"], description="Encoding type (default all)."
    ),
    OpenApiParameter(
        "label",
        OpenApiTypes.STR,
        description="One label's usage instead of by type (a label's usage is not split by type).",
    ),
]


class UsageView(ApiView):
    @extend_schema(
        operation_id="organizations_usage_retrieve",
        summary="Usage per day or month",
        description="Billable minutes, encoded seconds and output bytes per day or month, for each encoding "
        "type or for one label, as last read from Bitmovin's statistics (`syncedAt`); the totals of the "
        "labels that name customers over the same days. Days are UTC; days without work count as zero.",
        tags=[schema.TAG_ORGANIZATIONS],
        parameters=[schema.SLUG, *PARAMETERS],
        responses=schema.responses("Usage", UsageSerializer(), 400),
    )
    def get(self, request: Request, slug: str) -> Response:
        organization = self.organization(slug)
        query, problems = parse_usage_query(request.query_params)
        found = ParameterProblems()
        for name, text in problems:
            found.add(name, text)
        found.raise_if_any()
        report = usage_report(organization, query)
        state = usage_sync_state(organization)
        return success(
            {
                "by": query.by,
                "dateFrom": query.first.isoformat(),
                "dateTo": query.last.isoformat(),
                "type": query.type,
                "label": query.label or None,
                "syncedAt": state.synced_at.isoformat().replace("+00:00", "Z") if state.synced_at else None,
                "syncError": state.error or None,
                "series": report.series,
                "items": _items(report),
                "customerLabels": [
                    {
                        "label": row["label"],
                        "billableMinutes": float(row["minutes"]),
                        "encodedSeconds": row["seconds"],
                        "outputBytes": row["bytes"],
                    }
                    for row in report.labels
                ],
            }
        )


def _items(report: UsageReport) -> list[dict]:
    items = []
    for period in report.periods:
        text = period.start.isoformat()[:7] if report.query.by == BY_MONTH else period.start.isoformat()
        for name in report.series:
            items.append(
                {
                    "period": text,
                    "series": name,
                    "billableMinutes": float(period.minutes[name]),
                    "encodedSeconds": period.seconds[name],
                    "outputBytes": period.bytes[name],
                }
            )
    return items
