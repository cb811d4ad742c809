"""Reads for wall displays: what a TV in the operations room shows, and the one-query check behind a poll."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F
from django.utils import timezone

from encodings_app.bitmovin import ErrorExplanation
from encodings_app.models import DisplayToken, Encoding, EncodingStatus, Organization
from encodings_app.selectors.health import RECENT_FAILURES_WINDOW, problems_of, severity, sync_is_behind
from encodings_app.tokens import token_hash

# Rows per list: one organization gets three lists side by side, several get them stacked, shorter.
WALL_LIST_LIMIT = 6
WALL_LIST_LIMIT_SHARED = 4
# Statuses in the order the summary band shows them: what needs eyes first.
BAND_STATUSES = (
    EncodingStatus.ERROR,
    EncodingStatus.TRANSFER_ERROR,
    EncodingStatus.RUNNING,
    EncodingStatus.QUEUED,
    EncodingStatus.FINISHED,
    EncodingStatus.CANCELED,
    EncodingStatus.CREATED,
)


@dataclass(frozen=True)
class WallScope:
    """What a display link (or a member's wall URL) covers, as read by the poll's single query."""

    link_id: int | None
    revoked: bool
    poll_seconds: int
    organization_ids: tuple[int, ...]
    versions: tuple[tuple[int, int], ...]
    synced_at: datetime | None  # the oldest last successful sync among the organizations (None: never)
    behind: bool

    def etag(self, now: datetime) -> str:
        # The minute is part of the tag: "stuck" and "failed in 24 h" change with time alone.
        parts = [
            self.link_id,
            self.revoked,
            self.poll_seconds,
            self.versions,
            self.behind,
            int(now.timestamp() // 60),
        ]
        return '"' + hashlib.sha256(repr(parts).encode()).hexdigest()[:32] + '"'


def _scope(rows: list[dict], *, link_id, revoked, poll_seconds) -> WallScope:
    synced = [row["last_sync_succeeded_at"] for row in rows]
    oldest = None if not synced or None in synced else min(synced)
    return WallScope(
        link_id=link_id,
        revoked=revoked,
        poll_seconds=poll_seconds,
        organization_ids=tuple(row["pk"] for row in rows),
        versions=tuple((row["pk"], row["data_version"]) for row in rows),
        synced_at=oldest,
        behind=sync_is_behind(oldest),
    )


_SCOPE_COLUMNS = ("pk", "data_version", "last_sync_succeeded_at")


def scope_for_token(token: str) -> WallScope | None:
    """One query: the link behind the token and its organizations' versions; None for an unknown token."""
    rows = list(
        Organization.objects.filter(display_tokens__token_hash=token_hash(token))
        .annotate(
            link_id=F("display_tokens__pk"),
            link_revoked_at=F("display_tokens__revoked_at"),
            link_poll=F("display_tokens__poll_seconds"),
        )
        .order_by("name", "pk")
        .values(*_SCOPE_COLUMNS, "link_id", "link_revoked_at", "link_poll")
    )
    if not rows:
        return None
    first = rows[0]
    return _scope(
        rows,
        link_id=first["link_id"],
        revoked=first["link_revoked_at"] is not None,
        poll_seconds=first["link_poll"],
    )


def scope_for_organization(organization: Organization, poll_seconds: int = 10) -> WallScope:
    row = {name: getattr(organization, name) for name in ("pk", "data_version", "last_sync_succeeded_at")}
    return _scope([row], link_id=None, revoked=False, poll_seconds=poll_seconds)


@dataclass(frozen=True)
class RecentFailure:
    encoding: Encoding
    explanation: ErrorExplanation


@dataclass
class OrganizationBoard:
    organization: Organization
    counts: list[tuple[str, int]]
    running: list[Encoding]
    waiting: list[Encoding]
    stuck_ids: set[int]
    failures: list[RecentFailure]
    behind: bool

    @property
    def severity(self) -> tuple[int, ...]:
        """The switcher's order (see selectors.health), with stuck encodings as the last word."""
        failed = len(self.failures)
        problems = problems_of(self.organization, failed)
        return severity(problems, failed_recently=failed, stuck=len(self.stuck_ids))


def organization_board(
    organization: Organization, *, now: datetime | None = None, limit: int = WALL_LIST_LIMIT
) -> OrganizationBoard:
    """Five queries per organization, whatever the number of encodings."""
    now = now or timezone.now()
    live = organization.encodings.live()
    counted = dict(live.order_by().values_list("status").annotate(n=Count("*")))
    columns = live.for_list()
    running = list(columns.filter(status=EncodingStatus.RUNNING).order_by("-running_at", "-pk")[:limit])
    stuck = list(
        columns.stuck(now).order_by(F("progress_since").asc(nulls_last=True), "stuck_since", "pk")[:limit]
    )
    queued = list(
        columns.filter(status=EncodingStatus.QUEUED).order_by(F("queued_at").asc(nulls_last=True), "pk")[
            :WALL_LIST_LIMIT
        ]
    )
    # Stuck ones first, then the rest of the queue, without showing an encoding twice.
    waiting = stuck + [encoding for encoding in queued if encoding.pk not in {e.pk for e in stuck}]
    failed = list(
        columns.failed_since(now - RECENT_FAILURES_WINDOW).order_by(F("failed_at").desc(), "-pk")[:limit]
    )
    return OrganizationBoard(
        organization=organization,
        counts=[(status, counted.get(status, 0)) for status in BAND_STATUSES],
        running=running,
        waiting=waiting[:limit],
        stuck_ids={encoding.pk for encoding in stuck},
        failures=[RecentFailure(encoding, encoding.failure_explanation) for encoding in failed],
        behind=sync_is_behind(organization.last_sync_succeeded_at, now),
    )


def boards(scope: WallScope, *, now: datetime | None = None) -> list[OrganizationBoard]:
    """One board per organization of the scope, worst first."""
    organizations = Organization.objects.filter(pk__in=scope.organization_ids).order_by("name", "pk")
    limit = WALL_LIST_LIMIT if len(scope.organization_ids) == 1 else WALL_LIST_LIMIT_SHARED
    built = [organization_board(organization, now=now, limit=limit) for organization in organizations]
    return sorted(built, key=lambda board: tuple(-v for v in board.severity))


def display_links_of(organization: Organization) -> list[DisplayToken]:
    return list(
        DisplayToken.objects.filter(organizations=organization)
        .prefetch_related("organizations")
        .order_by("revoked_at", "-created_at")
    )
