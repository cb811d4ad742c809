"""What the engine delivers: a plain message, knowing nothing of the incident or rule that produced it."""

from __future__ import annotations

from dataclasses import dataclass

from encodings_app.models import SEVERITY_RANK, AlertDelivery

KINDS = tuple(AlertDelivery.Kind.values)
SEVERITIES = tuple(SEVERITY_RANK)


@dataclass(frozen=True)
class AlertMessage:
    organization_id: int
    # Unique per organization and message (e.g. "incident-42-opened"): the same key asked for twice is one
    # delivery per channel. Receivers see each delivery's own id, stable across its retries.
    key: str
    kind: str
    subject: str
    # Plain text, several lines at most; the senders add nothing but the link.
    body: str
    link: str = ""
    severity: str = "warning"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown message kind {self.kind!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")
        if not self.key or len(self.key) > 200:
            raise ValueError("a message key has 1 to 200 characters")


@dataclass(frozen=True)
class SendResult:
    """One attempt's outcome. `status` is the receiver's HTTP status or SMTP reply code (None when no answer
    came); `error` says what went wrong in plain words, never with a URL or a secret."""

    ok: bool
    status: int | None = None
    error: str = ""
