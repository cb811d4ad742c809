"""Start, stop, reprioritize and delete: the service's plain-words answer, in the envelope.

Bitmovin decides whether an action is allowed. When it refuses, the answer keeps Bitmovin's code (2021,
2030, ...) and its requestId, with HTTP 409; when Bitmovin itself failed or could not be reached, 502; when
it did not answer in time (the action is not sent twice), 504. Past the caller's own action limit nothing is
sent: 429 with code 1007 and Retry-After.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from encodings_app.api import codes, schema
from encodings_app.api.envelope import MESSAGE_TYPES, link, message, success
from encodings_app.api.errors import EnvelopeError
from encodings_app.api.serializers import ActionResultSerializer, ReprioritizeRequestSerializer
from encodings_app.api.views.base import ApiView
from encodings_app.models import Encoding, Role
from encodings_app.services import actions

# Bitmovin statuses that mean "the organization's key or Bitmovin itself is the problem", not the request.
_UPSTREAM_FAULTS = (401, 403, 429)


def perform(action: str, encoding: Encoding, request: Request, **arguments: Any) -> Response:
    service = {
        "start": actions.encoding_start,
        "stop": actions.encoding_stop,
        "delete": actions.encoding_delete,
        "reprioritize": actions.encoding_reprioritize,
    }[action]
    result = service(encoding=encoding, user=request.user, request=request, **arguments)
    if not result.ok:
        raise action_error(result)
    return success(
        {"id": encoding.bitmovin_id, "action": action, "bitmovinRequestId": result.request_id},
        messages=[message("INFO", result.message)],
    )


def action_error(result: actions.ActionResult) -> EnvelopeError:
    if result.throttled:
        return EnvelopeError(
            status=429,
            code=codes.TOO_MANY_REQUESTS,
            message_text=result.message,
            developer_message=f"The dashboard's limit of actions per user was reached; nothing was sent to "
            f"Bitmovin. Retry after {result.retry_after} s (the Retry-After header).",
            retry_after=result.retry_after,
        )
    evidence = result.evidence
    if evidence is None:
        # Nothing reached Bitmovin: the organization has no usable key, or the call was refused before
        # sending. Either way the organization's state, not the request, stands in the way.
        return EnvelopeError(
            status=409,
            code=codes.MISSING_FIELD,
            message_text=result.message,
            developer_message="Nothing was sent to Bitmovin: the organization has no usable API key "
            "(an admin can enter it in the organization's settings).",
            details=[message("ERROR", result.message, field="apiKey")],
        )
    if result.level == "warning":
        status = 504
    elif evidence.http_status and 400 <= evidence.http_status < 500:
        status = 502 if evidence.http_status in _UPSTREAM_FAULTS else 409
    else:
        status = 502
    said = f"HTTP {evidence.http_status}" if evidence.http_status else "no usable HTTP answer"
    if evidence.code is not None:
        said += f", code {evidence.code}"
    text = evidence.message or evidence.title
    if evidence.developer_message and evidence.developer_message != evidence.message:
        text += f" ({evidence.developer_message})"
    bitmovin_request_id = evidence.request_id or "none"
    more = {"bitmovinRequestId": evidence.request_id or None, "bitmovinHttpStatus": evidence.http_status}
    more["bitmovinCode"] = evidence.code
    details = [
        message(
            detail["type"] if detail.get("type") in MESSAGE_TYPES else "ERROR",
            detail.get("text") or "(no text)",
            field=detail.get("field", ""),
        )
        for detail in evidence.details
    ]
    details.append(
        message(
            "ERROR",
            " ".join(part for part in (f"{evidence.title}.", evidence.meaning, evidence.what_to_do) if part),
            more={key: value for key, value in more.items() if value is not None},
        )
    )
    links = [link(item["href"], item.get("title", "")) for item in evidence.links]
    if evidence.doc_url:
        links.append(link(evidence.doc_url, "What this error means"))
    return EnvelopeError(
        status=status,
        code=evidence.code if evidence.code is not None else codes.UNDEFINED_ERROR,
        message_text=result.message,
        developer_message=f"Bitmovin answered {said}: {text}. Bitmovin requestId: {bitmovin_request_id}.",
        links=links,
        details=details,
    )


_ACTION_ERRORS = (403, 409, 429, 502, 504)


class EncodingStartView(ApiView):
    @extend_schema(
        operation_id="encodings_start",
        summary="Start an encoding",
        description="Operators and admins. Bitmovin queues the encoding; this is billed.",
        tags=[schema.TAG_ACTIONS],
        request=None,
        parameters=[schema.SLUG, schema.ENCODING_ID],
        responses=schema.responses("EncodingStart", ActionResultSerializer(), *_ACTION_ERRORS),
    )
    def post(self, request: Request, slug: str, encoding_id: str) -> Response:
        return perform("start", self.encoding(slug, encoding_id, needs=Role.OPERATOR), request)


class EncodingStopView(ApiView):
    @extend_schema(
        operation_id="encodings_stop",
        summary="Stop an encoding",
        description="Operators and admins. A live encoding is stopped with the live stop call.",
        tags=[schema.TAG_ACTIONS],
        request=None,
        parameters=[schema.SLUG, schema.ENCODING_ID],
        responses=schema.responses("EncodingStop", ActionResultSerializer(), *_ACTION_ERRORS),
    )
    def post(self, request: Request, slug: str, encoding_id: str) -> Response:
        return perform("stop", self.encoding(slug, encoding_id, needs=Role.OPERATOR), request)


class EncodingReprioritizeView(ApiView):
    @extend_schema(
        operation_id="encodings_reprioritize",
        summary="Change the priority of a queued encoding",
        description="Operators and admins. Priority 0 to 100; Bitmovin refuses once the encoding is "
        "being processed (2030, HTTP 409 here).",
        tags=[schema.TAG_ACTIONS],
        request=ReprioritizeRequestSerializer,
        parameters=[schema.SLUG, schema.ENCODING_ID],
        responses=schema.responses(
            "EncodingReprioritize", ActionResultSerializer(), 400, 415, *_ACTION_ERRORS
        ),
    )
    def post(self, request: Request, slug: str, encoding_id: str) -> Response:
        encoding = self.encoding(slug, encoding_id, needs=Role.OPERATOR)
        body = ReprioritizeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return perform("reprioritize", encoding, request, priority=body.validated_data["priority"])
