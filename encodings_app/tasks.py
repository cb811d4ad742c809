"""Celery tasks: thin wrappers that take ids, call a service and retry only transient errors.

Every task tolerates a deleted row, is safe to run twice, and runs with acks_late and reject-on-worker-lost
(settings), so a worker killed mid-task hands the task to the next one.
"""

import random

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from encodings_app.bitmovin import BitmovinError, RateLimitedError, is_transient
from encodings_app.services import retention, schedule, sweep, sync
from encodings_app.services.sync_planner import Planned

REFRESH_QUEUED_KEY_PREFIX = "refresh:queued:"
# How long "a refresh of this encoding is queued" holds when the task never runs (a lost message, a broker
# emptied by hand): after that the next request may queue one again.
REFRESH_QUEUED_SECONDS = 120


# Limits: CELERY_TASK_TIME_LIMIT for the long tasks (a sync, the prune); a minute for the short ones, so that
# a stuck read or sweep frees its worker soon. The soft limit comes 30 s (or 10 s) earlier.
LONG = {
    "time_limit": settings.CELERY_TASK_TIME_LIMIT,
    "soft_time_limit": settings.CELERY_TASK_SOFT_TIME_LIMIT,
}
SHORT = {"time_limit": 60, "soft_time_limit": 50}


@shared_task(name="schedule.heartbeat", **SHORT)
def schedule_heartbeat() -> None:
    """Beat queues this every SCHEDULE_HEARTBEAT_SECONDS: its run proves beat and a worker are alive."""
    schedule.schedule_heartbeat_record()


@shared_task(name="sync.sweep", **SHORT)
def sync_sweep() -> int:
    """Enqueue the syncs that are due, within each API key's budget; returns how many were enqueued."""
    # At most one queued sync per organization (sweep marks it): a slow queue must not pile up duplicates.
    return len(sweep.sweep(enqueue=_enqueue_sync))


def _enqueue_sync(planned: Planned) -> None:
    sync_organization.delay(planned.organization_id, full_pass_allowance=planned.full_pass_allowance)


@shared_task(name="sync.organization", **LONG)
def sync_organization(
    organization_id: int, full: bool = False, full_pass_allowance: int | None = None
) -> None:
    try:
        # Failures are recorded on the run and the organization; the next sweep is the retry.
        sync.organization_sync(
            organization_id=organization_id, full=full, full_pass_allowance=full_pass_allowance
        )
    finally:
        # Cleared at the end, not the start: until then the sweep counts the run's planned calls.
        sweep.sync_finished(organization_id)


def refresh_queued_key(organization_id: int, bitmovin_id: str) -> str:
    return f"{REFRESH_QUEUED_KEY_PREFIX}{organization_id}:{bitmovin_id}"


def encoding_sync_enqueue(organization_id: int, bitmovin_id: str) -> bool:
    """Queue a fresh read of one encoding unless one is already waiting; True when this call queued it.

    cache.add is atomic in the shared cache, so of many requests at once exactly one queues the task. A
    waiting refresh reads the encoding when it runs, so it also covers whatever happened after it was queued.
    """
    if not cache.add(refresh_queued_key(organization_id, bitmovin_id), 1, timeout=REFRESH_QUEUED_SECONDS):
        return False
    sync_encoding.delay_on_commit(organization_id, bitmovin_id)
    return True


# The name predates the function's: queued messages carry it, so it stays.
@shared_task(name="sync.refresh_encoding", bind=True, max_retries=5, **SHORT)
def sync_encoding(self, organization_id: int, bitmovin_id: str) -> None:
    # Cleared before reading, so that a change made while this read runs can queue a read of its own.
    cache.delete(refresh_queued_key(organization_id, bitmovin_id))
    try:
        sync.encoding_sync(organization_id=organization_id, bitmovin_id=bitmovin_id)
    except BitmovinError as exc:
        if not is_transient(exc):
            raise
        raise self.retry(exc=exc, countdown=retry_countdown(exc, self.request.retries)) from exc


def retry_countdown(error: BitmovinError, retries: int) -> float:
    """Seconds before a task tries a transient failure again: a rate limit's retry_after, otherwise 2, 4,
    8 ... s, each drawn between half and all of it so that refreshes failed together do not retry together."""
    if isinstance(error, RateLimitedError) and error.retry_after is not None:
        countdown = error.retry_after
    else:
        countdown = random.uniform(0.5, 1.0) * 2 ** (retries + 1)  # noqa: S311 - jitter, not cryptography
    # Never past the broker's visibility timeout (dashboard/checks.py): Redis would deliver it twice.
    return min(countdown, settings.TASK_MAX_RETRY_COUNTDOWN_SECONDS)


@shared_task(name="retention.prune", **LONG)
def prune_bookkeeping() -> int:
    """Remove records past their retention; returns how many. Safe to run twice or cut short."""
    # Half the time limit: a backlog is finished by the next runs, never by a task killed mid-batch.
    outcome = retention.retention_prune(time_budget_seconds=settings.CELERY_TASK_TIME_LIMIT // 2)
    return outcome.total
