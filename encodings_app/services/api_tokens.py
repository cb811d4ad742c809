"""Personal API tokens: created for a user, shown once, stored as a hash, revocable.

A token acts exactly as its user (same organizations, same roles), so creating one needs no scope.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from encodings_app.models import ApiToken
from encodings_app.services.audit import COMMAND_LINE, Action, audit_record
from encodings_app.tokens import new_token, token_hash, token_hint

# Tells an API token apart from a wall display link at a glance, and makes a leaked one easy to grep for.
PREFIX = "edk"
MAX_NAME_LENGTH = 100


def api_token_create(
    *, user: Any, name: str, request: HttpRequest | None = None, by_command: bool = False
) -> tuple[ApiToken, str]:
    """Returns the token's row and the token itself; only its hash is stored, so this is the one chance
    to show it. `by_command`: made on the command line for `user`, not by `user` on the account page."""
    token = new_token(PREFIX)
    row = ApiToken.objects.create(
        user=user,
        name=name.strip()[:MAX_NAME_LENGTH] or "API token",
        token_hash=token_hash(token),
        hint=token_hint(token),
    )
    _audit(Action.API_TOKEN_CREATE, row, request, by_command)
    return row, token


def api_token_revoke(
    *, user: Any, token_id: int, request: HttpRequest | None = None, actor: Any = None
) -> ApiToken | None:
    """Revokes one of `user`'s tokens; None when `user` has no such token (another user's included).
    Revoking twice keeps the first time. `actor`: who revoked it, when not `user` (an account admin in the
    admin site); the audit entry names them, and the token's owner in its detail."""
    row = ApiToken.objects.filter(pk=token_id, user=user).first()
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
        _audit(Action.API_TOKEN_REVOKE, row, request, by_command=False, actor=actor)
    return row


def _audit(
    action: str, row: ApiToken, request: HttpRequest | None, by_command: bool, actor: Any = None
) -> None:
    # A personal token belongs to no organization: the entry is the account's, named by the token's hint.
    owner = row.user.get_username()
    audit_record(
        action=action,
        user=None if by_command else (actor or row.user),
        username=COMMAND_LINE if by_command else "",
        target=f"{row.name} ({row.hint})",
        detail=f"A token of {owner}, made on the command line." if by_command else f"A token of {owner}.",
        request=request,
    )
