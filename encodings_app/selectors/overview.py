"""The overview of one organization: counts, what runs, what waits or is stuck, what fails, and how fresh."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from encodings_app.bitmovin import ErrorDetails, ErrorExplanation, explain_error_details
from encodings_app.models import (
    FAILED_STATUSES,
    Encoding,
    EncodingStatus,
    Organization,
    SyncRun,
)

OVERVIEW_LIST_LIMIT = 10
FAILURE_WINDOW = timedelta(days=7)
FAILURE_GROUPS = 8
CHART_DAYS = 14

# The columns the overview's lists show; the heavy JSON columns (subtasks, custom data) stay in the database.
LIST_COLUMNS = (
    "bitmovin_id",
    "name",
    "type",
    "status",
    "progress",
    "eta_seconds",
    "created_at",
    "queued_at",
    "started_at",
    "running_at",
    "progress_changed_at",
    "selected_cloud_region",
    "cloud_region",
)


def stuck_q(now: datetime) -> Q:
    """Encoding.is_stuck in SQL: QUEUED too long, or RUNNING without progress too long."""
    queued_before = now - timedelta(seconds=settings.STUCK_QUEUED_SECONDS)
    progress_before = now - timedelta(seconds=settings.STUCK_NO_PROGRESS_SECONDS)
    return Q(status=EncodingStatus.QUEUED, stuck_since__lt=queued_before) | Q(
        status=EncodingStatus.RUNNING, progress_since__lt=progress_before
    )


def with_stuck_times(queryset: QuerySet[Encoding]) -> QuerySet[Encoding]:
    """Annotations stuck_q needs (the same fallbacks as Encoding.is_stuck)."""
    return queryset.annotate(
        stuck_since=Coalesce("queued_at", "started_at", "created_at"),
        progress_since=Coalesce("progress_changed_at", "running_at"),
    )


@dataclass(frozen=True)
class FailureGroup:
    code: int | None
    count: int
    first_seen: datetime | None
    last_seen: datetime | None
    explanation: ErrorExplanation


@dataclass(frozen=True)
class DayCount:
    day: date
    finished: int
    failed: int


@dataclass
class Overview:
    organization: Organization
    counts: dict[str, int]
    running: list[Encoding]
    queued: list[Encoding]
    stuck: list[Encoding]
    failures: list[FailureGroup]
    latest_run: SyncRun | None
    days: list[DayCount] = field(default_factory=list)
    status_order: tuple[str, ...] = tuple(EncodingStatus.values)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def status_counts(self) -> list[tuple[str, int]]:
        return [(status, self.counts.get(status, 0)) for status in self.status_order]


def live_encodings(organization: Organization) -> QuerySet[Encoding]:
    return Encoding.objects.filter(organization=organization, deleted_at__isnull=True)


def organization_overview(organization: Organization, *, now: datetime | None = None) -> Overview:
    """Seven queries, whatever the number of encodings."""
    now = now or timezone.now()
    live = live_encodings(organization)
    counts = {row["status"]: row["n"] for row in live.order_by().values("status").annotate(n=Count("*"))}
    columns = live.only(*LIST_COLUMNS)
    running = list(
        columns.filter(status=EncodingStatus.RUNNING).order_by("-running_at", "-pk")[:OVERVIEW_LIST_LIMIT]
    )
    queued = list(
        columns.filter(status=EncodingStatus.QUEUED).order_by(F("queued_at").asc(nulls_last=True), "pk")[
            :OVERVIEW_LIST_LIMIT
        ]
    )
    stuck = list(
        with_stuck_times(columns)
        .filter(stuck_q(now))
        .order_by(F("progress_since").asc(nulls_last=True), "stuck_since", "pk")[:OVERVIEW_LIST_LIMIT]
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
    )


def failure_groups(organization: Organization, *, since: datetime) -> list[FailureGroup]:
    rows = (
        live_encodings(organization)
        .filter(status__in=FAILED_STATUSES, finished_at__gte=since)
        .order_by()
        .values("error_code")
        .annotate(
            n=Count("pk"),
            first=Min("finished_at"),
            last=Max("finished_at"),
            # Any one encoding's words stand for the group when the catalogue does not know the code.
            category=Max("error_category"),
            text=Max("error_text"),
            hint=Max("error_retry_hint"),
        )
        .order_by("-last")[:FAILURE_GROUPS]
    )
    return [
        FailureGroup(
            row["error_code"],
            row["n"],
            row["first"],
            row["last"],
            explain_failure(row["error_code"], row["category"], row["text"], row["hint"]),
        )
        for row in rows
    ]


NO_DETAILS_YET = ErrorExplanation(
    code=None,
    known=False,
    category="Unknown",
    title="No error details read yet",
    meaning="These encodings failed, but their status with the error details has not been read yet.",
    what_to_do="Wait for the next sync, or ask for a fresh read of one of them in the dashboard.",
    retry_helps=None,
    doc_url="",
)


def explain_failure(code: int | None, category: str, text: str, hint: str) -> ErrorExplanation:
    """The plain-words explanation of a failure from an encoding's error fields (or a group's)."""
    if code is None and not category and not text:
        return NO_DETAILS_YET
    return explain_error_details(ErrorDetails(code, category or None, text or None, hint or None))


def daily_counts(organization: Organization, *, now: datetime, days: int = CHART_DAYS) -> list[DayCount]:
    """Finished and failed encodings per UTC day, oldest first, days without any included."""
    first_day = now.date() - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(first_day, time.min), timezone.get_current_timezone())
    rows = (
        live_encodings(organization)
        .filter(finished_at__gte=start, status__in=[EncodingStatus.FINISHED, *FAILED_STATUSES])
        .annotate(day=TruncDate("finished_at"))
        .order_by()
        .values("day", "status")
        .annotate(n=Count("pk"))
    )
    finished: dict[date, int] = {}
    failed: dict[date, int] = {}
    for row in rows:
        target = finished if row["status"] == EncodingStatus.FINISHED else failed
        target[row["day"]] = target.get(row["day"], 0) + row["n"]
    return [
        DayCount(day=d, finished=finished.get(d, 0), failed=failed.get(d, 0))
        for d in (first_day + timedelta(days=i) for i in range(days))
    ]
