"""Operator actions on an encoding (start, stop, delete, reprioritize, restart live), answered in plain words.

Each action calls the API once with the organization's key and then asks for a fresh read of the encoding,
so the mirror catches up without waiting for the next sync. The API decides whether the action is allowed:
its precondition errors (2021, 2028, 2029, 2030, 2047) are explained to the operator as they are, so the
page's idea of the encoding's state is never the last word.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

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
from encodings_app.services.clients import KeyUnavailable, client_for

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


def _name(encoding: Encoding) -> str:
    return f"“{encoding.name or encoding.bitmovin_id}”"


def _perform(
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
        )
    except InvalidArgumentError as exc:
        return ActionResult(
            action, ok=False, level="error", message=f"Could not {verb} {_name(encoding)}: {exc}."
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


def _refresh(organization: Organization, encoding: Encoding) -> None:
    from encodings_app.tasks import refresh_encoding  # tasks import services; import at call time

    refresh_encoding.delay_on_commit(organization.pk, encoding.bitmovin_id)


def encoding_start(*, encoding: Encoding, user: Any) -> ActionResult:
    return _perform(
        "start",
        encoding,
        user,
        lambda client: client.start_encoding(encoding.bitmovin_id),
        f"Start requested: Bitmovin accepted {_name(encoding)} and will queue it.",
    )


def encoding_stop(*, encoding: Encoding, user: Any) -> ActionResult:
    def call(client: BitmovinClient) -> ResourceId:
        # Live encodings have their own stop, which ends the stream cleanly.
        if encoding.is_live:
            return client.stop_live_encoding(encoding.bitmovin_id)
        return client.stop_encoding(encoding.bitmovin_id)

    return _perform("stop", encoding, user, call, f"Stop requested: Bitmovin is stopping {_name(encoding)}.")


def encoding_delete(*, encoding: Encoding, user: Any) -> ActionResult:
    return _perform(
        "delete",
        encoding,
        user,
        lambda client: client.delete_encoding(encoding.bitmovin_id),
        f"{_name(encoding)} was deleted in Bitmovin.",
    )


def encoding_reprioritize(*, encoding: Encoding, user: Any, priority: int) -> ActionResult:
    return _perform(
        "reprioritize",
        encoding,
        user,
        lambda client: client.reprioritize_encoding(encoding.bitmovin_id, priority),
        f"Priority of {_name(encoding)} set to {priority}.",
    )


def encoding_restart_live(*, encoding: Encoding, user: Any) -> ActionResult:
    return _perform(
        "restart-live",
        encoding,
        user,
        lambda client: client.restart_live_encoding(encoding.bitmovin_id),
        f"Restart requested: Bitmovin is restarting the live encoding {_name(encoding)}.",
    )


def encoding_refresh_request(*, encoding: Encoding, user: Any) -> ActionResult:
    """Ask for a fresh read of one encoding now (any member may)."""
    _refresh(encoding.organization, encoding)
    return ActionResult(
        "refresh",
        ok=True,
        level="success",
        message=f"A fresh read of {_name(encoding)} was requested; the page updates when it arrives.",
    )
