"""Encodings of an organization: the filtered list, one encoding, its status and its messages."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from encodings_app.api import schema
from encodings_app.api.envelope import success
from encodings_app.api.pagination import page_answer, serialized_by
from encodings_app.api.params import QueryReader
from encodings_app.api.serializers import (
    ActionResultSerializer,
    EncodingDetailSerializer,
    EncodingSerializer,
    EncodingStatusSerializer,
    StoredMessageSerializer,
)
from encodings_app.api.views.actions import ACTION_ERRORS, action_encoding, perform
from encodings_app.api.views.base import ApiView
from encodings_app.models import Encoding, EncodingStatus, MessageType
from encodings_app.selectors import ParsedSearch, parse_search
from encodings_app.selectors.detail import error_panel, messages_of, phases, subtasks
from encodings_app.selectors.encodings import EncodingFilters, filtered_encodings, ordering
from encodings_app.selectors.search import SEARCH_ALIAS, SEARCH_CONFLICT, SEARCH_PARAMETER

# The API's sort fields (Bitmovin's names) -> the list page's sort keys.
SORT_FIELDS = {
    "createdAt": "created",
    "name": "name",
    "status": "status",
    "type": "type",
    "progress": "progress",
    "startedAt": "started",
    "finishedAt": "finished",
}
SORT_VALUES = [f"{field}{suffix}" for field in SORT_FIELDS for suffix in ("", ":asc", ":desc")]
DEFAULT_SORT = "createdAt:desc"
TYPES = ["VOD", "LIVE"]

LIST_PARAMETERS = [
    OpenApiParameter(
        "status",
        {"type": "array", "items": {"type": "string", "enum": EncodingStatus.values}},
        description="One or several statuses (repeat the parameter, or separate with commas).",
        explode=True,
    ),
    OpenApiParameter("type", OpenApiTypes.STR, enum=TYPES),
    OpenApiParameter(
        "cloudRegion", OpenApiTypes.STR, description="The region asked for, or the one Bitmovin chose."
    ),
    OpenApiParameter(
        "encoderVersion", OpenApiTypes.STR, description="The version asked for, or the one Bitmovin used."
    ),
    OpenApiParameter("label", OpenApiTypes.STR, description="Encodings carrying this label."),
    OpenApiParameter("createdAtNewerThan", OpenApiTypes.DATETIME, description="Created at or after."),
    OpenApiParameter("createdAtOlderThan", OpenApiTypes.DATETIME, description="Created before."),
    OpenApiParameter("errorCode", OpenApiTypes.INT, description="Failed with this error code."),
    OpenApiParameter(
        "errorCategory",
        OpenApiTypes.STR,
        description="Failed with this error category, exactly as the encoder reported it (e.g. `Input`).",
    ),
    OpenApiParameter(
        "failedAtNewerThan",
        OpenApiTypes.DATETIME,
        description="Failed (ERROR, TRANSFER_ERROR) at or after; an encoding failed at its `errorAt`, else "
        "at its `finishedAt`. With `errorCode`, the encodings of a failure incident.",
    ),
    OpenApiParameter(
        "failedAtOlderThan",
        OpenApiTypes.DATETIME,
        description="Failed (ERROR, TRANSFER_ERROR) before; with `failedAtNewerThan`, the failures of one "
        "day of the trends.",
    ),
    OpenApiParameter(
        SEARCH_PARAMETER,
        OpenApiTypes.STR,
        description='Bitmovin\'s search syntax: `name:Sintel*`, `name:"Sintel trailer"`, `labels:customer1`, '
        "joined with AND; a plain word matches names containing it. What cannot be searched as written (OR, "
        "an operator with nothing to join, a field other than name and labels, a wildcard before the end, "
        "empty quotes, a lone `-`) is a 400 naming the parameter.",
    ),
    OpenApiParameter(
        SEARCH_ALIAS,
        OpenApiTypes.STR,
        deprecated=True,
        description=f"The old name of `{SEARCH_PARAMETER}` on the dashboard's pages, accepted here too. "
        "Giving both with different values is a 400.",
    ),
    OpenApiParameter(
        "sort",
        OpenApiTypes.STR,
        enum=SORT_VALUES,
        default=DEFAULT_SORT,
        description="`field:asc` or `field:desc` (a field alone sorts ascending).",
    ),
]


def _search(reader: QueryReader) -> ParsedSearch:
    """The search under its name or its old one; every problem of it is a 400 naming the one given."""
    name, text = SEARCH_PARAMETER, reader.text(SEARCH_PARAMETER, max_length=500)
    old = reader.text(SEARCH_ALIAS, max_length=500)
    if old and not text:
        name, text = SEARCH_ALIAS, old
    elif old and old != text:
        reader.problems.add(SEARCH_ALIAS, SEARCH_CONFLICT)
    search = parse_search(text)
    for problem in search.problems:
        reader.problems.add(name, problem.text)
    return search


def list_filters(reader: QueryReader) -> EncodingFilters:
    """The list's filters as the API names them; every problem is recorded on the reader."""
    search = _search(reader)
    sort = reader.choice("sort", SORT_VALUES, default=DEFAULT_SORT)
    field, _, direction = sort.partition(":")
    created_from = reader.when("createdAtNewerThan")
    created_to = reader.when("createdAtOlderThan")
    return EncodingFilters(
        statuses=reader.choices("status", EncodingStatus.values),
        type=reader.choice("type", TYPES),
        region=reader.text("cloudRegion"),
        encoder_version=reader.text("encoderVersion"),
        label=reader.text("label"),
        created_from=created_from,
        created_to=created_to,
        error_code=reader.integer("errorCode", default=None, minimum=0, maximum=999_999),
        error_category=reader.text("errorCategory", max_length=120),
        failed_from=reader.when("failedAtNewerThan"),
        failed_to=reader.when("failedAtOlderThan"),
        search=search,
        sort=("-" if direction == "desc" else "") + SORT_FIELDS[field],
    )


class EncodingListView(ApiView):
    @extend_schema(
        operation_id="encodings_list",
        summary="Encodings of an organization",
        description="The mirror's encodings, newest first unless sorted otherwise, with the list page's "
        "filters. Encodings Bitmovin no longer lists are left out.",
        tags=[schema.TAG_ENCODINGS],
        parameters=[schema.SLUG, *LIST_PARAMETERS, *schema.PAGE_PARAMETERS],
        responses=schema.responses("EncodingList", schema.page_of("Encoding", EncodingSerializer), 400),
    )
    def get(self, request: Request, slug: str) -> Response:
        organization = self.organization(slug)
        reader = QueryReader(request.query_params)
        filters = list_filters(reader)
        return page_answer(
            request,
            reader,
            lambda: filtered_encodings(organization, filters).for_list().order_by(*ordering(filters.sort)),
            serialized_by(EncodingSerializer),
        )


class EncodingDetailView(ApiView):
    @extend_schema(
        operation_id="encodings_retrieve",
        summary="One encoding",
        description="Everything the mirror knows of the encoding, as last read from Bitmovin.",
        tags=[schema.TAG_ENCODINGS],
        parameters=[schema.SLUG, schema.ENCODING_ID],
        responses=schema.responses("EncodingDetail", EncodingDetailSerializer()),
    )
    def get(self, request: Request, slug: str, encoding_id: str) -> Response:
        return success(EncodingDetailSerializer(self.encoding(slug, encoding_id)).data)

    @extend_schema(
        operation_id="encodings_delete",
        summary="Delete an encoding in Bitmovin",
        description="Operators and admins. Bitmovin refuses while the encoding is QUEUED or RUNNING "
        "(2021, HTTP 409 here).",
        tags=[schema.TAG_ACTIONS],
        parameters=[schema.SLUG, schema.ENCODING_ID],
        responses=schema.responses("EncodingDelete", ActionResultSerializer(), *ACTION_ERRORS),
    )
    def delete(self, request: Request, slug: str, encoding_id: str) -> Response:
        return perform("delete", action_encoding(self, "delete", slug, encoding_id), request)


class EncodingStatusView(ApiView):
    @extend_schema(
        operation_id="encodings_status_retrieve",
        summary="Status of an encoding",
        description="Progress, ETA, the phases with the time spent in each, subtasks, and for a failed "
        "encoding its error details explained in plain words (from the error-code catalogue).",
        tags=[schema.TAG_ENCODINGS],
        parameters=[schema.SLUG, schema.ENCODING_ID],
        responses=schema.responses("EncodingStatus", EncodingStatusSerializer()),
    )
    def get(self, request: Request, slug: str, encoding_id: str) -> Response:
        encoding = self.encoding(slug, encoding_id)
        return success(EncodingStatusSerializer(_status(encoding)).data)


def _status(encoding: Encoding) -> dict:
    panel = error_panel(encoding)
    error = None
    if panel is not None:
        explanation = panel.explanation
        error = {
            "code": encoding.error_code,
            "category": encoding.error_category,
            "text": encoding.error_text,
            "retryHint": encoding.error_retry_hint,
            "explanation": {
                "known": explanation.known,
                "category": explanation.category,
                "title": explanation.title,
                "meaning": explanation.meaning,
                "whatToDo": panel.what_to_do,
                "retryAdvice": panel.retry_advice,
                "retryHelps": explanation.retry_helps,
                "docUrl": explanation.doc_url,
            },
            "links": panel.links,
            "errorMessages": panel.error_messages,
            "requestIds": panel.request_ids,
        }
    return {
        "id": encoding.bitmovin_id,
        "status": encoding.status,
        "progress": encoding.progress,
        "eta": encoding.shown_eta,
        "isStuck": encoding.is_stuck(),
        "phases": phases(encoding),
        "subtasks": subtasks(encoding),
        "error": error,
        "statusSyncedAt": encoding.status_synced_at,
    }


class EncodingMessagesView(ApiView):
    @extend_schema(
        operation_id="encodings_messages_list",
        summary="Messages of an encoding",
        description="The messages of the encoding's status and its subtasks, oldest first.",
        tags=[schema.TAG_ENCODINGS],
        parameters=[
            schema.SLUG,
            schema.ENCODING_ID,
            OpenApiParameter(
                "type",
                {"type": "array", "items": {"type": "string", "enum": MessageType.values}},
                description="One or several message types (repeat, or separate with commas); default all.",
                explode=True,
            ),
            *schema.PAGE_PARAMETERS,
        ],
        responses=schema.responses("MessageList", schema.page_of("Message", StoredMessageSerializer), 400),
    )
    def get(self, request: Request, slug: str, encoding_id: str) -> Response:
        encoding = self.encoding(slug, encoding_id)
        reader = QueryReader(request.query_params)
        types = reader.choices("type", MessageType.values)
        return page_answer(
            request, reader, lambda: messages_of(encoding, types), serialized_by(StoredMessageSerializer)
        )
