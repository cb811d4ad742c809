"""Operator actions on an encoding (start, stop, delete, reprioritize, restart live), answered in plain words.

Each action calls the API once with the organization's key and then asks for a fresh read of the encoding,
so the mirror catches up without waiting for the next sync. The API decides whether the action is allowed:
its precondition errors (2021, 2028, 2029, 2030, 2047) are explained to the operator as they are, so the
page's idea of the encoding's state is never the last word.

Every action, a refresh included, first spends one unit of its user's action limit (ACTION_RATE_LIMIT per
ACTION_RATE_WINDOW_SECONDS, pages and API together), and leaves an entry in the audit log with its outcome
and Bitmovin's requestId. At most one fresh read of an encoding waits in the queue at a time.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from encodings_app.bitmovin import (
    ActionOutcomeUnknownError,
    BitmovinClient,
    BitmovinError,
    InvalidArgumentError,
    ProtocolError,
    ResourceId,
    TransportError,
    explain,
)
from encodings_app.models import Encoding, Organization
from encodings_app.services.audit import Action, Outcome, audit_record
from encodings_app.services.clients import KeyUnavailable, client_for
from encodings_app.services.ratelimit import window_spend

logger = logging.getLogger(__name__)

# The operator is waiting for the page: give up sooner than a worker would.
ACTION_RETRY_BUDGET_S = 10.0

VERBS = {
    "start": ("start", "started"),
    "stop": ("stop", "stopped"),
    "delete": ("delete", "deleted"),
    "reprioritize": ("reprioritize", "reprioritized"),
    "restart-live": ("restart", "restarted"),
}

AUDIT_ACTIONS = {
    "start": Action.ENCODING_START,
    "stop": Action.ENCODING_STOP,
    "delete": Action.ENCODING_DELETE,
    "reprioritize": Action.ENCODING_REPRIORITIZE,
    "restart-live": Action.ENCODING_RESTART_LIVE,
    "refresh": Action.ENCODING_REFRESH,
}


@dataclass(frozen=True)
class ErrorEvidence:
    """What the API said, for the developer details on a page (plain data: it may go into the session)."""

    title: str
    meaning: str
    what_to_do: str
    doc_url: str
    http_status: int | None = None
    code: int | None = None
    message: str = ""
    developer_message: str = ""
    request_id: str = ""
    details: list[dict[str, str]] = field(default_factory=list)
    links: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def from_error(cls, error: BitmovinError) -> ErrorEvidence:
        # An error status without the API's error envelope came from something other than the API (a
        # gateway's page, another server): its body is kept for developers only (``body_excerpt``).
        if isinstance(error, TransportError | ProtocolError) or error.body_excerpt is not None:
            return cls.unreachable(error)
        explanation = explain(error.code, error.message or None)
        return cls(
            title=explanation.title,
            meaning=explanation.meaning,
            what_to_do=explanation.what_to_do,
            doc_url=explanation.doc_url,
            http_status=error.http_status,
            code=error.code,
            message=error.message or "",
            developer_message=error.developer_message or "",
            request_id=error.request_id or "",
            details=[
                {"type": str(d.type or ""), "text": d.text or "", "field": d.field or ""}
                for d in error.details
            ],
            links=[
                {"href": link.href, "title": link.title or link.href} for link in error.links if link.href
            ],
        )

    @classmethod
    def unreachable(cls, error: BitmovinError) -> ErrorEvidence:
        """No answer from the Bitmovin API: plain words only. Nothing the remote side said is repeated
        (no body, no error text of the HTTP stack), so the page cannot be used to probe other hosts."""
        if isinstance(error, TransportError):
            meaning = f"Could not connect to the API: {error.message}."
        elif isinstance(error, ProtocolError) or error.http_status is None:
            meaning = "Could not connect to the API: the answer was not the Bitmovin API."
        else:
            status = error.http_status
            meaning = f"Could not connect to the API: the answer (HTTP {status}) was not the Bitmovin API."
        return cls(
            title="Could not reach the Bitmovin API",
            meaning=meaning,
            what_to_do="Check the organization's API base URL in the settings, then try again; if it is "
            "right, the API may be briefly unavailable.",
            doc_url="",
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ActionResult:
    action: str
    ok: bool
    level: str  # "success", "warning" or "error": the flash message's level
    message: str
    evidence: ErrorEvidence | None = None
    request_id: str = ""
    # Set when the user's action limit refused it: whole seconds until actions are accepted again.
    retry_after: int | None = None
    # Why it ended as it did, for the audit log: "ok", "refused", "failed" or "unconfirmed".
    outcome: str = Outcome.OK

    @property
    def throttled(self) -> bool:
        return self.retry_after is not None


def _name(encoding: Encoding) -> str:
    return f"“{encoding.name or encoding.bitmovin_id}”"


def _perform(
    action: str,
    encoding: Encoding,
    user: Any,
    call: Callable[[BitmovinClient], ResourceId],
    success: str,
    request: HttpRequest | None = None,
    detail: str = "",
) -> ActionResult:
    throttled = _throttle(action, encoding, user, request)
    if throttled is not None:
        return throttled
    result = _send(action, encoding, user, call, success)
    _audit(encoding, user, request, result, detail)
    return result


def _send(
    action: str,
    encoding: Encoding,
    user: Any,
    call: Callable[[BitmovinClient], ResourceId],
    success: str,
) -> ActionResult:
    organization: Organization = encoding.organization
    verb, done = VERBS[action]
    try:
        client = client_for(organization, retry_budget_s=ACTION_RETRY_BUDGET_S, interactive=True)
    except KeyUnavailable as exc:
        return ActionResult(
            action,
            ok=False,
            level="error",
            message=f"Could not {verb} {_name(encoding)}: {exc}. An admin can enter the key in the settings.",
            outcome=Outcome.FAILED,
        )
    try:
        with client:
            resource = call(client)
    except ActionOutcomeUnknownError as exc:
        _refresh(organization, encoding)
        seen = f" Its status right afterwards was {exc.observed_status}." if exc.observed_status else ""
        logger.warning(
            "%s of encoding %s in %s: outcome unknown", action, encoding.bitmovin_id, organization.slug
        )
        unconfirmed = (
            f"We could not confirm that {_name(encoding)} was {done}: Bitmovin did not answer in time, and "
            f"the request was not sent again.{seen} The status will tell once the dashboard reads it."
        )
        evidence = ErrorEvidence(
            title="Outcome not confirmed",
            meaning=unconfirmed,
            what_to_do="Wait for the next status read (or use Refresh now) before trying again.",
            doc_url="",
            http_status=exc.http_status,
            message=exc.message or "",
            request_id=exc.request_id or "",
        )
        return ActionResult(
            action,
            ok=False,
            level="warning",
            message=unconfirmed,
            evidence=evidence,
            request_id=evidence.request_id,
            outcome=Outcome.UNCONFIRMED,
        )
    except InvalidArgumentError as exc:
        return ActionResult(
            action,
            ok=False,
            level="error",
            message=f"Could not {verb} {_name(encoding)}: {exc}.",
            outcome=Outcome.REFUSED,
        )
    except BitmovinError as exc:
        evidence = ErrorEvidence.from_error(exc)
        logger.info(
            "%s of encoding %s in %s refused: %s", action, encoding.bitmovin_id, organization.slug, exc
        )
        quoted = f" (request id {exc.request_id})" if exc.request_id else ""
        return ActionResult(
            action,
            ok=False,
            level="error",
            message=f"Bitmovin did not {verb} {_name(encoding)}: {evidence.title}. "
            f"{evidence.what_to_do}{quoted}",
            evidence=evidence,
            request_id=exc.request_id or "",
            # Bitmovin looked at the request and said no (a precondition, the key, its rate limit), or
            # failed itself or could not be reached.
            outcome=Outcome.REFUSED if exc.http_status and 400 <= exc.http_status < 500 else Outcome.FAILED,
        )
    _refresh(organization, encoding)
    logger.info(
        "%s of encoding %s in %s by %s accepted (request %s)",
        action,
        encoding.bitmovin_id,
        organization.slug,
        getattr(user, "username", "?"),
        resource.request_id,
    )
    if getattr(resource, "verified_by_status", False):
        success += " The answer was lost on the way, but the encoding's status shows it took effect."
    return ActionResult(
        action, ok=True, level="success", message=success, request_id=resource.request_id or ""
    )


def _audit(
    encoding: Encoding, user: Any, request: HttpRequest | None, result: ActionResult, detail: str = ""
) -> None:
    evidence = result.evidence
    if evidence is not None:
        said = f"HTTP {evidence.http_status}" if evidence.http_status else "no answer"
        code = f", code {evidence.code}" if evidence.code is not None else ""
        detail = f"{detail} {evidence.title} ({said}{code}).".strip()
    elif not result.ok:
        detail = f"{detail} {result.message}".strip()
    audit_record(
        action=AUDIT_ACTIONS[result.action],
        user=user,
        organization=encoding.organization,
        outcome=result.outcome,
        target=encoding.bitmovin_id,
        detail=detail,
        request_id=result.request_id,
        request=request,
    )


def _throttle(action: str, encoding: Encoding, user: Any, request: HttpRequest | None) -> ActionResult | None:
    """None while the user's action limit allows one more; otherwise the answer that says how long to wait."""
    limit, window = settings.ACTION_RATE_LIMIT, settings.ACTION_RATE_WINDOW_SECONDS
    who = getattr(user, "pk", None) or "anonymous"
    spent = window_spend(f"action-limit:user:{who}", limit=limit, window_seconds=window, now=time.time())
    if not spent.over_limit:
        return None
    wait = math.ceil(spent.retry_after)
    period = "a minute" if window == 60 else f"{window} s"
    result = ActionResult(
        action,
        ok=False,
        level="error",
        message=f"You have asked for more than {limit} {'action' if limit == 1 else 'actions'} in {period}, "
        f"so this one was not done and nothing was sent to Bitmovin. Try again in {wait} s.",
        retry_after=wait,
        outcome=Outcome.REFUSED,
    )
    # One entry per window, at the first refusal: a flood must not flood the audit log as well.
    if spent.used == limit + 1:
        _audit(encoding, user, request, result, detail="The user's action limit was reached.")
    return result


def _refresh(organization: Organization, encoding: Encoding) -> bool:
    from encodings_app.tasks import refresh_encoding_enqueue  # tasks import services; import at call time

    return refresh_encoding_enqueue(organization.pk, encoding.bitmovin_id)


def encoding_start(*, encoding: Encoding, user: Any, request: HttpRequest | None = None) -> ActionResult:
    return _perform(
        "start",
        encoding,
        user,
        lambda client: client.start_encoding(encoding.bitmovin_id),
        f"Start requested: Bitmovin accepted {_name(encoding)} and will queue it.",
        request,
    )


def encoding_stop(*, encoding: Encoding, user: Any, request: HttpRequest | None = None) -> ActionResult:
    def call(client: BitmovinClient) -> ResourceId:
        # Live encodings have their own stop, which ends the stream cleanly.
        if encoding.is_live:
            return client.stop_live_encoding(encoding.bitmovin_id)
        return client.stop_encoding(encoding.bitmovin_id)

    stopping = f"Stop requested: Bitmovin is stopping {_name(encoding)}."
    return _perform("stop", encoding, user, call, stopping, request)


def encoding_delete(*, encoding: Encoding, user: Any, request: HttpRequest | None = None) -> ActionResult:
    return _perform(
        "delete",
        encoding,
        user,
        lambda client: client.delete_encoding(encoding.bitmovin_id),
        f"{_name(encoding)} was deleted in Bitmovin.",
        request,
    )


def encoding_reprioritize(
    *, encoding: Encoding, user: Any, priority: int, request: HttpRequest | None = None
) -> ActionResult:
    return _perform(
        "reprioritize",
        encoding,
        user,
        lambda client: client.reprioritize_encoding(encoding.bitmovin_id, priority),
        f"Priority of {_name(encoding)} set to {priority}.",
        request,
        detail=f"Priority {priority}.",
    )


def encoding_restart_live(
    *, encoding: Encoding, user: Any, request: HttpRequest | None = None
) -> ActionResult:
    return _perform(
        "restart-live",
        encoding,
        user,
        lambda client: client.restart_live_encoding(encoding.bitmovin_id),
        f"Restart requested: Bitmovin is restarting the live encoding {_name(encoding)}.",
        request,
    )


def encoding_refresh_request(
    *, encoding: Encoding, user: Any, request: HttpRequest | None = None
) -> ActionResult:
    """Ask for a fresh read of one encoding now (any member may); at most one waits in the queue."""
    throttled = _throttle("refresh", encoding, user, request)
    if throttled is not None:
        return throttled
    if _refresh(encoding.organization, encoding):
        message = f"A fresh read of {_name(encoding)} was requested; the page updates when it arrives."
        detail = "A fresh read was queued."
    else:
        message = "A refresh of this encoding is already on its way; the page updates when it arrives."
        detail = "A fresh read was already queued; none was added."
    result = ActionResult("refresh", ok=True, level="success", message=message)
    _audit(encoding, user, request, result, detail=detail)
    return result
