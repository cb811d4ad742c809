"""The actions of the registry (services/action_registry.py) through the API: the service's plain-words
answer in the envelope, with the HTTP status and code its typed outcome maps to (``OUTCOME_ANSWERS``).

Bitmovin decides whether an action is allowed. When it refuses, the answer keeps Bitmovin's code (2021,
2030, ...) and its requestId, with HTTP 409; when Bitmovin itself failed, refused the key or could not be
reached, 502; when it did not answer in time (the action is not sent twice), 504. Past the caller's own
action limit nothing is sent: 429 with code 1007 and Retry-After.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from encodings_app.api import codes, schema
from encodings_app.api.envelope import MESSAGE_TYPES, link, message, success
from encodings_app.api.errors import API_DOCS_LINK, EnvelopeError
from encodings_app.api.serializers import ActionResultSerializer, ReprioritizeRequestSerializer
from encodings_app.api.views.base import ApiView
from encodings_app.models import Encoding, Role
from encodings_app.services.action_outcomes import ActionOutcome, ActionResult
from encodings_app.services.action_registry import ACTIONS
from encodings_app.services.actions import encoding_action_perform


class Answer(NamedTuple):
    status: int
    code: int | None  # None on success; Bitmovin's own code replaces it when Bitmovin gave one


# Every outcome's HTTP status and code, in one place.
OUTCOME_ANSWERS: dict[ActionOutcome, Answer] = {
    ActionOutcome.ACCEPTED: Answer(200, None),
    ActionOutcome.ALREADY_QUEUED: Answer(200, None),
    ActionOutcome.REFUSED: Answer(409, codes.UNDEFINED_ERROR),
    ActionOutcome.KEY_REJECTED: Answer(502, codes.UNDEFINED_ERROR),
    ActionOutcome.BITMOVIN_RATE_LIMITED: Answer(502, codes.UNDEFINED_ERROR),
    ActionOutcome.FAILED: Answer(502, codes.UNDEFINED_ERROR),
    ActionOutcome.UNCONFIRMED: Answer(504, codes.UNDEFINED_ERROR),
    ActionOutcome.NO_KEY: Answer(409, codes.MISSING_FIELD),
    ActionOutcome.INVALID: Answer(400, codes.INVALID_PARAMETER),
    ActionOutcome.RATE_LIMITED: Answer(429, codes.TOO_MANY_REQUESTS),
}

# The statuses an action may answer besides 200 (and the 401, 404 and 500 of every endpoint).
ACTION_ERRORS = (400, 403, 409, 429, 502, 504)


def action_encoding(view: ApiView, action: str, slug: str, encoding_id: str) -> Encoding:
    """The encoding, if the caller may ask for this action on it (404 across organizations, 403 below the
    action's role)."""
    return view.encoding(slug, encoding_id, needs=ACTIONS[action].needs)


def perform(action: str, encoding: Encoding, request: Request, **arguments: Any) -> Response:
    result = encoding_action_perform(
        action=action, encoding=encoding, user=request.user, request=request, arguments=arguments
    )
    if not result.ok:
        raise action_error(result)
    return success(
        {"id": encoding.bitmovin_id, "action": action, "bitmovinRequestId": result.request_id},
        messages=[message("INFO", result.message)],
    )


def action_error(result: ActionResult) -> EnvelopeError:
    answer = OUTCOME_ANSWERS[result.outcome]
    if result.outcome == ActionOutcome.RATE_LIMITED:
        return EnvelopeError(
            status=answer.status,
            code=answer.code,
            message_text=result.message,
            developer_message=f"The dashboard's limit of actions per user was reached; nothing was sent to "
            f"Bitmovin. Retry after {result.retry_after} s (the Retry-After header).",
            retry_after=result.retry_after,
        )
    if result.outcome == ActionOutcome.NO_KEY:
        return EnvelopeError(
            status=answer.status,
            code=answer.code,
            message_text=result.message,
            developer_message="Nothing was sent to Bitmovin: the organization has no usable API key "
            "(an admin can enter it in the organization's settings).",
            details=[message("ERROR", result.message, field="apiKey")],
        )
    if result.outcome == ActionOutcome.INVALID:
        return EnvelopeError(
            status=answer.status,
            code=answer.code,
            message_text=result.message,
            developer_message=f"Nothing was sent to Bitmovin: {result.message}",
            links=[API_DOCS_LINK],
            details=[message("ERROR", result.message, field=result.field)],
        )
    return _bitmovin_error(result, answer)


def _bitmovin_error(result: ActionResult, answer: Answer) -> EnvelopeError:
    """Bitmovin's answer (or its absence), with the evidence a developer or Bitmovin support needs."""
    evidence = result.evidence
    if evidence is None:
        return EnvelopeError(status=answer.status, code=answer.code, message_text=result.message)
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
        status=answer.status,
        code=evidence.code if evidence.code is not None else answer.code,
        message_text=result.message,
        developer_message=f"Bitmovin answered {said}: {text}. Bitmovin requestId: {bitmovin_request_id}.",
        links=links,
        details=details,
    )


def _description(action: str, more: str = "") -> str:
    spec = ACTIONS[action]
    who = "Operators and admins." if spec.needs == Role.OPERATOR else "Every member."
    return " ".join(part for part in (who, spec.consequence, more) if part)


def _action_view(name: str, action: str, operation_id: str, summary: str, more: str = "") -> type[ApiView]:
    """The POST endpoint of an action that takes no arguments, described from the registry."""

    class ActionView(ApiView):
        @extend_schema(
            operation_id=operation_id,
            summary=summary,
            description=_description(action, more),
            tags=[schema.TAG_ACTIONS],
            request=None,
            parameters=[schema.SLUG, schema.ENCODING_ID],
            responses=schema.responses(name.removesuffix("View"), ActionResultSerializer(), *ACTION_ERRORS),
        )
        def post(self, request: Request, slug: str, encoding_id: str) -> Response:
            return perform(action, action_encoding(self, action, slug, encoding_id), request)

    ActionView.__name__ = ActionView.__qualname__ = name
    return ActionView


EncodingStartView = _action_view("EncodingStartView", "start", "encodings_start", "Start an encoding")
EncodingStopView = _action_view(
    "EncodingStopView",
    "stop",
    "encodings_stop",
    "Stop an encoding",
    "A live encoding is stopped with the live stop call.",
)
EncodingLiveRestartView = _action_view(
    "EncodingLiveRestartView",
    "restart-live",
    "encodings_live_restart",
    "Restart a live encoding",
    "Bitmovin refuses a VOD encoding (2029) and a live encoding it cannot restart now (2028), HTTP 409 here.",
)


class EncodingReprioritizeView(ApiView):
    @extend_schema(
        operation_id="encodings_reprioritize",
        summary="Change the priority of a queued encoding",
        description=_description(
            "reprioritize",
            "Priority 0 to 100; Bitmovin refuses once the encoding is being processed (2030, HTTP 409 here).",
        ),
        tags=[schema.TAG_ACTIONS],
        request=ReprioritizeRequestSerializer,
        parameters=[schema.SLUG, schema.ENCODING_ID],
        responses=schema.responses("EncodingReprioritize", ActionResultSerializer(), 415, *ACTION_ERRORS),
    )
    def post(self, request: Request, slug: str, encoding_id: str) -> Response:
        encoding = action_encoding(self, "reprioritize", slug, encoding_id)
        body = ReprioritizeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return perform("reprioritize", encoding, request, priority=body.validated_data["priority"])
