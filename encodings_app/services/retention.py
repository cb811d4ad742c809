"""Retention of the dashboard's own records: each kind is removed past its age in settings.

What goes: webhook deliveries, finished alert deliveries, sync runs (each organization keeps its latest
whatever its age, because the pages show "last sync"), encodings deleted at Bitmovin with their messages,
audit entries (unless AUDIT_LOG_RETENTION_DAYS is 0: kept for ever) and expired sessions. Rows go in small
batches, each its own short transaction, so a large backlog never holds a lock for long and a run cut short
(a time limit, a restart) has kept everything it did. A deleted encoding's messages go before the encoding
itself, a batch of messages at a time, so that no single statement removes an unbounded number of rows by
cascade.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from encodings_app.models import (
    AlertDelivery,
    AuditEvent,
    Encoding,
    Message,
    Organization,
    SyncRun,
    WebhookDelivery,
)
from encodings_app.services.audit import Action, audit_record
from encodings_app.services.tallies import tallies_fold_all

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000


@dataclass(frozen=True)
class Rule:
    """One kind of record past its age: what to call it, which rows, oldest first by which field."""

    name: str
    rows: QuerySet
    oldest_first: str
    age: str  # in words, for the audit entry


@dataclass
class PruneOutcome:
    removed: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    # False when the time budget ran out with old rows left; the next run carries on.
    complete: bool = True

    @property
    def total(self) -> int:
        return sum(self.removed.values())

    def __getitem__(self, name: str) -> int:
        return self.removed.get(name, 0)


def retention_rules(now: datetime) -> list[Rule]:
    def before(days: int) -> datetime:
        return now - timedelta(days=days)

    deleted_days = settings.DELETED_ENCODING_RETENTION_DAYS
    gone = Encoding.objects.filter(deleted_at__lt=before(deleted_days))
    rules = [
        Rule(
            "webhook deliveries",
            WebhookDelivery.objects.filter(received_at__lt=before(settings.WEBHOOK_DELIVERY_RETENTION_DAYS)),
            "received_at",
            f"older than {settings.WEBHOOK_DELIVERY_RETENTION_DAYS} days",
        ),
        Rule(
            "sync runs",
            SyncRun.objects.filter(started_at__lt=before(settings.SYNC_RUN_RETENTION_DAYS)).exclude(
                pk__in=_latest_sync_runs()
            ),
            "started_at",
            f"older than {settings.SYNC_RUN_RETENTION_DAYS} days",
        ),
        Rule(
            "messages of deleted encodings",
            Message.objects.filter(encoding__in=gone.values("pk")),
            "pk",
            f"deleted at Bitmovin more than {deleted_days} days ago",
        ),
        Rule(
            "deleted encodings", gone, "deleted_at", f"deleted at Bitmovin more than {deleted_days} days ago"
        ),
        Rule("expired sessions", Session.objects.filter(expire_date__lt=now), "expire_date", "expired"),
        # Only finished ones (delivered or given up): a message still waiting for its channel stays.
        Rule(
            "alert deliveries",
            AlertDelivery.objects.filter(
                created_at__lt=before(settings.ALERT_DELIVERY_RETENTION_DAYS), next_attempt_at__isnull=True
            ),
            "created_at",
            f"finished and older than {settings.ALERT_DELIVERY_RETENTION_DAYS} days",
        ),
    ]
    if settings.AUDIT_LOG_RETENTION_DAYS:
        rules.append(
            Rule(
                "audit entries",
                AuditEvent.objects.filter(created_at__lt=before(settings.AUDIT_LOG_RETENTION_DAYS)),
                "created_at",
                f"older than {settings.AUDIT_LOG_RETENTION_DAYS} days",
            )
        )
    return rules


def retention_prune(
    *,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    time_budget_seconds: float = 300.0,
) -> PruneOutcome:
    """Remove every kind of record past its retention (settings), batch by batch, within the time budget."""
    now = now or timezone.now()
    deadline = time.monotonic() + time_budget_seconds
    outcome = PruneOutcome()
    done_words = []
    for rule in retention_rules(now):
        removed, batches, done = _delete_in_batches(
            rule.rows, oldest_first=rule.oldest_first, batch_size=batch_size, deadline=deadline
        )
        outcome.removed[rule.name] = removed
        outcome.batches += batches
        outcome.complete = outcome.complete and done
        if removed:
            done_words.append(f"{removed} {rule.name} ({rule.age})")
    # Encodings deleted here, or changed by webhooks of an organization whose sync is off, leave count
    # changes that no sync folds.
    tallies_fold_all()
    if done_words:
        audit_record(
            action=Action.RETENTION_PRUNE,
            target="records past their retention",
            detail=(
                "Removed "
                + ", ".join(done_words)
                + ("." if outcome.complete else "; more are left for the next run.")
            ),
        )
    logger.info(
        "retention: removed %s in %s batches%s",
        ", ".join(f"{count} {name}" for name, count in outcome.removed.items()),
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
