"""Reading each organization's usage from Bitmovin's statistics endpoints into the mirror (models/usage.py).

A sync reads, per encoding type and per label, the figures of every day it needs: the first time the last
USAGE_HISTORY_DAYS days, later only the days that may still change (the last USAGE_RECENT_DAYS, since an
encoding counts on the day it finishes) and any day missing since the first read. Three calls in all (one
per type, one per hundred days by label), each on an endpoint Bitmovin allows 60 times a minute per key: a
sync starts only when the key's budget (services/key_budget.py) has room for all of them, so it never
spends what an operator's page needs, and a refusal midway writes nothing and tries again later.

Bitmovin's answer is checked before anything is written: a day outside the range asked for, or without
its figures, fails the whole sync with a plain reason and leaves the mirror as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from encodings_app.bitmovin import BitmovinClient, errors
from encodings_app.models import Organization, UsageDay, UsageKind, UsageSync
from encodings_app.services import key_budget
from encodings_app.services.clients import KeyUnavailable, budget_fingerprint, client_for

logger = logging.getLogger(__name__)

TYPE_ENDPOINTS = {
    UsageKind.VOD: "GET /encoding/statistics/encodings/vod/daily/{from}/{to}",
    UsageKind.LIVE: "GET /encoding/statistics/encodings/live/daily/{from}/{to}",
}
LABEL_ENDPOINT = "GET /encoding/statistics/labels/daily/{from}/{to}"
ENDPOINTS = (*TYPE_ENDPOINTS.values(), LABEL_ENDPOINT)
# Days of labels per page the client asks for (its largest page).
LABEL_DAYS_PER_CALL = 100
MAX_ERROR_LENGTH = 500


class MalformedUsage(Exception):
    """Bitmovin's answer cannot be mirrored as it is; the text says what is wrong with it."""


@dataclass(frozen=True)
class UsageFigures:
    day: date
    kind: str
    label: str
    seconds: int
    minutes: Decimal
    bytes: int


@dataclass
class UsageSyncOutcome:
    """`status`: synced, deferred (the key's budget had no room: try after `retry_after` seconds), failed
    (`error` says why) or skipped (no usable key)."""

    status: str
    first: date | None = None
    last: date | None = None
    rows: int = 0
    retry_after: float = 0.0
    error: str = ""
    calls: dict[str, int] = field(default_factory=dict)


def usage_organizations() -> QuerySet[Organization]:
    """The organizations whose usage is read: a key that Bitmovin has not refused and that can be read."""
    return (
        Organization.objects.filter(key_rejected=False, key_unreadable=False, connection__isnull=False)
        .exclude(connection__api_key_encrypted="")
        .select_related("connection")
        .order_by("pk")
    )


def days_to_read(state: UsageSync | None, today: date) -> tuple[date, date]:
    """The first and last day a sync reads: the whole history the first time, else the recent days and
    any earlier day that has no figures yet."""
    history = settings.USAGE_HISTORY_DAYS
    if state is None or state.first_day is None:
        return today - timedelta(days=history - 1), today
    first = max(state.first_day, today - timedelta(days=history - 1))
    recent = today - timedelta(days=settings.USAGE_RECENT_DAYS - 1)
    have = set(
        UsageDay.objects.filter(
            organization_id=state.organization_id,
            kind=UsageKind.VOD,
            label="",
            day__gte=first,
            day__lt=recent,
        ).values_list("day", flat=True)
    )
    missing = next(
        (
            first + timedelta(days=i)
            for i in range((recent - first).days)
            if first + timedelta(days=i) not in have
        ),
        None,
    )
    return (missing or recent), today


def calls_needed(first: date, last: date) -> dict[str, int]:
    label_pages = -(-((last - first).days + 1) // LABEL_DAYS_PER_CALL)
    return {**{endpoint: 1 for endpoint in TYPE_ENDPOINTS.values()}, LABEL_ENDPOINT: label_pages}


def room_left(fingerprint: str) -> dict[str, int]:
    """Calls each usage endpoint may still take from the key's background budget in this window."""
    budget = key_budget.ApiBudget(fingerprint)
    return {
        endpoint: key_budget.budget_for(endpoint).background - budget.used(endpoint) for endpoint in ENDPOINTS
    }


def fits(needed: dict[str, int], room: dict[str, int]) -> bool:
    return all(room.get(endpoint, 0) >= count for endpoint, count in needed.items())


def usage_sync(
    *,
    organization: Organization,
    today: date | None = None,
    client: BitmovinClient | None = None,
    fingerprint: str | None = None,
) -> UsageSyncOutcome:
    """Read the organization's recent usage into the mirror; safe to run twice or side by side (upserts)."""
    now = timezone.now()
    today = today or now.date()
    state, _ = UsageSync.objects.get_or_create(organization=organization)
    first, last = days_to_read(state, today)
    needed = calls_needed(first, last)
    try:
        fingerprint = fingerprint or budget_fingerprint(organization)
    except KeyUnavailable as exc:
        _failed(state, now, str(exc))
        return UsageSyncOutcome("skipped", first, last, error=str(exc))
    if not fits(needed, room_left(fingerprint)):
        return UsageSyncOutcome(
            "deferred", first, last, retry_after=key_budget.window_seconds(), calls=needed
        )
    try:
        figures = _read(organization, first, last, client)
    except errors.RateLimitedError as exc:
        # Refused by our own count or by Bitmovin's: nothing was written, the next run reads the same days.
        return UsageSyncOutcome("deferred", first, last, retry_after=exc.retry_after or 60.0, calls=needed)
    except (errors.BitmovinError, MalformedUsage, KeyUnavailable) as exc:
        reason = _reason(exc)
        logger.warning("usage of %s not read: %s", organization.slug, reason)
        _failed(state, now, reason)
        return UsageSyncOutcome("failed", first, last, error=reason, calls=needed)
    rows = _store(organization, state, figures, first, last, now)
    return UsageSyncOutcome("synced", first, last, rows=rows, calls=needed)


def _reason(exc: Exception) -> str:
    if isinstance(exc, MalformedUsage):
        text = f"Bitmovin's usage figures could not be used: {exc}"
    elif isinstance(exc, errors.BitmovinError):
        text = f"Bitmovin did not give the usage figures: {exc}"
    else:
        text = str(exc)
    return text[:MAX_ERROR_LENGTH]


def _failed(state: UsageSync, now: datetime, reason: str) -> None:
    state.attempted_at = now
    state.last_error = reason[:MAX_ERROR_LENGTH]
    state.failures += 1
    state.save(update_fields=["attempted_at", "last_error", "failures"])


def _read(
    organization: Organization, first: date, last: date, client: BitmovinClient | None
) -> list[UsageFigures]:
    own = client is None
    client = client or client_for(organization)
    try:
        figures: list[UsageFigures] = []
        for kind in TYPE_ENDPOINTS:
            page = client.list_daily_statistics_by_type(kind, first, last)
            figures += _type_days(page.items, kind, first, last)
        figures += _label_days(client.iter_daily_statistics_per_label(first, last), first, last)
        return figures
    finally:
        if own:
            client.close()


def _check_day(value: date | None, first: date, last: date, what: str) -> date:
    if value is None:
        raise MalformedUsage(f"{what} has no date in the form yyyy-MM-dd")
    if not first <= value <= last:
        raise MalformedUsage(f"{what} is for {value}, outside the days asked for ({first} to {last})")
    return value


def _number(value: float | int | None, what: str, name: str) -> float:
    if value is None or value < 0:
        raise MalformedUsage(f"{what} has no usable {name}")
    return value


def _type_days(items: Iterable, kind: str, first: date, last: date) -> list[UsageFigures]:
    found: dict[date, UsageFigures] = {}
    for item in items:
        what = f"a day of {kind} usage"
        day = _check_day(item.date, first, last, what)
        what = f"the {kind} usage of {day}"
        minutes = item.billable_minutes if item.billable_minutes is not None else 0.0
        found[day] = UsageFigures(
            day,
            kind,
            "",
            int(_number(item.time_encoded, what, "encoded time")),
            Decimal(str(round(_number(minutes, what, "billable minutes"), 3))),
            int(_number(item.bytes_encoded, what, "bytes encoded")),
        )
    # A day the answer leaves out had no work: the endpoint lists every day of the range, with zeros.
    current = first
    while current <= last:
        found.setdefault(current, UsageFigures(current, kind, "", 0, Decimal(0), 0))
        current += timedelta(days=1)
    return list(found.values())


def _label_days(days: Iterable, first: date, last: date) -> list[UsageFigures]:
    found: dict[tuple[date, str], UsageFigures] = {}
    for entry in days:
        day = _check_day(entry.date, first, last, "a day of usage by label")
        for stats in entry.labels:
            label = (stats.label or "").strip()
            if not label:
                raise MalformedUsage(f"the usage by label of {day} has an entry without a label")
            what = f"the usage of label {label[:60]} on {day}"
            found[(day, label[:255])] = UsageFigures(
                day,
                UsageKind.ALL,
                label[:255],
                int(_number(stats.time_encoded, what, "encoded time")),
                Decimal(str(round(_number(stats.billable_minutes or 0.0, what, "billable minutes"), 3))),
                int(_number(stats.bytes_encoded, what, "bytes encoded")),
            )
    return list(found.values())


def _store(
    organization: Organization,
    state: UsageSync,
    figures: list[UsageFigures],
    first: date,
    last: date,
    now: datetime,
) -> int:
    rows = [
        UsageDay(
            organization=organization,
            day=f.day,
            kind=f.kind,
            label=f.label,
            encoded_seconds=f.seconds,
            billable_minutes=f.minutes,
            bytes_encoded=f.bytes,
            synced_at=now,
        )
        for f in figures
    ]
    with transaction.atomic():
        # A label no longer reported for a re-read day (its encodings were deleted) goes with the old answer.
        wanted = {(f.day, f.label) for f in figures if f.kind == UsageKind.ALL}
        stale = UsageDay.objects.filter(
            organization=organization, kind=UsageKind.ALL, day__gte=first, day__lte=last
        ).values_list("pk", "day", "label")
        UsageDay.objects.filter(
            pk__in=[pk for pk, day, label in stale if (day, label) not in wanted]
        ).delete()
        UsageDay.objects.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["organization", "day", "kind", "label"],
            update_fields=["encoded_seconds", "billable_minutes", "bytes_encoded", "synced_at"],
        )
        UsageSync.objects.filter(pk=state.pk).update(
            synced_at=now,
            attempted_at=now,
            first_day=min(first, state.first_day or first),
            last_error="",
            failures=0,
        )
    return len(rows)


@dataclass
class UsagePlan:
    """What one run across organizations did: synced now, and deferred to a later run (budget spent)."""

    outcomes: dict[int, UsageSyncOutcome] = field(default_factory=dict)
    deferred: list[int] = field(default_factory=list)


def usage_sync_all(*, today: date | None = None, due_after: timedelta | None = None) -> UsagePlan:
    """Read the usage of every organization with a key whose figures are older than `due_after`, within
    each key's budget: organizations of one key are taken in turn while the key has room for their calls;
    the rest are deferred (the caller retries them after a window)."""
    now = timezone.now()
    due_after = due_after if due_after is not None else timedelta(seconds=settings.USAGE_SYNC_SECONDS * 0.9)
    plan = UsagePlan()
    rooms: dict[str, dict[str, int]] = {}
    synced_at = dict(UsageSync.objects.values_list("organization_id", "synced_at"))
    for organization in usage_organizations():
        last = synced_at.get(organization.pk)
        if last is not None and now - last < due_after:
            continue
        try:
            fingerprint = budget_fingerprint(organization)
        except KeyUnavailable:
            continue
        room = rooms.setdefault(fingerprint, room_left(fingerprint))
        needed = calls_needed(
            *days_to_read(UsageSync.objects.filter(organization=organization).first(), today or now.date())
        )
        if not fits(needed, room):
            plan.deferred.append(organization.pk)
            continue
        for endpoint, count in needed.items():
            room[endpoint] -= count
        outcome = usage_sync(organization=organization, today=today, fingerprint=fingerprint)
        plan.outcomes[organization.pk] = outcome
        if outcome.status == "deferred":
            plan.deferred.append(organization.pk)
    return plan
