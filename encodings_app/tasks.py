"""Celery tasks: thin wrappers that take ids, call a service and retry only transient errors.

Every task tolerates a deleted row, is safe to run twice, and runs with acks_late and reject-on-worker-lost
(settings), so a worker killed mid-task hands the task to the next one.
"""

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from encodings_app.bitmovin import BitmovinError, RateLimitedError
from encodings_app.services import retention, sync

PING_KEY_PREFIX = "diagnostics:ping:"
QUEUED_KEY_PREFIX = "sync:queued:"


@shared_task(name="diagnostics.ping", time_limit=30, soft_time_limit=20)
def ping(token: str) -> None:
    """Leave a mark in the shared cache: proves end to end that a worker consumes this project's queue."""
    cache.set(f"{PING_KEY_PREFIX}{token}", "pong", timeout=300)


@shared_task(name="sync.sweep", time_limit=60, soft_time_limit=50)
def sync_sweep() -> int:
    """Enqueue one sync per organization that may sync now; returns how many were enqueued."""
    enqueued = 0
    for organization_id in sync.organizations_to_sync():
        # At most one queued sync per organization: a slow queue must not pile up duplicates.
        if cache.add(f"{QUEUED_KEY_PREFIX}{organization_id}", 1, timeout=settings.SYNC_INTERVAL_SECONDS * 4):
            sync_organization.delay(organization_id)
            enqueued += 1
    return enqueued


@shared_task(name="sync.organization", time_limit=300, soft_time_limit=270)
def sync_organization(organization_id: int, full: bool = False) -> None:
    cache.delete(f"{QUEUED_KEY_PREFIX}{organization_id}")
    # Failures are recorded on the run and the organization; the next sweep is the retry.
    sync.organization_sync(organization_id=organization_id, full=full)


@shared_task(name="sync.refresh_encoding", bind=True, max_retries=5, time_limit=60, soft_time_limit=50)
def refresh_encoding(self, organization_id: int, bitmovin_id: str) -> None:
    try:
        sync.encoding_refresh(organization_id=organization_id, bitmovin_id=bitmovin_id)
    except BitmovinError as exc:
        if not exc.retryable:
            raise
        countdown = exc.retry_after if isinstance(exc, RateLimitedError) else 2 ** (self.request.retries + 1)
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(name="retention.prune", time_limit=600, soft_time_limit=570)
def prune_bookkeeping() -> int:
    """Remove old webhook deliveries and sync runs; returns how many. Safe to run twice or cut short."""
    # Half the time limit: a backlog is finished by the next runs, never by a task killed mid-batch.
    outcome = retention.retention_prune(time_budget_seconds=300)
    return outcome.webhook_deliveries + outcome.sync_runs
