"""A sign-in lockout leaves one entry in the audit log: the user name tried and the address it came from."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from encodings_app.services.audit import Action, Outcome, audit_record


def login_lockout_record(*, request: HttpRequest | None, username: str | None) -> None:
    """Record the attempt that reached the limit. Every further try during the lockout re-sends axes' signal;
    those are the same lockout, and one entry each would let an attacker flood the log."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is not None and failures != settings.AXES_FAILURE_LIMIT:
        return
    audit_record(
        action=Action.LOGIN_LOCKOUT,
        outcome=Outcome.REFUSED,
        username=username or "",
        target=username or "",
        detail=(
            f"{settings.AXES_FAILURE_LIMIT} failed sign-ins; this user name is locked from this address "
            f"for {round(settings.AXES_COOLOFF_TIME.total_seconds() / 60)} min"
        ),
        request=request,
    )


def on_user_locked_out(
    sender, request: HttpRequest | None = None, username: str | None = None, **kwargs
) -> None:
    """Receiver of axes.signals.user_locked_out."""
    login_lockout_record(request=request, username=username)
