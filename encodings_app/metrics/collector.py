"""The figures /metrics computes when it is scraped, from the state every process shares.

Web workers and Celery workers are separate processes, perhaps on separate machines, so nothing here is a
counter kept in memory: each scrape reads the database (a handful of aggregate queries whatever the number
of organizations), the cache (the API call counters, the request budgets, the heartbeat) and the broker
(the queues). A source that cannot be read leaves out its own metrics and says so in
dashboard_metrics_source_up; the others are still answered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime

from django.utils import timezone
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from encodings_app.metrics import definitions as m
from encodings_app.metrics import sources
from encodings_app.models import EncodingStatus, Organization, SyncRun, WebhookDelivery
from encodings_app.selectors.metrics import (
    DELIVERY_OUTCOME_LABELS,
    SEVERITIES,
    MetricsReading,
    metrics_reading,
)
from encodings_app.services import api_call_counts

logger = logging.getLogger(__name__)

UNKNOWN_ORGANIZATION = ""


class DashboardCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        up = m.SOURCE_UP.family()
        reading: MetricsReading | None = None

        def database() -> list[Metric]:
            nonlocal reading
            reading = metrics_reading(now)
            return [*_database_families(reading, now), *_alerting_families(reading, now)]

        yield from _read("database", database, up)
        organizations = reading.organizations if reading is not None else None
        yield from _read("cache", lambda: _cache_families(organizations), up)
        yield from _read("broker", _broker_families, up)
        yield up


def _read(source: str, read: Callable[[], list[Metric]], up: Metric) -> list[Metric]:
    try:
        families = read()
    except Exception as exc:
        # Which source failed is in the answer; what failed (it may name hosts) only in the log.
        logger.warning("metrics: %s could not be read: %s", source, exc)
        up.add_metric([source], 0)
        return []
    up.add_metric([source], 1)
    return families


def _database_families(reading: MetricsReading, now: datetime) -> list[Metric]:
    sync_age, sync_runs, encodings, failures, deliveries, pending, pending_age = families = _families(
        m.SYNC_AGE,
        m.SYNC_RUNS,
        m.ENCODINGS,
        m.FAILURES,
        m.WEBHOOK_DELIVERIES,
        m.PENDING_REFRESHES,
        m.PENDING_REFRESH_AGE,
    )
    for organization in reading.organizations:
        slug, pk = organization.slug, organization.pk
        succeeded = organization.last_sync_succeeded_at
        sync_age.add_metric([slug], (now - succeeded).total_seconds() if succeeded else float("inf"))
        # Every known value gets a series, zero included, so that a rate or an alert has one to read.
        _add_counts(sync_runs, slug, SyncRun.Outcome.values, reading.sync_runs_by_outcome.get(pk, {}))
        _add_counts(encodings, slug, EncodingStatus.values, reading.encodings_by_status.get(pk, {}))
        _add_counts(failures, slug, (), reading.failures_by_code.get(pk, {}))
        _add_counts(
            deliveries, slug, WebhookDelivery.Verdict.values, reading.deliveries_by_verdict.get(pk, {})
        )
        _add_waiting(pending, pending_age, slug, reading.pending_refreshes.get(pk), now)
    unknown = reading.deliveries_by_verdict.get(None, {})
    _add_counts(deliveries, UNKNOWN_ORGANIZATION, (WebhookDelivery.Verdict.UNKNOWN_ORGANIZATION,), unknown)
    return families


def _alerting_families(reading: MetricsReading, now: datetime) -> list[Metric]:
    """The alerting's own health: what is open, and whether its messages get out."""
    incidents, waiting, waiting_age, deliveries, paused = families = _families(
        m.OPEN_INCIDENTS,
        m.ALERT_DELIVERIES_WAITING,
        m.ALERT_DELIVERY_OLDEST,
        m.ALERT_DELIVERIES,
        m.ALERT_CHANNELS_PAUSED,
    )
    for organization in reading.organizations:
        slug, pk = organization.slug, organization.pk
        _add_counts(incidents, slug, SEVERITIES, reading.open_incidents_by_severity.get(pk, {}))
        _add_waiting(waiting, waiting_age, slug, reading.alert_deliveries_waiting.get(pk), now)
        _add_counts(
            deliveries, slug, DELIVERY_OUTCOME_LABELS, reading.alert_deliveries_by_outcome.get(pk, {})
        )
        paused.add_metric([slug], reading.alert_channels_paused.get(pk, 0))
    return families


def _families(*specs: m.Spec) -> list[Metric]:
    return [spec.family() for spec in specs]


def _add_waiting(
    count: Metric, age: Metric, slug: str, waiting: tuple[int, datetime] | None, now: datetime
) -> None:
    """How many wait, and seconds since the oldest began to: 0 and 0 when none does."""
    n, oldest = waiting or (0, now)
    count.add_metric([slug], n)
    age.add_metric([slug], max(0.0, (now - oldest).total_seconds()))


def _add_counts(family: Metric, slug: str, known: tuple | list, counts: dict[str, int]) -> None:
    for value in [*known, *sorted(set(counts) - set(known))]:
        family.add_metric([slug, value], counts.get(value, 0))


def _cache_families(organizations: list[Organization] | None) -> list[Metric]:
    heartbeat_age, late = sources.heartbeat_age_seconds()
    age, late_flag = m.HEARTBEAT_AGE.family(), m.SCHEDULE_LATE.family()
    age.add_metric([], heartbeat_age)
    late_flag.add_metric([], int(late))
    process_up, process_age = m.PROCESS_UP.family(), m.PROCESS_HEARTBEAT_AGE.family()
    for process, (seconds, up) in sources.process_heartbeats().items():
        process_up.add_metric([process], int(up))
        process_age.add_metric([process], seconds)
    liveness = [age, late_flag, process_up, process_age]
    if organizations is None:  # without the database, no organization can be named
        return liveness
    calls, limited, budget = m.API_CALLS.family(), m.RATE_LIMITED.family(), m.BUDGET_LEFT.family()
    counts = api_call_counts.counts_by_organization(organization.pk for organization in organizations)
    left = sources.budget_left(organizations)
    for organization in organizations:
        slug = organization.slug
        refused_by = {"api": 0, "budget": 0}
        for (endpoint, outcome), count in sorted(counts.get(organization.pk, {}).items()):
            if outcome == api_call_counts.REFUSED:
                refused_by["budget"] += count
                continue
            calls.add_metric([slug, endpoint, outcome], count)
            if outcome == "429":
                refused_by["api"] += count
        for source, count in refused_by.items():
            limited.add_metric([slug, source], count)
        for (endpoint, caller), remaining in left.get(organization.pk, {}).items():
            budget.add_metric([slug, endpoint, caller], remaining)
    return [calls, limited, budget, *liveness]


def _broker_families() -> list[Metric]:
    family = m.QUEUE_LENGTH.family()
    for queue, length in sources.queue_lengths().items():
        family.add_metric([queue], length)
    return [family]
