"""The overview of one organization: counts, what runs, what waits or is stuck, what fails, and how fresh."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import F
from django.utils import timezone

from encodings_app.models import (
    FAILED_STATUSES,
    Encoding,
    EncodingStatus,
    EncodingTally,
    Incident,
    Organization,
    SyncRun,
)
from encodings_app.selectors.failures import FAILURE_WINDOW, FailureGroup, failure_groups
from encodings_app.selectors.health import ReadState
from encodings_app.selectors.incidents import open_incidents_worst_first
from encodings_app.selectors.muted import mark_muted

OVERVIEW_LIST_LIMIT = 10
CHART_DAYS = 14


@dataclass(frozen=True)
class DayCount:
    day: date
    finished: int
    failed: int


@dataclass
class Overview(ReadState):
    organization: Organization
    counts: dict[str, int]
    running: list[Encoding]
    queued: list[Encoding]
    stuck: list[Encoding]
    failures: list[FailureGroup]
    latest_run: SyncRun | None
    days: list[DayCount] = field(default_factory=list)
    # Open alert incidents, worst first, each with the silence muting it, if any (selectors/muted.py).
    incidents: list[Incident] = field(default_factory=list)
    status_order: tuple[str, ...] = tuple(EncodingStatus.values)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def status_counts(self) -> list[tuple[str, int]]:
        return [(status, self.counts.get(status, 0)) for status in self.status_order]


def organization_overview(organization: Organization, *, now: datetime | None = None) -> Overview:
    """Eight queries, whatever the number of encodings and incidents, and one more for the silences when an
    incident is open."""
    now = now or timezone.now()
    counts = EncodingTally.objects.filter(organization=organization).counts_by_status()
    columns = organization.encodings.live().for_list()
    running = list(
        columns.filter(status=EncodingStatus.RUNNING).order_by("-running_at", "-pk")[:OVERVIEW_LIST_LIMIT]
    )
    queued = list(
        columns.filter(status=EncodingStatus.QUEUED).order_by(F("queued_at").asc(nulls_last=True), "pk")[
            :OVERVIEW_LIST_LIMIT
        ]
    )
    stuck = list(
        columns.stuck(now).order_by(F("progress_since").asc(nulls_last=True), "stuck_since", "pk")[
            :OVERVIEW_LIST_LIMIT
        ]
    )
    return Overview(
        organization=organization,
        counts=counts,
        running=running,
        queued=queued,
        stuck=stuck,
        failures=failure_groups(organization, since=now - FAILURE_WINDOW),
        latest_run=SyncRun.objects.filter(organization=organization).order_by("-started_at", "-pk").first(),
        days=daily_counts(organization, now=now),
        incidents=mark_muted(open_incidents_worst_first(organization), now),
    )


def daily_counts(organization: Organization, *, now: datetime, days: int = CHART_DAYS) -> list[DayCount]:
    """Finished and failed encodings per UTC day, oldest first, days without any included."""
    first_day = now.date() - timedelta(days=days - 1)
    per_day = EncodingTally.objects.filter(organization=organization).finished_per_day(
        since=first_day, statuses=[EncodingStatus.FINISHED, *FAILED_STATUSES]
    )
    finished: dict[date, int] = {}
    failed: dict[date, int] = {}
    for (day, status), n in per_day.items():
        target = finished if status == EncodingStatus.FINISHED else failed
        target[day] = target.get(day, 0) + n
    return [
        DayCount(day=d, finished=finished.get(d, 0), failed=failed.get(d, 0))
        for d in (first_day + timedelta(days=i) for i in range(days))
    ]
