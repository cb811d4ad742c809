"""Organizations a user may see, with the health verdicts of the switcher and the cross-organization page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from encodings_app.access import organizations_for
from encodings_app.models import FAILED_STATUSES, Encoding, Organization
from encodings_app.selectors.overview import stuck_q, with_stuck_times

# "Failures now" on the switcher: encodings that failed within this window.
RECENT_FAILURES_WINDOW = timedelta(hours=24)

_LEVEL_RANK = {"bad": 3, "warn": 2, "off": 1, "ok": 0}


@dataclass(frozen=True)
class Problem:
    level: str  # "bad", "warn" or "off"
    text: str
    icon: str = ""


@dataclass
class OrganizationHealth:
    organization: Organization
    failed_recently: int
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    stuck: int = 0

    @property
    def level(self) -> str:
        if not self.problems:
            return "ok"
        return max((p.level for p in self.problems), key=_LEVEL_RANK.__getitem__)

    @property
    def summary(self) -> str:
        return self.problems[0].text if self.problems else "Healthy"

    @property
    def severity(self) -> tuple[int, int, int]:
        """Sorts worst first: key and sync trouble, then how many failures, then failures of any kind."""
        worst = _LEVEL_RANK[self.level]
        sync_trouble = sum(1 for p in self.problems if p.level == "bad")
        return (worst, sync_trouble, self.failed_recently)

    def count(self, status: str) -> int:
        return self.counts.get(status, 0)


def failures_since(since: datetime) -> Subquery:
    failed = (
        Encoding.objects.filter(
            organization=OuterRef("pk"), status__in=FAILED_STATUSES, deleted_at__isnull=True
        )
        .filter(Q(finished_at__gte=since) | Q(finished_at__isnull=True, error_at__gte=since))
        .order_by()
        .values("organization")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(failed, output_field=IntegerField())


def diagnose(organization: Organization, failed_recently: int) -> list[Problem]:
    """What is wrong with an organization, worst first, in the words of the health chips."""
    problems: list[Problem] = []
    if not organization.has_api_key:
        problems.append(Problem("bad", "No API key", "key"))
    elif organization.key_unreadable:
        problems.append(Problem("bad", "Key unreadable", "key"))
    elif organization.key_rejected:
        problems.append(Problem("bad", "Key rejected", "key"))
    if not organization.sync_enabled:
        problems.append(Problem("off", "Sync off"))
    elif organization.consecutive_failures:
        problems.append(Problem("bad", f"Sync failing ({organization.consecutive_failures} in a row)"))
    elif organization.sync_is_paused:
        problems.append(Problem("warn", "Sync paused by rate limit", "pause"))
    elif organization.has_api_key and organization.sync_is_behind(settings.SYNC_INTERVAL_SECONDS):
        never = organization.last_sync_succeeded_at is None
        problems.append(Problem("warn", "Never synced" if never else "Sync behind"))
    if failed_recently:
        problems.append(Problem("warn", f"{failed_recently} failed in 24 h", "cross"))
    return problems


def organizations_with_health(user) -> list[OrganizationHealth]:
    """Every organization the user may see, worst first, in one query."""
    since = timezone.now() - RECENT_FAILURES_WINDOW
    organizations = organizations_for(user).annotate(
        failed_recently=Coalesce(failures_since(since), Value(0))
    )
    healths = [
        OrganizationHealth(organization=org, failed_recently=org.failed_recently, problems=[])
        for org in organizations
    ]
    for health in healths:
        health.problems = diagnose(health.organization, health.failed_recently)
    healths.sort(key=lambda h: (tuple(-v for v in h.severity), h.organization.name.lower()))
    return healths


def with_activity(healths: list[OrganizationHealth]) -> list[OrganizationHealth]:
    """Adds counts by status and stuck counts for the cross-organization page (two grouped queries)."""
    by_id = {h.organization.pk: h for h in healths}
    if not by_id:
        return healths
    live = Encoding.objects.filter(organization_id__in=list(by_id), deleted_at__isnull=True).order_by()
    for row in live.values("organization_id", "status").annotate(n=Count("*")):
        by_id[row["organization_id"]].counts[row["status"]] = row["n"]
    stuck = with_stuck_times(live).filter(stuck_q(timezone.now()))
    for row in stuck.values("organization_id").annotate(n=Count("pk")):
        by_id[row["organization_id"]].stuck = row["n"]
    return healths
