"""The audit entries of alert channels: named by the channel's name and kind, and what it sends to as pages
show it (masked), never the address or URL itself."""

from __future__ import annotations

from django.http import HttpRequest

from encodings_app.models import AlertChannel
from encodings_app.services.audit import COMMAND_LINE, Outcome, audit_record


def channel_audit(
    action: str,
    channel: AlertChannel,
    user,
    request: HttpRequest | None,
    *,
    outcome: str = Outcome.OK,
    detail: str = "",
) -> None:
    """Record `action` on `channel` by `user`; no user: a management command did it."""
    audit_record(
        action=action,
        user=user,
        username="" if user is not None else COMMAND_LINE,
        organization=channel.organization,
        outcome=outcome,
        target=f"{channel.name} ({channel.get_kind_display()})",
        detail=detail or f"Sends to {channel.target_hint}.",
        request=request,
    )
