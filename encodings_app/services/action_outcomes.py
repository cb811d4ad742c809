"""What became of an action: a typed outcome, the words for the operator, and the API's evidence.

The outcome is the one fact every reader of a result goes by: the pages pick a message's level from it, the
API its HTTP status and code (api/views/actions.py), and the audit log its own coarser outcome
(``AUDIT_OUTCOMES`` below). Nobody reads a result's words to learn what happened.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any

from encodings_app.bitmovin import BitmovinError, ProtocolError, TransportError, explain
from encodings_app.services.audit import Outcome


class ActionOutcome(enum.StrEnum):
    ACCEPTED = "accepted"  # Bitmovin accepted the call, or the fresh read was queued
    ALREADY_QUEUED = "already_queued"  # a fresh read of the encoding was already on its way; none added
    REFUSED = "refused"  # Bitmovin looked at the request and said no (a precondition: 2021, 2030 ...)
    KEY_REJECTED = "key_rejected"  # Bitmovin refused the organization's key (HTTP 401 or 403)
    BITMOVIN_RATE_LIMITED = "bitmovin_rate_limited"  # Bitmovin's own limit on the key (HTTP 429)
    UNCONFIRMED = "unconfirmed"  # no answer in time after the call went out; it is not sent twice
    NO_KEY = "no_key"  # no usable key, or its API address is not allowed: nothing was sent
    INVALID = "invalid"  # an argument (a priority, a stored id) cannot be sent: nothing was sent
    RATE_LIMITED = "rate_limited"  # past the user's own action limit: nothing was sent
    FAILED = "failed"  # Bitmovin failed, or something other than Bitmovin answered, or nothing did


# The audit log keeps four outcomes: done, said no (Bitmovin or the dashboard), broke, or unknown.
AUDIT_OUTCOMES: dict[ActionOutcome, str] = {
    ActionOutcome.ACCEPTED: Outcome.OK,
    ActionOutcome.ALREADY_QUEUED: Outcome.OK,
    ActionOutcome.REFUSED: Outcome.REFUSED,
    ActionOutcome.KEY_REJECTED: Outcome.REFUSED,
    ActionOutcome.BITMOVIN_RATE_LIMITED: Outcome.REFUSED,
    ActionOutcome.INVALID: Outcome.REFUSED,
    ActionOutcome.RATE_LIMITED: Outcome.REFUSED,
    ActionOutcome.UNCONFIRMED: Outcome.UNCONFIRMED,
    ActionOutcome.NO_KEY: Outcome.FAILED,
    ActionOutcome.FAILED: Outcome.FAILED,
}


def api_did_not_answer(error: BitmovinError) -> bool:
    """No answer came, or one that was not the Bitmovin API's: an error status without the API's error
    envelope came from something else (a gateway's page, another server), its body kept for developers only
    (``body_excerpt``)."""
    return isinstance(error, TransportError | ProtocolError) or error.body_excerpt is not None


def outcome_of_error(error: BitmovinError) -> ActionOutcome:
    """The outcome of a call that raised: who said no, or that nobody answered as the API."""
    if api_did_not_answer(error):
        return ActionOutcome.FAILED
    status = error.http_status
    if status in (401, 403):
        return ActionOutcome.KEY_REJECTED
    if status == 429:
        return ActionOutcome.BITMOVIN_RATE_LIMITED
    if status is not None and 400 <= status < 500:
        return ActionOutcome.REFUSED
    return ActionOutcome.FAILED


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
        if api_did_not_answer(error):
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

    def after(self, lead: str) -> str:
        """One message: `lead`, then what the evidence means, what to do, and the request id to quote."""
        request_id = f" Request id {self.request_id}." if self.request_id else ""
        return f"{lead}. {self.title}: {self.meaning} {self.what_to_do}{request_id}"

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
    outcome: ActionOutcome
    message: str  # for people, in plain words
    evidence: ErrorEvidence | None = None
    request_id: str = ""
    # RATE_LIMITED: whole seconds until the user's actions are accepted again.
    retry_after: int | None = None
    # INVALID: the argument that cannot be sent (as the API names it), when it is one.
    field: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome in (ActionOutcome.ACCEPTED, ActionOutcome.ALREADY_QUEUED)

    @property
    def throttled(self) -> bool:
        return self.outcome == ActionOutcome.RATE_LIMITED

    @property
    def audit_outcome(self) -> str:
        return AUDIT_OUTCOMES[self.outcome]
