"""Trends of one organization over the last 7, 30 or 90 UTC days: its failures by error code, by region, by
encoder version and by error category, and per day how many ended well, the share that did, and the median
time encodings waited in the queue and ran.

Five queries whatever the number of encodings: one per breakdown and one for the days. An encoding failed
when the one rule says (models/encoding_queries.py: FAILED_AT, failed_since), so every group can be opened as
the encodings list filtered to exactly its encodings (``list_query``: the list's own parameters).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from encodings_app.bitmovin import ErrorExplanation
from encodings_app.models import FAILED_AT, FAILED_STATUSES, EncodingStatus, Organization, explain_failure
from encodings_app.selectors.aggregates import Median

TREND_DAYS = (7, 30, 90)
DEFAULT_TREND_DAYS = 30

# When an encoding ended: finished, or failed (FAILED_AT). The days count the encodings that ended on them.
ENDED_AT = Case(
    When(status=EncodingStatus.FINISHED, then=F("finished_at")),
    When(status__in=FAILED_STATUSES, then=FAILED_AT),
    output_field=DateTimeField(),
)
# Queued to running, of every encoding that ended; running to finished, of those that finished.
QUEUE_TIME = ExpressionWrapper(F("running_at") - F("queued_at"), output_field=DurationField())
RUN_TIME = Case(
    When(
        status=EncodingStatus.FINISHED,
        then=ExpressionWrapper(F("finished_at") - F("running_at"), output_field=DurationField()),
    ),
    output_field=DurationField(),
)


@dataclass(frozen=True)
class TrendGroup:
    """One row of a breakdown: the value shared (None or "" when the mirror knows none), its failures, and
    the list's parameters that show exactly them."""

    value: int | str | None
    label: str
    count: int
    list_query: dict[str, str] = field(default_factory=dict)
    explanation: ErrorExplanation | None = None


@dataclass(frozen=True)
class TrendDay:
    day: date
    finished: int
    failed: int
    median_queue: timedelta | None
    median_run: timedelta | None
    # The list's parameters of the day's failures.
    failed_query: dict[str, str] = field(default_factory=dict)

    @property
    def ended(self) -> int:
        return self.finished + self.failed

    @property
    def success_rate(self) -> float | None:
        """Finished among those that ended that day, 0 to 1; None on a day nothing ended."""
        return self.finished / self.ended if self.ended else None


@dataclass(frozen=True)
class Trends:
    days: int
    since: datetime
    by_code: list[TrendGroup]
    by_region: list[TrendGroup]
    by_encoder: list[TrendGroup]
    by_category: list[TrendGroup]
    daily: list[TrendDay]

    @property
    def failed(self) -> int:
        return sum(day.failed for day in self.daily)

    @property
    def finished(self) -> int:
        return sum(day.finished for day in self.daily)

    @property
    def success_rate(self) -> float | None:
        ended = self.failed + self.finished
        return self.finished / ended if ended else None


def window_start(days: int, now: datetime) -> datetime:
    """Midnight (UTC) of the first of the ``days`` days that end with today."""
    first = now.astimezone(UTC).date() - timedelta(days=days - 1)
    return datetime.combine(first, time.min, tzinfo=UTC)


def list_time(value: datetime) -> str:
    """A time as the list's form reads it (UTC, to the minute: window bounds are midnights)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def organization_trends(
    organization: Organization, *, days: int = DEFAULT_TREND_DAYS, now: datetime | None = None
) -> Trends:
    now = now or timezone.now()
    since = window_start(days, now)
    failed = organization.encodings.live().failed_since(since).order_by()
    window = {"failed_from": list_time(since)}
    return Trends(
        days=days,
        since=since,
        by_code=_by_code(failed, window),
        by_region=_by_effective(failed, "cloud_region", "selected_cloud_region", "region", window),
        by_encoder=_by_effective(failed, "encoder_version", "selected_encoder_version", "encoder", window),
        by_category=_by_category(failed, window),
        daily=_daily(organization, since, days),
    )


def _by_code(failed: QuerySet, window: dict[str, str]) -> list[TrendGroup]:
    rows = (
        failed.values("error_code")
        .annotate(
            n=Count("pk"),
            # Any one encoding's words stand for the group when the catalogue does not know the code.
            category=Max("error_category"),
            text=Max("error_text"),
            hint=Max("error_retry_hint"),
        )
        .order_by("-n", F("error_code").asc(nulls_last=True))
    )
    groups = []
    for row in rows:
        code = row["error_code"]
        explanation = explain_failure(code, row["category"], row["text"], row["hint"])
        # Failures without a code cannot be asked of the list apart from the others: no link.
        query = {**window, "code": str(code)} if code is not None else {}
        groups.append(TrendGroup(code, explanation.title, row["n"], query, explanation))
    return groups


def _by_effective(
    failed: QuerySet, asked: str, chosen: str, parameter: str, window: dict[str, str]
) -> list[TrendGroup]:
    """Failures by the value the list shows (the one Bitmovin chose, else the one asked for). The list's
    filter of that name matches either, so a value also asked for by encodings that Bitmovin then placed
    elsewhere (AUTO, STABLE) would show those too: such a group gets no link. Read by pairs, in one query."""
    rows = failed.values(asked, chosen).annotate(n=Count("pk")).order_by()
    counts: dict[str, int] = {}
    placed_elsewhere: set[str] = set()
    for row in rows:
        key = row[chosen] or row[asked]
        counts[key] = counts.get(key, 0) + row["n"]
        if row[asked] and row[chosen] and row[chosen] != row[asked]:
            placed_elsewhere.add(row[asked])
    return _groups(counts, parameter, window, unlinked=placed_elsewhere)


def _by_category(failed: QuerySet, window: dict[str, str]) -> list[TrendGroup]:
    rows = failed.values("error_category").annotate(n=Count("pk")).order_by()
    return _groups({row["error_category"]: row["n"] for row in rows}, "category", window, unlinked=set())


def _groups(
    counts: dict[str, int], parameter: str, window: dict[str, str], *, unlinked: set[str]
) -> list[TrendGroup]:
    """The most failures first; what the mirror does not know ("") last, without a link."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], not item[0], item[0]))
    return [
        TrendGroup(
            key,
            key or "Not known",
            n,
            {**window, parameter: key} if key and key not in unlinked else {},
        )
        for key, n in ordered
    ]


def _daily(organization: Organization, since: datetime, days: int) -> list[TrendDay]:
    rows = (
        organization.encodings.live()
        .alias(failed_at=FAILED_AT, ended_at=ENDED_AT)
        # Written as two conditions, each served by its index (enc_org_finished, enc_org_failed_at), so
        # the window's rows are read, not every finished encoding's.
        .filter(
            Q(status=EncodingStatus.FINISHED, finished_at__gte=since)
            | Q(status__in=FAILED_STATUSES, failed_at__gte=since)
        )
        .annotate(day=TruncDate("ended_at", tzinfo=UTC))
        .values("day")
        .annotate(
            finished=Count("pk", filter=Q(status=EncodingStatus.FINISHED)),
            failed=Count("pk", filter=Q(status__in=FAILED_STATUSES)),
            median_queue=Median(QUEUE_TIME, output_field=DurationField()),
            median_run=Median(RUN_TIME, output_field=DurationField()),
        )
        .order_by("day")
    )
    found = {row["day"]: row for row in rows}
    first = since.date()
    daily = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        row = found.get(day, {})
        start = datetime.combine(day, time.min, tzinfo=UTC)
        daily.append(
            TrendDay(
                day=day,
                finished=row.get("finished", 0),
                failed=row.get("failed", 0),
                median_queue=row.get("median_queue"),
                median_run=row.get("median_run"),
                failed_query={
                    "failed_from": list_time(start),
                    "failed_to": list_time(start + timedelta(days=1)),
                },
            )
        )
    return daily
