"""Reads for wall displays: what a TV in the operations room shows, and the one-query check behind a poll."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from django.db.models import Count, F
from django.utils import timezone

from encodings_app.bitmovin import ErrorExplanation
from encodings_app.models import DisplayToken, Encoding, EncodingStatus, EncodingTally, Incident, Organization
from encodings_app.models.organizations import webhooks_work
from encodings_app.selectors.compiled_query import CompiledQuery, Variable
from encodings_app.selectors.health import (
    RECENT_FAILURES_WINDOW,
    problems_of,
    severity,
    sync_behind_after,
    sync_is_behind,
)
from encodings_app.selectors.incidents import open_incidents_fingerprint, open_incidents_of, worst_first
from encodings_app.selectors.muted import active_silences_fingerprint, mark_muted
from encodings_app.services.liveness import sync_stopped_now
from encodings_app.tokens import token_hash

# A screen shows at most four organizations (a 2x2 grid): a quarter of a 16:9 screen still holds an
# organization's status band and three lists of two-line rows whose names keep 12 characters or more; a
# ninth of it would not. More organizations are shown in pages of at most four that take turns.
WALL_PAGE_SIZE = 4
# Rows per list, by how many organizations share the screen; the rest of a list is a "+N more" line. The
# type scales with the screen's width, so these hold at 1080p and 4K alike (tests/e2e/test_wall.py).
ROWS_PER_LIST = {1: 14, 2: 4, 3: 3, 4: 3}
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
    rotate_seconds: int
    organization_ids: tuple[int, ...]
    versions: tuple[tuple[int, int], ...]
    synced_at: datetime | None  # the oldest last successful sync among the organizations (None: never)
    behind: bool  # some organization's sync is behind, by its own measure (sync_behind_after)
    # How old synced_at may grow before the screen says "behind" between polls: the most any of its
    # organizations allows, since every poll brings each organization's own verdict (`behind`).
    behind_after_seconds: int = 0
    # Beat or a worker the syncs need stopped (services/liveness.py): read from the cache by every poll, so
    # that the board changes, and the screen says so, as soon as it does.
    sync_stopped: bool = False
    # Per organization, its open incidents as the banners show them (open_incidents_fingerprint): the
    # evaluation does not touch data_version, so the poll reads them itself.
    incidents: tuple[tuple[int, str], ...] = ()
    # Per organization, its silences active at the time of the query (active_silences_fingerprint): a banner
    # says "muted until", and a silence that starts, is ended early or runs out changes this.
    silences: tuple[tuple[int, str], ...] = ()
    # The organizations whose sync is behind: each board says so of its own organization.
    behind_organizations: frozenset[int] = frozenset()
    # When the display link's screen was last stamped as showing (services/display_links.py).
    link_seen_at: datetime | None = None

    @property
    def shown_state(self) -> tuple:
        """What the board of these organizations is made from, as far as the poll's query can tell: their
        data (the versions), the banners (incidents, silences) and the chips (behind, stopped). The board is
        rendered again when this changes (views/wall_board.py); whatever moves without it (a rename, a sync
        error that reorders the organizations) shows with the next minute's board, as time does."""
        return (self.versions, *self.state_besides_data)

    @property
    def state_besides_data(self) -> tuple:
        """shown_state but the data versions: the banners and the chips."""
        return (
            self.incidents,
            self.silences,
            tuple(sorted(self.behind_organizations)),
            self.sync_stopped,
        )


def _scope(
    rows: list[dict], *, link_id, revoked, poll_seconds, rotate_seconds, link_seen_at=None
) -> WallScope:
    synced = [row["last_sync_succeeded_at"] for row in rows]
    oldest = None if not synced or None in synced else min(synced)
    working = [webhooks_work(row["registered_webhooks"], row["webhooks_secret_stale"]) for row in rows]
    behind = {
        row["pk"]
        for row, works in zip(rows, working, strict=True)
        if sync_is_behind(row["last_sync_succeeded_at"], webhooks_working=works)
    }
    return WallScope(
        link_id=link_id,
        revoked=revoked,
        poll_seconds=poll_seconds,
        rotate_seconds=rotate_seconds,
        organization_ids=tuple(row["pk"] for row in rows),
        versions=tuple((row["pk"], row["data_version"]) for row in rows),
        synced_at=oldest,
        behind=not rows or bool(behind),
        behind_after_seconds=int(
            max(sync_behind_after(webhooks_working=works) for works in working or [False]).total_seconds()
        ),
        sync_stopped=sync_stopped_now(),
        incidents=tuple((row["pk"], row["open_incidents"] or "") for row in rows),
        silences=tuple((row["pk"], row["active_silences"] or "") for row in rows),
        behind_organizations=frozenset(behind),
        link_seen_at=link_seen_at,
    )


_SCOPE_COLUMNS = (
    "pk",
    "data_version",
    "last_sync_succeeded_at",
    "registered_webhooks",
    "webhooks_secret_stale",
    "open_incidents",
    "active_silences",
)


def _token_scope_rows(token_hash: str, now: datetime):
    return (
        Organization.objects.filter(display_tokens__token_hash=token_hash)
        .annotate(
            open_incidents=open_incidents_fingerprint(),
            active_silences=active_silences_fingerprint(now),
            link_id=F("display_tokens__pk"),
            link_revoked_at=F("display_tokens__revoked_at"),
            link_poll=F("display_tokens__poll_seconds"),
            link_rotate=F("display_tokens__rotate_seconds"),
            link_seen_at=F("display_tokens__last_seen_at"),
        )
        .order_by("name", "pk")
        .values(*_SCOPE_COLUMNS, "link_id", "link_revoked_at", "link_poll", "link_rotate", "link_seen_at")
    )


# Every screen's poll runs this query, so it is compiled once (compiled_query.py).
_TOKEN_SCOPE = CompiledQuery(
    _token_scope_rows,
    token_hash=Variable("(stand-in: a token hash is hex)"),
    now=Variable(
        datetime(2000, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        adapt=lambda connection, value: connection.ops.adapt_datetimefield_value(value),
    ),
)


def scope_for_token(token: str, now: datetime | None = None) -> WallScope | None:
    """One query: the link behind the token and its organizations' versions, open incidents and silences
    active at `now`; None for an unknown token."""
    rows = _TOKEN_SCOPE.rows(token_hash=token_hash(token), now=now or timezone.now())
    if not rows:
        return None
    first = rows[0]
    return _scope(
        rows,
        link_id=first["link_id"],
        revoked=first["link_revoked_at"] is not None,
        poll_seconds=first["link_poll"],
        rotate_seconds=first["link_rotate"],
        link_seen_at=first["link_seen_at"],
    )


def scope_for_organization(
    organization: Organization, poll_seconds: int = 10, now: datetime | None = None
) -> WallScope:
    """One query: the organization as the display links' scope reads it."""
    rows = list(
        Organization.objects.filter(pk=organization.pk)
        .annotate(
            open_incidents=open_incidents_fingerprint(),
            active_silences=active_silences_fingerprint(now or timezone.now()),
        )
        .values(*_SCOPE_COLUMNS)
    )
    # One organization always fits one screen: nothing rotates.
    return _scope(rows, link_id=None, revoked=False, poll_seconds=poll_seconds, rotate_seconds=0)


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
    # "Sync stopped" replaces "sync behind" on the board (see selectors.health.problems_of).
    sync_stopped: bool = False
    # Whole lists, of which the lists above show the first rows.
    running_total: int = 0
    waiting_total: int = 0
    stuck_total: int = 0
    failed_total: int = 0

    @property
    def severity(self) -> tuple[int, ...]:
        """The switcher's order (see selectors.health), with stuck encodings as the last word."""
        problems = problems_of(self.organization, self.failed_total, sync_stopped=self.sync_stopped)
        return severity(problems, failed_recently=self.failed_total, stuck=self.stuck_total)

    @property
    def running_more(self) -> int:
        return self.running_total - len(self.running)

    @property
    def waiting_more(self) -> int:
        return self.waiting_total - len(self.waiting)

    @property
    def failed_more(self) -> int:
        return self.failed_total - len(self.failures)

    def trimmed(self, rows: int) -> OrganizationBoard:
        return replace(
            self, running=self.running[:rows], waiting=self.waiting[:rows], failures=self.failures[:rows]
        )


@dataclass(frozen=True)
class WallPage:
    """Organizations shown together on one screen, and how many rows each of their lists has."""

    boards: list[OrganizationBoard]
    rows: int


def organization_board(
    organization: Organization,
    *,
    now: datetime | None = None,
    limit: int = ROWS_PER_LIST[1],
    sync_stopped: bool = False,
    behind: bool,
) -> OrganizationBoard:
    """Seven queries per organization, whatever the number of encodings: its counts by status (kept by the
    database, models/tallies.py), how many are stuck and failed recently (read by the indexes of the few
    active and recently failed encodings), and the four lists. `behind`: whether its sync is behind, as the
    poll's query judged it (WallScope.behind_organizations)."""
    now = now or timezone.now()
    live = organization.encodings.live()
    columns = live.for_list()
    failed_recently = columns.failed_since(now - RECENT_FAILURES_WINDOW)
    # The lists below show only their first rows; these say how long the lists are.
    counts = EncodingTally.objects.filter(organization=organization).counts_by_status()
    stuck_by_status = dict(
        live.stuck(now).order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    failed_total = failed_recently.order_by().count()
    running = list(columns.filter(status=EncodingStatus.RUNNING).order_by("-running_at", "-pk")[:limit])
    stuck = list(
        columns.stuck(now).order_by(F("progress_since").asc(nulls_last=True), "stuck_since", "pk")[:limit]
    )
    queued = list(
        columns.filter(status=EncodingStatus.QUEUED).order_by(F("queued_at").asc(nulls_last=True), "pk")[
            : 2 * limit
        ]
    )
    # Stuck ones first, then the rest of the queue, without showing an encoding twice.
    waiting = stuck + [encoding for encoding in queued if encoding.pk not in {e.pk for e in stuck}]
    failed = list(failed_recently.order_by(F("failed_at").desc(), "-pk")[:limit])

    def total(status: str) -> int:
        return counts.get(status, 0)

    stuck_total = sum(stuck_by_status.values())
    return OrganizationBoard(
        organization=organization,
        counts=[(status, total(status)) for status in BAND_STATUSES],
        running=running,
        waiting=waiting[:limit],
        stuck_ids={encoding.pk for encoding in stuck},
        failures=[RecentFailure(encoding, encoding.failure_explanation) for encoding in failed],
        behind=behind,
        sync_stopped=sync_stopped and organization.sync_enabled,
        running_total=total(EncodingStatus.RUNNING),
        waiting_total=stuck_total
        + total(EncodingStatus.QUEUED)
        - stuck_by_status.get(EncodingStatus.QUEUED, 0),
        stuck_total=stuck_total,
        failed_total=failed_total,
    )


# Banners of open incidents above the organizations, one line each, the last line saying how many more are
# open when they do not all fit: at most this many lines, by how many organizations share a page. A quarter
# of the screen keeps two rows per list beside two lines; a third would leave it one.
INCIDENT_LINES = {1: 3, 2: 3, 3: 2, 4: 2}
# The rows each list of a page gives up for 0, 1, 2 or 3 lines of banners, so that the lists still end
# inside their cards, with the room for the "sync behind" alert that pages of several organizations keep.
# Measured in Chromium at 1080p and 4K (tests/e2e/test_wall.py): a line takes about 3 rem of height, a list
# row 2.6 rem (3.5 rem in a quarter of the screen); cards stacked two high each give up half a line.
ROWS_GIVEN_UP = {1: (0, 2, 3, 4), 2: (0, 0, 1, 1), 3: (0, 1, 1), 4: (0, 1, 1)}


@dataclass(frozen=True)
class IncidentBanners:
    """The open incidents of the screen's organizations, worst first, as many as fit."""

    shown: list[Incident]
    more: int = 0  # open, and not shown
    # Several organizations share the screen: each banner names its own.
    name_organizations: bool = False

    @property
    def lines(self) -> int:
        return len(self.shown) + (1 if self.more else 0)


def incident_banners(scope: WallScope, now: datetime | None = None) -> IncidentBanners:
    """One query, and none when the poll's own query found nothing open; one more for the silences when it
    found one active (a muted incident's banner says until when)."""
    if not any(text for _pk, text in scope.incidents):
        return IncidentBanners(shown=[])
    lines = min(INCIDENT_LINES[size] for size in page_sizes(len(scope.organization_ids)))
    silenced = any(text for _pk, text in scope.silences)
    incidents = mark_muted(
        worst_first(open_incidents_of(scope.organization_ids)), now, silences_by_org=None if silenced else {}
    )
    shown = incidents if len(incidents) <= lines else incidents[: lines - 1]
    return IncidentBanners(
        shown=shown, more=len(incidents) - len(shown), name_organizations=len(scope.organization_ids) > 1
    )


def rows_beside_banners(page_size: int, banner_lines: int) -> int:
    """The rows each list of a page of `page_size` organizations has room for below the banners."""
    return ROWS_PER_LIST[page_size] - ROWS_GIVEN_UP[page_size][banner_lines]


def page_sizes(count: int) -> list[int]:
    """How many organizations each page shows: as few pages as fit, as even as can be (5 is 3 + 2)."""
    if count <= 0:
        return []
    pages = math.ceil(count / WALL_PAGE_SIZE)
    base, extra = divmod(count, pages)
    return [base + 1 if index < extra else base for index in range(pages)]


def pages(scope: WallScope, *, now: datetime | None = None, banner_lines: int = 0) -> list[WallPage]:
    """The scope's organizations, worst first, in pages that fit one screen each; lists are cut to the rows
    their page has room for beside `banner_lines` lines of incident banners, so the HTML holds no more than
    fits."""
    organizations = (
        # With the connection: a board's health says whether the organization has a key.
        Organization.objects.filter(pk__in=scope.organization_ids)
        .select_related("connection")
        .order_by("name", "pk")
    )
    sizes = page_sizes(len(scope.organization_ids))
    limit = max((rows_beside_banners(size, banner_lines) for size in sizes), default=ROWS_PER_LIST[1])
    # Each board's "sync behind" as the scope read it: the board is cached under the scope's verdicts.
    built = [
        organization_board(
            organization,
            now=now,
            limit=limit,
            sync_stopped=scope.sync_stopped,
            behind=organization.pk in scope.behind_organizations,
        )
        for organization in organizations
    ]
    ranked = sorted(built, key=lambda board: tuple(-v for v in board.severity))
    result: list[WallPage] = []
    start = 0
    for size in sizes:
        rows = rows_beside_banners(size, banner_lines)
        result.append(WallPage([board.trimmed(rows) for board in ranked[start : start + size]], rows))
        start += size
    return result


def display_links_of(organization: Organization) -> list[DisplayToken]:
    return list(
        DisplayToken.objects.filter(organizations=organization)
        .prefetch_related("organizations")
        .order_by("revoked_at", "-created_at")
    )
