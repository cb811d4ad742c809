"""How healthy an organization is, in one set of words and one order for the switcher, the start page, the
wall and the API: what is wrong with it, whether its sync is behind, and which one is worst."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.utils import timezone

from encodings_app.models import Encoding, Organization
from encodings_app.services.liveness import sync_stopped_now

# "Failures now" (the switcher's and start page's chip, the wall's list, the API's failedLast24h).
RECENT_FAILURES_WINDOW = timedelta(hours=24)
# A sync is behind after this many sweep intervals without a success.
BEHIND_AFTER_INTERVALS = 3
# A rate limit is worth a warning while it is this recent and no sync has succeeded since. Later the sync is
# either back (nothing to say) or still without success ("Sync behind" says so).
RATE_LIMIT_WARNING = timedelta(minutes=10)
# Partial syncs in a row worth a warning. One now and then is a fault the next run makes good; a part that
# keeps failing (a page the API cannot answer, say) leaves what it reads stale while every run still counts
# as a sync, so "Sync failing" and "Sync behind" would never say so.
PARTIAL_SYNCS_WARNING = 3

LEVEL_RANK = {"bad": 3, "warn": 2, "off": 1, "ok": 0}
SYNC_STOPPED = "Sync stopped"
# An open incident's severity (models/alerts.py) as a level of the chips, which take the worst of the sync's
# health and the incidents'. An "info" incident is news, not trouble: counted, but the chip stays ok.
INCIDENT_LEVEL = {"critical": "bad", "warning": "warn", "info": "ok"}


@dataclass(frozen=True)
class Problem:
    level: str  # "bad", "warn" or "off"
    text: str
    icon: str = ""


def sync_behind_after(*, webhooks_working: bool = False) -> timedelta:
    """How long without a successful sync before the mirror counts as behind: a few sweep intervals, or,
    when the organization's webhooks work, the safety-net interval at which the sweep polls it while it is
    quiet (its webhooks keep it current meanwhile), plus two sweep intervals."""
    behind = timedelta(seconds=BEHIND_AFTER_INTERVALS * settings.SYNC_INTERVAL_SECONDS)
    if not webhooks_working:
        return behind
    safety_net = settings.SYNC_SAFETY_NET_SECONDS + 2 * settings.SYNC_INTERVAL_SECONDS
    return max(behind, timedelta(seconds=safety_net))


def sync_is_behind(
    last_success: datetime | None, now: datetime | None = None, *, webhooks_working: bool = False
) -> bool:
    """No successful sync within sync_behind_after, or never."""
    if last_success is None:
        return True
    return (now or timezone.now()) - last_success > sync_behind_after(webhooks_working=webhooks_working)


def rate_limited_recently(organization: Organization, now: datetime | None = None) -> bool:
    """A sync ended on a rate limit within RATE_LIMIT_WARNING, and none has succeeded since. A rate limit
    the next sync got over raises no warning: it stays on record in the sync history."""
    limited = organization.rate_limited_at
    if limited is None or (now or timezone.now()) - limited > RATE_LIMIT_WARNING:
        return False
    succeeded = organization.last_sync_succeeded_at
    return succeeded is None or succeeded < limited


def recent_failures() -> Subquery:
    """Per organization (OuterRef "pk"): its live encodings failed within RECENT_FAILURES_WINDOW (None: 0)."""
    failed = (
        Encoding.objects.filter(organization=OuterRef("pk"))
        .live()
        .failed_since(timezone.now() - RECENT_FAILURES_WINDOW)
        .order_by()
        .values("organization")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(failed, output_field=IntegerField())


def problems_of(
    organization: Organization, failed_recently: int, *, sync_stopped: bool | None = None
) -> list[Problem]:
    """What is wrong with an organization, worst first, in the words of the health chips.

    `sync_stopped`: whether beat or a worker the syncs need stopped (services/liveness.py), which holds for
    every organization at once; read from the cache when not given, so a caller judging many organizations
    passes it once. While it holds, "Sync stopped" replaces what the sync would otherwise say of itself
    ("Sync behind" also covers a sync slowed by a rate limit: a stopped one must not look like that)."""
    if sync_stopped is None:
        sync_stopped = sync_stopped_now()
    problems: list[Problem] = []
    if not organization.has_api_key:
        problems.append(Problem("bad", "No API key", "key"))
    elif organization.key_unreadable:
        problems.append(Problem("bad", "Key unreadable", "key"))
    elif organization.key_rejected:
        problems.append(Problem("bad", "Key rejected", "key"))
    elif organization.unreachable_since is not None:
        problems.append(Problem("bad", "Key no longer reaches it", "key"))
    if not organization.sync_enabled:
        problems.append(Problem("off", "Sync off"))
    elif sync_stopped:
        problems.append(Problem("bad", SYNC_STOPPED, "slash"))
    elif organization.consecutive_failures:
        problems.append(Problem("bad", f"Sync failing ({organization.consecutive_failures} in a row)"))
    elif rate_limited_recently(organization):
        problems.append(Problem("warn", "Sync paused by rate limit", "pause"))
    elif organization.consecutive_partial_syncs >= PARTIAL_SYNCS_WARNING:
        problems.append(
            Problem("warn", f"Sync incomplete ({organization.consecutive_partial_syncs} in a row)")
        )
    elif organization.has_api_key and sync_is_behind(
        organization.last_sync_succeeded_at, webhooks_working=organization.webhooks_working
    ):
        problems.append(Problem("warn", "Never synced" if never_synced(organization) else "Sync behind"))
    if failed_recently:
        problems.append(Problem("warn", f"{failed_recently} failed in 24 h", "cross"))
    return problems


def never_synced(organization: Organization) -> bool:
    """Nothing was ever read from Bitmovin: its counts are unknown, not zeros."""
    return organization.last_sync_succeeded_at is None


def unread_note(organization: Organization) -> str:
    """Why the numbers of an organization cannot be trusted as they stand ('' when they can): it never
    synced, or Bitmovin rejects its key, so a zero means "not read", not "none"."""
    if never_synced(organization):
        if not organization.has_api_key:
            why = "it has no API key"
        elif organization.key_unreadable:
            why = "its API key cannot be decrypted"
        elif organization.key_rejected:
            why = "Bitmovin rejected its API key"
        else:
            why = "the first sync has not finished yet"
        return f"Never synced: {why}, so nothing has been read from Bitmovin and there is nothing to count."
    if organization.key_rejected:
        return (
            "Bitmovin rejects the API key, so nothing new is read: failures since the last sync are unknown."
        )
    return ""


class ReadState:
    """What a page needs to say about an organization's numbers before showing them: `never_synced` and,
    when they cannot be trusted, why (`unread_note`). Mixed into the dataclasses that carry an
    `organization`."""

    organization: Organization

    @property
    def never_synced(self) -> bool:
        return never_synced(self.organization)

    @property
    def unread_note(self) -> str:
        return unread_note(self.organization)


def worst_level(problems: Sequence[Problem]) -> str:
    return max((p.level for p in problems), key=LEVEL_RANK.__getitem__) if problems else "ok"


def worst_of(*levels: str) -> str:
    return max(levels, key=LEVEL_RANK.__getitem__, default="ok")


def incident_level(severity: str) -> str:
    """The chip level of an incident severity; "" (none open) is ok."""
    return INCIDENT_LEVEL.get(severity, "ok")


def open_incidents_text(count: int) -> str:
    return f"{count} open incident" if count == 1 else f"{count} open incidents"


def severity(problems: Sequence[Problem], *, failed_recently: int, stuck: int = 0) -> tuple[int, ...]:
    """Sorts worst first (descending): the worst verdict, then key and sync trouble, then how many
    failures, then how many encodings are stuck."""
    sync_trouble = sum(1 for p in problems if p.level == "bad")
    return (LEVEL_RANK[worst_level(problems)], sync_trouble, failed_recently, stuck)
