"""Retention of the dashboard's own bookkeeping: old webhook deliveries and sync runs are removed.

Rows go in small batches, each its own short transaction, so a large backlog never holds a lock for long and
a run cut short (a time limit, a restart) has kept everything it did. Each organization keeps its latest sync
run whatever its age, because the pages show "last sync". The audit log is not touched: it is kept.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from encodings_app.models import Organization, SyncRun, WebhookDelivery
from encodings_app.services.audit import Action, audit_record

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000


@dataclass(frozen=True)
class PruneOutcome:
    webhook_deliveries: int
    sync_runs: int
    batches: int
    # False when the time budget ran out with old rows left; the next run carries on.
    complete: bool


def retention_prune(
    *,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    time_budget_seconds: float = 300.0,
) -> PruneOutcome:
    """Remove webhook deliveries and sync runs past their retention (settings), batch by batch."""
    now = now or timezone.now()
    deadline = time.monotonic() + time_budget_seconds
    delivery_days = settings.WEBHOOK_DELIVERY_RETENTION_DAYS
    run_days = settings.SYNC_RUN_RETENTION_DAYS

    old_deliveries = WebhookDelivery.objects.filter(received_at__lt=now - timedelta(days=delivery_days))
    deliveries, delivery_batches, deliveries_done = _delete_in_batches(
        old_deliveries, oldest_first="received_at", batch_size=batch_size, deadline=deadline
    )
    old_runs = SyncRun.objects.filter(started_at__lt=now - timedelta(days=run_days)).exclude(
        pk__in=_latest_sync_runs()
    )
    runs, run_batches, runs_done = _delete_in_batches(
        old_runs, oldest_first="started_at", batch_size=batch_size, deadline=deadline
    )

    outcome = PruneOutcome(
        webhook_deliveries=deliveries,
        sync_runs=runs,
        batches=delivery_batches + run_batches,
        complete=deliveries_done and runs_done,
    )
    if deliveries or runs:
        audit_record(
            action=Action.RETENTION_PRUNE,
            target="webhook log and sync history",
            detail=(
                f"Removed {deliveries} webhook deliveries older than {delivery_days} days and "
                f"{runs} sync runs older than {run_days} days"
                + ("." if outcome.complete else "; more are left for the next run.")
            ),
        )
    logger.info(
        "retention: removed %s webhook deliveries and %s sync runs in %s batches%s",
        deliveries,
        runs,
        outcome.batches,
        "" if outcome.complete else " (time budget spent, more left)",
    )
    return outcome


def _latest_sync_runs() -> QuerySet:
    """The newest sync run of each organization, as a subquery of ids."""
    newest = (
        SyncRun.objects.filter(organization=OuterRef("pk")).order_by("-started_at", "-pk").values("pk")[:1]
    )
    return (
        Organization.objects.annotate(latest_run=Subquery(newest))
        .filter(latest_run__isnull=False)
        .values("latest_run")
    )


def _delete_in_batches(
    queryset: QuerySet, *, oldest_first: str, batch_size: int, deadline: float
) -> tuple[int, int, bool]:
    """(rows deleted, batches, whether nothing matching is left)."""
    deleted = batches = 0
    while time.monotonic() < deadline:
        ids = list(queryset.order_by(oldest_first, "pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted, batches, True
        with transaction.atomic():
            # The queryset's own conditions again: a row that changed since it was picked is left alone.
            count, _ = queryset.filter(pk__in=ids).delete()
        deleted += count
        batches += 1
        if len(ids) < batch_size:
            return deleted, batches, True
    return deleted, batches, False
