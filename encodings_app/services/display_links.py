"""Wall display links: random tokens, stored hashed, scoped to organizations, revocable, read-only.

A token is the link's only credential: a TV trades it once for a cookie (encodings_app/views/wall.py).
Creating and revoking a link leave an entry in the audit log of every organization the link shows, so each
organization's admins see who put their encodings on which screen. The entries name a link by its label and
hint, never by its token.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from encodings_app.models import DisplayToken, Organization
from encodings_app.services.audit import COMMAND_LINE, Action, audit_record
from encodings_app.tokens import new_token, token_hash, token_hint

# Tells a display token apart from an API token at a glance; not a secret.
LINK_PREFIX = "wall"
MIN_POLL_SECONDS = 2
MAX_POLL_SECONDS = 300
MIN_ROTATE_SECONDS = 2
MAX_ROTATE_SECONDS = 600
# A screen polls every few seconds; the settings page only needs to know it is alive, to the minute.
SEEN_STAMP_EVERY = timedelta(minutes=1)


@transaction.atomic
def display_link_create(
    *,
    label: str,
    organizations: Iterable[Organization],
    created_by=None,
    poll_seconds: int = 10,
    rotate_seconds: int = 20,
    request: HttpRequest | None = None,
) -> tuple[DisplayToken, str]:
    """Returns the link's row and its token; the token is shown once and never stored in the clear."""
    organizations = list(organizations)
    if not organizations:
        raise ValueError("a display link needs at least one organization")
    if not MIN_POLL_SECONDS <= poll_seconds <= MAX_POLL_SECONDS:
        raise ValueError(f"the poll interval must be {MIN_POLL_SECONDS} to {MAX_POLL_SECONDS} seconds")
    if not MIN_ROTATE_SECONDS <= rotate_seconds <= MAX_ROTATE_SECONDS:
        raise ValueError(f"the page interval must be {MIN_ROTATE_SECONDS} to {MAX_ROTATE_SECONDS} seconds")
    token = new_token(LINK_PREFIX)
    link = DisplayToken.objects.create(
        label=label.strip()[:100] or "Wall display",
        token_hash=token_hash(token),
        hint=token_hint(token),
        poll_seconds=poll_seconds,
        rotate_seconds=rotate_seconds,
        created_by=created_by,
    )
    link.organizations.set(organizations)
    shows = ", ".join(organization.name for organization in organizations)
    for organization in organizations:
        _audit(Action.DISPLAY_LINK_CREATE, link, organization, created_by, request, f"Shows {shows}.")
    return link, token


def display_link_revoke(
    *, link: DisplayToken, user=None, request: HttpRequest | None = None, reason: str = ""
) -> None:
    if link.revoked_at is not None:
        return
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    for organization in link.organizations.all():
        _audit(Action.DISPLAY_LINK_REVOKE, link, organization, user, request, reason)


def display_link_seen(*, link_id: int, now: datetime) -> bool:
    """Stamp when the link's screen last showed fresh content (for the settings page, and for the sweep, which
    syncs sooner what a screen shows); True if it wrote.

    At most one write a minute per link, in one conditional UPDATE: concurrent polls cannot stamp twice.
    Not audited: it records a screen being on, not anyone's decision."""
    return bool(
        DisplayToken.objects.filter(pk=link_id)
        .exclude(last_seen_at__gt=now - SEEN_STAMP_EVERY)
        .update(last_seen_at=now)
    )


def display_link_seen_due(last_seen_at: datetime | None, now: datetime) -> bool:
    """Whether display_link_seen would write, by the stamp the caller read: the UPDATE's own condition, so
    that a poll which read a recent stamp spends no query on it."""
    return last_seen_at is None or last_seen_at <= now - SEEN_STAMP_EVERY


def display_links_revoke_created_by(
    *, creator: Any, organization: Organization, user=None, request: HttpRequest | None = None
) -> int:
    """Revoke the live links `creator` made that show `organization`, because `creator` no longer
    administers it; returns how many. Nobody else answers for such a link, so it must not outlive that role
    (a link showing several organizations goes dark on all of them: it is one screen)."""
    links = DisplayToken.objects.filter(
        created_by=creator, organizations=organization, revoked_at__isnull=True
    ).prefetch_related("organizations")
    reason = f"{creator.get_username()} is no longer an admin of {organization.name}."
    revoked = 0
    for link in links:
        display_link_revoke(link=link, user=user, request=request, reason=reason)
        revoked += 1
    return revoked


def _audit(
    action: str,
    link: DisplayToken,
    organization: Organization,
    user,
    request: HttpRequest | None,
    detail: str,
) -> None:
    audit_record(
        action=action,
        user=user,
        username="" if user is not None else COMMAND_LINE,
        organization=organization,
        target=f"{link.label} ({link.hint})",
        detail=detail,
        request=request,
    )
