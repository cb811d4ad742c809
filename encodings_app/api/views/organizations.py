"""Organizations the caller may see, the recent failures of one grouped by error code, its open incidents
and its active silences."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from encodings_app.api import schema
from encodings_app.api.envelope import success
from encodings_app.api.pagination import page_answer, serialized_by
from encodings_app.api.params import QueryReader
from encodings_app.api.serializers import (
    FailureGroupSerializer,
    IncidentSerializer,
    OrganizationDetailSerializer,
    OrganizationSerializer,
    SilenceSerializer,
)
from encodings_app.api.views.base import ApiView
from encodings_app.selectors.failures import FAILURE_WINDOW, failure_group, failure_rows
from encodings_app.selectors.incidents import open_incidents
from encodings_app.selectors.organizations import organization_with_role, organizations_with_role
from encodings_app.services.alerts.silences import active_silences_query


class OrganizationListView(ApiView):
    @extend_schema(
        operation_id="organizations_list",
        summary="Organizations you belong to",
        description="Every organization you may see, by name, with your role and its health. "
        "Never any key material.",
        tags=[schema.TAG_ORGANIZATIONS],
        parameters=schema.PAGE_PARAMETERS,
        responses=schema.responses(
            "OrganizationList", schema.page_of("Organization", OrganizationSerializer), 400
        ),
    )
    def get(self, request: Request) -> Response:
        reader = QueryReader(request.query_params)
        return page_answer(
            request,
            reader,
            lambda: organizations_with_role(request.user),
            serialized_by(OrganizationSerializer),
        )


class OrganizationDetailView(ApiView):
    @extend_schema(
        operation_id="organizations_retrieve",
        summary="One organization",
        description="Your role, its health and sync state, and its encodings counted by status.",
        tags=[schema.TAG_ORGANIZATIONS],
        parameters=[schema.SLUG],
        responses=schema.responses("OrganizationDetail", OrganizationDetailSerializer()),
    )
    def get(self, request: Request, slug: str) -> Response:
        organization = organization_with_role(request.user, self.organization(slug))
        return success(OrganizationDetailSerializer(organization).data)


class FailureListView(ApiView):
    @extend_schema(
        operation_id="organizations_failures_list",
        summary="Recent failures grouped by error code",
        description="Encodings that failed (ERROR, TRANSFER_ERROR) at or after `finishedAtNewerThan` "
        "(default: 7 days ago); an encoding failed at its `errorAt`, else at its `finishedAt`. One group "
        "per error code with its count, first and last time seen and its explanation in plain words; the "
        "most recently seen first.",
        tags=[schema.TAG_ORGANIZATIONS],
        parameters=[
            schema.SLUG,
            OpenApiParameter(
                "finishedAtNewerThan",
                OpenApiTypes.DATETIME,
                description="Count failures from this time on (ISO 8601, e.g. 2024-01-02T03:04:05Z).",
            ),
            *schema.PAGE_PARAMETERS,
        ],
        responses=schema.responses(
            "FailureList", schema.page_of("FailureGroup", FailureGroupSerializer), 400
        ),
    )
    def get(self, request: Request, slug: str) -> Response:
        organization = self.organization(slug)
        reader = QueryReader(request.query_params)
        since = reader.when("finishedAtNewerThan") or timezone.now() - FAILURE_WINDOW
        return page_answer(request, reader, lambda: failure_rows(organization, since=since), _failure_items)


class IncidentListView(ApiView):
    @extend_schema(
        operation_id="organizations_incidents_list",
        summary="Open incidents",
        description="What the alert rules found wrong and is not over, newest first: encodings failed with "
        "one cause (an error code, or the encoder's category and code), a failure spike, stuck encodings, a "
        "broken sync. An incident is resolved by itself when its condition clears.",
        tags=[schema.TAG_ORGANIZATIONS],
        parameters=[schema.SLUG, *schema.PAGE_PARAMETERS],
        responses=schema.responses("IncidentList", schema.page_of("Incident", IncidentSerializer), 400),
    )
    def get(self, request: Request, slug: str) -> Response:
        organization = self.organization(slug)
        reader = QueryReader(request.query_params)
        return page_answer(
            request,
            reader,
            lambda: open_incidents(organization),
            lambda items: IncidentSerializer(items, many=True, context={"slug": organization.slug}).data,
        )


class SilenceListView(ApiView):
    @extend_schema(
        operation_id="organizations_silences_list",
        summary="Active silences",
        description="What an admin muted and until when, newest first: one rule (`kind`) or every rule "
        "(`kind` null), with the reason. A silence holds back notifications only: incidents still open "
        "under it and are listed as usual.",
        tags=[schema.TAG_ORGANIZATIONS],
        parameters=[schema.SLUG, *schema.PAGE_PARAMETERS],
        responses=schema.responses("SilenceList", schema.page_of("Silence", SilenceSerializer), 400),
    )
    def get(self, request: Request, slug: str) -> Response:
        organization = self.organization(slug)
        reader = QueryReader(request.query_params)
        return page_answer(
            request, reader, lambda: active_silences_query(organization), serialized_by(SilenceSerializer)
        )


def _failure_items(rows: list[dict]) -> list[dict]:
    items = []
    for row in rows:
        group = failure_group(row)
        explanation = group.explanation
        items.append(
            {
                "errorCode": group.error_code,
                "count": group.count,
                "firstSeenAt": group.first_seen_at,
                "lastSeenAt": group.last_seen_at,
                "title": explanation.title,
                "category": explanation.category,
                "meaning": explanation.meaning,
                "whatToDo": explanation.what_to_do,
                "retryHelps": explanation.retry_helps,
                "docUrl": explanation.doc_url,
            }
        )
    return FailureGroupSerializer(items, many=True).data
