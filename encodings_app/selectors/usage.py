"""Reads of the usage mirror for the usage page, its CSV downloads and the API: one parser of the query
parameters (by, from, to, type, label) and the figures per day or month, by type or for one label."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from encodings_app.models import Organization, UsageDay, UsageKind, UsageSync, names_a_customer

BY_DAY, BY_MONTH = "day", "month"
DAYS_SHOWN = 30
MONTHS_SHOWN = 12
MAX_DAYS = 366 * 3
TYPES = ("all", UsageKind.VOD.value, UsageKind.LIVE.value)
MAX_LABEL = 255


@dataclass(frozen=True)
class UsageQuery:
    by: str
    first: date
    last: date
    type: str = "all"
    label: str = ""

    def as_params(self) -> dict[str, str]:
        params = {
            "by": self.by,
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "type": self.type,
        }
        if self.label:
            params["label"] = self.label
        return params


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_back(day: date, count: int) -> date:
    """The first day of the month `count` months before day's month."""
    index = day.year * 12 + day.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def default_range(by: str, today: date) -> tuple[date, date]:
    if by == BY_MONTH:
        return months_back(today, MONTHS_SHOWN - 1), today
    return today - timedelta(days=DAYS_SHOWN - 1), today


def parse_usage_query(
    params: Mapping[str, str], today: date | None = None
) -> tuple[UsageQuery, list[tuple[str, str]]]:
    """The query the parameters ask for, and (parameter, problem) for each value that cannot be honoured;
    a bad value falls back to its default, so a page can show the rest and say what it ignored."""
    today = today or timezone.now().date()
    problems: list[tuple[str, str]] = []

    def text(name: str) -> str:
        return (params.get(name) or "").strip()

    by = text("by") or BY_DAY
    if by not in (BY_DAY, BY_MONTH):
        problems.append(("by", f"“by” must be day or month, not “{by[:40]}”."))
        by = BY_DAY
    kind = text("type") or "all"
    matched = next((t for t in TYPES if t.lower() == kind.lower()), None)
    if matched is None:
        problems.append(("type", f"“type” must be all, VOD or LIVE, not “{kind[:40]}”."))
    label = text("label")
    if len(label) > MAX_LABEL or "\x00" in label:
        problems.append(("label", f"“label” must be a label of at most {MAX_LABEL} characters."))
        label = ""
    first, last = default_range(by, today)
    dates = {}
    for name in ("from", "to"):
        raw = text(name)
        if not raw:
            continue
        try:
            dates[name] = date.fromisoformat(raw)
        except ValueError:
            problems.append((name, f"“{name}” must be a date like 2026-03-01, not “{raw[:40]}”."))
    if dates:
        # One end given: the other keeps the default span (30 days, or 12 months) from it.
        span = last - first
        new_last = dates.get("to") or max(last, dates["from"] + span)
        new_first = dates.get("from") or new_last - span
        if by == BY_MONTH and "from" not in dates:
            new_first = months_back(new_last, MONTHS_SHOWN - 1)
        if new_first > new_last:
            problems.append(("to", "“to” must not be before “from”."))
        elif (new_last - new_first).days >= MAX_DAYS:
            problems.append(("to", f"A range covers at most {MAX_DAYS} days."))
        else:
            first, last = new_first, new_last
    if by == BY_MONTH:
        first = month_start(first)
    return UsageQuery(by=by, first=first, last=last, type=matched or "all", label=label), problems


@dataclass
class Period:
    """One day or month: minutes and bytes of each series (VOD and LIVE, or the one label)."""

    start: date
    minutes: dict[str, Decimal] = field(default_factory=dict)
    bytes: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, int] = field(default_factory=dict)

    @property
    def total_minutes(self) -> Decimal:
        return sum(self.minutes.values(), Decimal(0))

    @property
    def total_bytes(self) -> int:
        return sum(self.bytes.values())


@dataclass
class UsageReport:
    query: UsageQuery
    series: list[str]
    periods: list[Period]
    labels: list[dict]

    @property
    def total_minutes(self) -> Decimal:
        return sum((p.total_minutes for p in self.periods), Decimal(0))

    @property
    def total_bytes(self) -> int:
        return sum(p.total_bytes for p in self.periods)


def _period_starts(query: UsageQuery) -> list[date]:
    starts, current = [], query.first
    while current <= query.last:
        starts.append(current)
        current = months_back(current, -1) if query.by == BY_MONTH else current + timedelta(days=1)
    return starts


def _rows(organization: Organization, query: UsageQuery):
    rows = UsageDay.objects.filter(organization=organization, day__gte=query.first, day__lte=query.last)
    if query.label:
        return rows.filter(kind=UsageKind.ALL, label=query.label)
    rows = rows.filter(label="")
    return rows if query.type == "all" else rows.filter(kind=query.type)


def usage_report(organization: Organization, query: UsageQuery) -> UsageReport:
    """Per day or month of the query's range, the figures of each series (two queries)."""
    if query.label:
        series = [query.label]
    else:
        series = [query.type] if query.type != "all" else [UsageKind.VOD.value, UsageKind.LIVE.value]
    periods = {start: Period(start) for start in _period_starts(query)}
    rows = _rows(organization, query)
    grouped = rows.per_month() if query.by == BY_MONTH else rows.per_day()
    for row in grouped:
        start = row["month"] if query.by == BY_MONTH else row["day"]
        if hasattr(start, "date"):
            start = start.date()
        period = periods.get(start)
        if period is None:
            continue
        name = row["label"] or row["kind"]
        period.minutes[name] = period.minutes.get(name, Decimal(0)) + row["minutes"]
        period.bytes[name] = period.bytes.get(name, 0) + row["bytes"]
        period.seconds[name] = period.seconds.get(name, 0) + row["seconds"]
    for period in periods.values():
        for name in series:
            period.minutes.setdefault(name, Decimal(0))
            period.bytes.setdefault(name, 0)
            period.seconds.setdefault(name, 0)
    return UsageReport(query, series, list(periods.values()), customer_labels(organization, query))


def customer_labels(organization: Organization, query: UsageQuery) -> list[dict]:
    """Totals over the query's range of each label that names a customer, the most minutes first."""
    rows = (
        UsageDay.objects.filter(
            organization=organization, kind=UsageKind.ALL, day__gte=query.first, day__lte=query.last
        )
        .exclude(label="")
        .order_by()
        .values("label")
    )
    totals = rows.annotate(
        minutes=Sum("billable_minutes"), bytes=Sum("bytes_encoded"), seconds=Sum("encoded_seconds")
    )
    found = [row for row in totals if names_a_customer(row["label"])]
    found.sort(key=lambda row: (-row["minutes"], row["label"]))
    return found


@dataclass(frozen=True)
class SyncState:
    """What the page says of how fresh the figures are."""

    synced_at: object | None
    attempted_at: object | None
    error: str
    failures: int

    @property
    def never(self) -> bool:
        return self.synced_at is None

    @property
    def failing(self) -> bool:
        return bool(self.error)


def usage_sync_state(organization: Organization) -> SyncState:
    state = UsageSync.objects.filter(organization=organization).first()
    if state is None:
        return SyncState(None, None, "", 0)
    return SyncState(state.synced_at, state.attempted_at, state.last_error, state.failures)


@dataclass
class OrganizationUsage:
    """One organization's usage in one month, for the account admins' table."""

    organization: Organization
    vod_minutes: Decimal = Decimal(0)
    live_minutes: Decimal = Decimal(0)
    output_bytes: int = 0
    encoded_seconds: int = 0
    synced_at: object | None = None
    error: str = ""

    @property
    def minutes(self) -> Decimal:
        return self.vod_minutes + self.live_minutes


def parse_month(raw: str | None, today: date | None = None) -> tuple[date, str]:
    """The first day of the month `raw` (yyyy-MM) names, and a problem in plain words when it names none."""
    today = today or timezone.now().date()
    text = (raw or "").strip()
    if not text:
        return month_start(today), ""
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1), ""
    except ValueError:
        return month_start(today), f"“month” must be a month like 2026-03, not “{text[:40]}”."


def usage_across(organizations, month: date) -> list[OrganizationUsage]:
    """Each organization's totals by type in the month (two queries whatever the number of organizations)."""
    rows = {
        org.pk: OrganizationUsage(org)
        for org in organizations.select_related("connection", "usage_sync").order_by("name", "pk")
    }
    for row in rows.values():
        if _has_sync(row.organization):
            state = row.organization.usage_sync
            row.synced_at, row.error = state.synced_at, state.last_error
    sums = (
        UsageDay.objects.filter(
            organization_id__in=list(rows),
            label="",
            day__gte=month,
            day__lt=months_back(month, -1),
        )
        .order_by()
        .values("organization_id", "kind")
        .annotate(minutes=Sum("billable_minutes"), bytes=Sum("bytes_encoded"), seconds=Sum("encoded_seconds"))
    )
    for entry in sums:
        row = rows[entry["organization_id"]]
        if entry["kind"] == UsageKind.VOD:
            row.vod_minutes = entry["minutes"]
        else:
            row.live_minutes = entry["minutes"]
        row.output_bytes += entry["bytes"]
        row.encoded_seconds += entry["seconds"]
    return list(rows.values())


def _has_sync(organization: Organization) -> bool:
    try:
        organization.usage_sync  # noqa: B018 - a missing reverse one-to-one raises
    except UsageSync.DoesNotExist:
        return False
    return True
