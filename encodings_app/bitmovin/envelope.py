"""Turning one HTTP answer into an ``Envelope`` or the right ``BitmovinError``.

Pure functions of (status, headers, body): no I/O, no clock, so that the property tests can feed them
anything. The body reaching here has already had the API key scrubbed out of it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._convert import as_int, as_objects, as_str
from .errors import BitmovinError, ProtocolError, RateLimitedError, error_class_for
from .retry import parse_retry_after, rate_limit_wait
from .types import Link, Message

_EXCERPT_CHARS = 160
_NOT_JSON = object()


@dataclass(frozen=True)
class Envelope:
    """A successful answer: ``result`` is ``data.result`` (None when absent or for a 204)."""

    request_id: str | None
    result: Any
    messages: tuple[Message, ...] = ()
    more: Mapping[str, Any] | None = None
    http_status: int = 200


def excerpt(body: bytes) -> str:
    text = body[: _EXCERPT_CHARS * 4].decode("utf-8", "replace")
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT_CHARS else text[:_EXCERPT_CHARS] + "…"


def _load(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        # ValueError covers invalid UTF-8, truncated JSON and HTML alike.
        return _NOT_JSON


def _content_type(headers: Mapping[str, str]) -> str:
    for key, value in headers.items():
        if key.lower() == "content-type":
            return value.split(";")[0].strip() or "unknown"
    return "none"


def decode(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    method: str | None = None,
    endpoint: str | None = None,
    now: float | None = None,
) -> Envelope:
    """The envelope of a 2xx answer; raises the matching ``BitmovinError`` for anything else."""
    context = {"method": method, "endpoint": endpoint, "http_status": status}
    if status == 204:
        return Envelope(request_id=None, result=None, http_status=status)

    document = _load(body) if body.strip() else _NOT_JSON
    envelope = document if isinstance(document, dict) else None
    request_id = as_str(envelope.get("requestId")) if envelope is not None else None

    if status >= 400:
        raise _api_error(status, headers, body, envelope, request_id, context, now)
    if not 200 <= status <= 299:
        # Redirects are never followed: X-Api-Key would travel to whatever host the Location names. Asking
        # again gets the same redirect: the base URL is what needs fixing.
        raise ProtocolError(
            f"unexpected HTTP status {status}",
            request_id=request_id,
            body_excerpt=excerpt(body),
            retryable=False,
            **context,
        )

    if document is _NOT_JSON:
        what = "an empty body" if not body.strip() else f"a body that is not JSON ({_content_type(headers)})"
        raise ProtocolError(f"the API answered with {what}", body_excerpt=excerpt(body), **context)
    if envelope is None:
        raise ProtocolError(
            f"the answer is JSON but not an envelope object (a {type(document).__name__})",
            body_excerpt=excerpt(body),
            **context,
        )
    if request_id is None:
        raise ProtocolError("the envelope has no requestId", body_excerpt=excerpt(body), **context)

    data = envelope.get("data")
    outcome = envelope.get("status")
    if outcome == "ERROR":
        fields = _error_fields(data)
        api_message = fields.pop("message") or "no message"
        raise ProtocolError(
            f"the envelope says ERROR but the HTTP status is {status}: {api_message}",
            request_id=request_id,
            **fields,
            **context,
        )
    if outcome != "SUCCESS":
        raise ProtocolError(
            f"the envelope status is {outcome!r}, expected SUCCESS or ERROR",
            request_id=request_id,
            body_excerpt=excerpt(body),
            **context,
        )
    if not isinstance(data, dict):
        raise ProtocolError(
            "the envelope says SUCCESS but has no data object", request_id=request_id, **context
        )
    return Envelope(
        request_id=request_id,
        result=data.get("result"),
        messages=as_objects(data.get("messages"), Message.from_json),
        more=envelope.get("more") if isinstance(envelope.get("more"), dict) else None,
        http_status=status,
    )


def _error_fields(data: Any) -> dict[str, Any]:
    """The ResponseErrorData fields, each tolerated missing or mistyped: an error must never hide an error."""
    data = data if isinstance(data, dict) else {}
    return {
        "code": as_int(data.get("code")),
        "message": as_str(data.get("message")),
        "developer_message": as_str(data.get("developerMessage")),
        "links": as_objects(data.get("links"), Link.from_json),
        "details": as_objects(data.get("details"), Message.from_json),
    }


def _api_error(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    envelope: dict[str, Any] | None,
    request_id: str | None,
    context: dict[str, Any],
    now: float | None,
) -> BitmovinError:
    fields = _error_fields(envelope.get("data") if envelope is not None else None)
    cls = error_class_for(status, fields["code"])
    if cls is RateLimitedError:
        retry_after: float | None = rate_limit_wait(headers, now=now)
    else:
        retry_after = parse_retry_after(headers, now=now)
    message = fields.pop("message") or _reason(status, envelope is not None)
    return cls(
        message,
        request_id=request_id,
        retry_after=retry_after,
        # Kept for a developer's eye only; ``str()`` of these classes never shows it.
        body_excerpt=None if envelope is not None else excerpt(body),
        **fields,
        **context,
    )


def _reason(status: int, had_envelope: bool) -> str:
    known = {
        400: "bad request",
        401: "authentication failed",
        403: "access denied",
        404: "not found",
        405: "method not allowed",
        409: "conflict with the resource's current state",
        429: "too many requests",
        500: "internal server error",
        502: "bad gateway",
        503: "service unavailable",
        504: "gateway timeout",
    }
    reason = known.get(status, f"HTTP error {status}")
    return reason if had_envelope else f"{reason} (the body is not an API error envelope)"
