"""Personal API tokens: created for a user, shown once, stored as a hash, revocable.

A token acts exactly as its user (same organizations, same roles), so creating one needs no scope.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from encodings_app.models import ApiToken
from encodings_app.tokens import new_token, token_hash, token_hint

# Tells an API token apart from a wall display link at a glance, and makes a leaked one easy to grep for.
PREFIX = "edk"
MAX_NAME_LENGTH = 100


def api_token_create(*, user: Any, name: str) -> tuple[ApiToken, str]:
    """Returns the token's row and the token itself; only its hash is stored, so this is the one chance
    to show it."""
    token = new_token(PREFIX)
    row = ApiToken.objects.create(
        user=user,
        name=name.strip()[:MAX_NAME_LENGTH] or "API token",
        token_hash=token_hash(token),
        hint=token_hint(token),
    )
    return row, token


def api_token_revoke(*, user: Any, token_id: int) -> ApiToken | None:
    """Revokes one of the user's own tokens; None when the user has no such token (another user's
    included). Revoking twice keeps the first time."""
    row = ApiToken.objects.filter(pk=token_id, user=user).first()
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
    return row
