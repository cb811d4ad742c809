"""Insights of one organization: its trends, and CSV files of its encodings (with the list's filters) and of
its failures by error code. A file streams as its rows are read; a bad parameter is answered in the envelope
before anything is read."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from encodings_app.api import schema
from encodings_app.api.envelope import success
from encodings_app.api.insight_serializers import TrendsSerializer
from encodings_app.api.params import QueryReader
from encodings_app.api.views.base import ApiView
from encodings_app.api.views.encodings import LIST_PARAMETERS, list_filters
from encodings_app.csv_export import encodings_csv, failures_csv
from encodings_app.selectors.export import encoding_export_rows, failure_export_rows
from encodings_app.selectors.failures import FAILURE_WINDOW
from encodings_app.selectors.trends import DEFAULT_TREND_DAYS, TREND_DAYS, organization_trends
from encodings_app.views.trends import list_link

# The list page's parameters -> the API list's, for the trends' links.
API_PARAMETERS = {
    "code": "errorCode",
    "category": "errorCategory",
    "region": "cloudRegion",
    "encoder": "encoderVersion",
    "failed_from": "failedAtNewerThan",
    "failed_to": "failedAtOlderThan",
}
TIME_PARAMETERS = {"failed_from", "failed_to"}


def csv_answer(description: str, *errors: int) -> dict:
    """A CSV file on success, the envelope for every error."""
    return {
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=description),
        **schema.error_responses(*errors),
    }


def links(slug: str, parameters: dict[str, str]) -> dict[str, str | None]:
    page = list_link(slug, parameters)
    if not page:
        return {"encodings": None, "page": None}
    query = QueryDict(mutable=True)
    for name, value in parameters.items():
        # The list reads a minute in UTC; the API an ISO 8601 time.
        query[API_PARAMETERS[name]] = f"{value}:00Z" if name in TIME_PARAMETERS else value
    api = reverse("api-encodings", args=[slug])
    return {"encodings": f"{api}?{query.urlencode()}", "page": page}


def seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


class TrendsView(ApiView):
    @extend_schema(
        operation_id="organizations_trends_retrieve",
        summary="Trends of failures, success rate and times",
        description="Over the last `days` UTC days (today included): failures (ERROR, TRANSFER_ERROR; an "
        "encoding failed at its `errorAt`, else at its `finishedAt`) by error code, region, encoder "
        "version and error category, the most first, each with links to exactly its encodings; and per "
        "day the encodings that finished and failed, the success rate among them, and the median queue "
        "and run times.",
        tags=[schema.TAG_ORGANIZATIONS],
        parameters=[
            schema.SLUG,
            OpenApiParameter(
                "days",
                OpenApiTypes.INT,
                enum=list(TREND_DAYS),
                default=DEFAULT_TREND_DAYS,
                description="The window's length in days.",
            ),
        ],
        responses=schema.responses("Trends", TrendsSerializer(), 400),
    )
    def get(self, request: Request, slug: str) -> Response:
        organization = self.organization(slug)
        reader = QueryReader(request.query_params)
        days = int(reader.choice("days", [str(days) for days in TREND_DAYS], default=str(DEFAULT_TREND_DAYS)))
        reader.check()
        trends = organization_trends(organization, days=days)

        def values(groups) -> list[dict]:
            return [
                {"value": group.value or "", "count": group.count, "links": links(slug, group.list_query)}
                for group in groups
            ]

        result = {
            "days": trends.days,
            "since": trends.since,
            "finished": trends.finished,
            "failed": trends.failed,
            "successRate": trends.success_rate,
            "byErrorCode": [
                {
                    "errorCode": group.value,
                    "title": group.label,
                    "category": group.explanation.category if group.explanation else "",
                    "count": group.count,
                    "links": links(slug, group.list_query),
                }
                for group in trends.by_code
            ],
            "byRegion": values(trends.by_region),
            "byEncoderVersion": values(trends.by_encoder),
            "byErrorCategory": values(trends.by_category),
            "daily": [
                {
                    "day": day.day,
                    "finished": day.finished,
                    "failed": day.failed,
                    "successRate": day.success_rate,
                    "medianQueueSeconds": seconds(day.median_queue),
                    "medianRunSeconds": seconds(day.median_run),
                    "failedLinks": links(slug, day.failed_query if day.failed else {}),
                }
                for day in trends.daily
            ],
        }
        return success(TrendsSerializer(result).data)


class EncodingExportView(ApiView):
    @extend_schema(
        operation_id="encodings_export",
        summary="Encodings as a CSV file",
        description="Every encoding the filters match (those of the encodings list), not one page, in the "
        "list's order, streamed as it is read: the Bitmovin id, organization, name, status, error code and "
        "category, progress, type, region and encoder (chosen and asked for), labels, every time in ISO "
        "8601 UTC and the duration in seconds. A cell that would start a spreadsheet formula is prefixed "
        "with `'`. A bad parameter is a 400 in the envelope, and no file.",
        tags=[schema.TAG_ENCODINGS],
        parameters=[schema.SLUG, *LIST_PARAMETERS],
        responses=csv_answer("The CSV file (an attachment), with a header row.", 400),
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        organization = self.organization(slug)
        reader = QueryReader(request.query_params)
        filters = list_filters(reader)
        reader.check()
        return encodings_csv(organization, encoding_export_rows(organization, filters))


class FailureExportView(ApiView):
    @extend_schema(
        operation_id="organizations_failures_export",
        summary="Failures by error code as a CSV file",
        description="The groups of `/failures`, all of them: failures at or after `finishedAtNewerThan` "
        "(default: 7 days ago) by error code, with the count, first and last failure time (ISO 8601 UTC) "
        "and the explanation in plain words.",
        tags=[schema.TAG_ORGANIZATIONS],
        parameters=[
            schema.SLUG,
            OpenApiParameter(
                "finishedAtNewerThan",
                OpenApiTypes.DATETIME,
                description="Count failures from this time on (ISO 8601, e.g. 2024-01-02T03:04:05Z).",
            ),
        ],
        responses=csv_answer("The CSV file (an attachment), with a header row.", 400),
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        organization = self.organization(slug)
        reader = QueryReader(request.query_params)
        since = reader.when("finishedAtNewerThan") or timezone.now() - FAILURE_WINDOW
        reader.check()
        return failures_csv(organization, failure_export_rows(organization, since=since))
