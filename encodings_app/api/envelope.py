"""The Bitmovin response envelope: ``{requestId, status, data}`` around every answer of the API.

Views return ``success(result, messages=...)``; the exception handler returns the error data. The renderer
adds ``requestId`` and ``status`` (SUCCESS below HTTP 400, ERROR from 400 on), so no answer can leave
without them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC
from typing import Any

from django.utils import timezone
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

SUCCESS = "SUCCESS"
ERROR = "ERROR"
MESSAGE_TYPES = ("INFO", "ERROR", "WARNING", "DEBUG", "TRACE")


def request_id_of(request: Any) -> str:
    """The id the request-id middleware gave this request (made here when the middleware did not run)."""
    http_request = getattr(request, "_request", request)
    request_id = getattr(http_request, "request_id", None)
    if not request_id:
        request_id = str(uuid.uuid4())
        http_request.request_id = request_id
    return request_id


def timestamp(value=None) -> str:
    """UTC in the API's form, e.g. 2016-06-25T20:09:23.690Z."""
    value = value or timezone.now()
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def link(href: str, title: str = "") -> dict[str, str]:
    entry = {"href": href}
    if title:
        entry["title"] = title
    return entry


def message(
    type_: str,
    text: str,
    *,
    field: str = "",
    links: Iterable[Mapping[str, str]] = (),
    more: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A Message as the seed defines it; optional keys appear only when they say something."""
    entry: dict[str, Any] = {"id": str(uuid.uuid4()), "date": timestamp(), "type": type_, "text": text}
    if field:
        entry["field"] = field
    links = [dict(item) for item in links if item.get("href")]
    if links:
        entry["links"] = links
    if more:
        entry["more"] = dict(more)
    return entry


def success(result: Any, *, messages: list[dict[str, Any]] | None = None, status: int = 200) -> Response:
    data: dict[str, Any] = {"result": result}
    if messages:
        data["messages"] = messages
    return Response(data, status=status)


class EnvelopeRenderer(JSONRenderer):
    """JSON in the envelope; the only renderer of the API's views."""

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        renderer_context = renderer_context or {}
        request = renderer_context.get("request")
        response = renderer_context.get("response")
        failed = response is not None and response.status_code >= 400
        body = {
            "requestId": request_id_of(request) if request is not None else str(uuid.uuid4()),
            "status": ERROR if failed else SUCCESS,
            "data": data if data is not None else {},
        }
        return super().render(body, accepted_media_type, renderer_context)


class JsonOnlyNegotiation(DefaultContentNegotiation):
    """The API speaks JSON whatever the Accept header says, like Bitmovin's: a browser gets JSON too,
    and a client asking for something else gets an answer it can read rather than a bare 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
