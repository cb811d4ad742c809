"""Wall display links: random tokens, stored hashed, scoped to organizations, revocable, read-only.

A token is the link's only credential: a TV trades it once for a cookie (encodings_app/views/wall.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from encodings_app.models import DisplayToken, Organization
from encodings_app.services.audit import Action, audit_record
from encodings_app.tokens import new_token, token_hash, token_hint

# Tells a display token apart from an API token at a glance; not a secret.
LINK_PREFIX = "wall"
MIN_POLL_SECONDS = 2
MAX_POLL_SECONDS = 300


@transaction.atomic
def display_link_create(
    *, label: str, organizations: Iterable[Organization], created_by=None, poll_seconds: int = 10
) -> tuple[DisplayToken, str]:
    """Returns the link's row and its token; the token is shown once and never stored in the clear."""
    organizations = list(organizations)
    if not organizations:
        raise ValueError("a display link needs at least one organization")
    if not MIN_POLL_SECONDS <= poll_seconds <= MAX_POLL_SECONDS:
        raise ValueError(f"the poll interval must be {MIN_POLL_SECONDS} to {MAX_POLL_SECONDS} seconds")
    token = new_token(LINK_PREFIX)
    link = DisplayToken.objects.create(
        label=label.strip()[:100] or "Wall display",
        token_hash=token_hash(token),
        hint=token_hint(token),
        poll_seconds=poll_seconds,
        created_by=created_by,
    )
    link.organizations.set(organizations)
    _audit(Action.DISPLAY_LINK_CREATE, link, organizations, user=created_by)
    return link, token


def display_link_revoke(*, link: DisplayToken, user=None) -> None:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        _audit(Action.DISPLAY_LINK_REVOKE, link, link.organizations.all(), user=user)


def _audit(action: str, link: DisplayToken, organizations: Iterable[Organization], *, user) -> None:
    # One entry in the log of each organization the screen shows; the entry names the link, never its token.
    for organization in organizations:
        audit_record(
            action=action,
            user=user,
            organization=organization,
            target=f"display link {link.pk}",
            detail=f"“{link.label}”, refreshing every {link.poll_seconds} s",
        )
