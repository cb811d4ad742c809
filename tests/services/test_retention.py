"""Retention: old webhook deliveries, sync runs, deleted encodings with their messages, audit entries and
expired sessions go, in bounded batches; recent rows and each organization's latest sync run stay; running it
twice is safe."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.celery import app as celery_app
from encodings_app.models import AuditEvent, SyncRun, WebhookDelivery
from encodings_app.services.retention import retention_prune
from encodings_app.tasks import prune_bookkeeping
from tests.factories import make_delivery, make_organization, make_sync_run

pytestmark = pytest.mark.django_db


def delivery(organization, days_ago: float) -> WebhookDelivery:
    return make_delivery(
        organization,
        received_at=timezone.now() - timedelta(days=days_ago),
        verdict=WebhookDelivery.Verdict.MISSING,
        body_size=10,
        body_sha256="0" * 64,
    )


def sync_run(organization, days_ago: float) -> SyncRun:
    return make_sync_run(organization, started_at=timezone.now() - timedelta(days=days_ago))


@pytest.fixture
def backlog(settings):
    """Acme syncs no more (its latest run is old); globex syncs today; both have old and new deliveries."""
    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 14
    settings.SYNC_RUN_RETENTION_DAYS = 30
    acme, globex = make_organization("acme"), make_organization("globex")
    make_organization("initech")  # never synced: nothing to keep, nothing to remove
    rows = {
        "old_deliveries": [delivery(acme, 15 + n) for n in range(5)] + [delivery(None, 20)],
        "new_deliveries": [delivery(acme, 13), delivery(globex, 0.5)],
        "acme_old_runs": [sync_run(acme, 40 + n) for n in range(4)],
        "globex_old_runs": [sync_run(globex, 31 + n) for n in range(3)],
        "globex_new_run": sync_run(globex, 1),
    }
    AuditEvent.objects.create(action=AuditEvent.Action.KEY_SET, organization=acme, username="olivia")
    AuditEvent.objects.filter(organization=acme).update(created_at=timezone.now() - timedelta(days=400))
    return rows


def remaining(model) -> set[int]:
    return set(model.objects.values_list("pk", flat=True))


def test_prune_removes_old_rows_in_bounded_batches_and_keeps_the_rest(backlog):
    with CaptureQueriesContext(connection) as queries:
        outcome = retention_prune(batch_size=2)

    assert (outcome["webhook deliveries"], outcome["sync runs"], outcome.complete) == (6, 6, True)
    assert remaining(WebhookDelivery) == {row.pk for row in backlog["new_deliveries"]}
    acme_latest = backlog["acme_old_runs"][0]
    assert remaining(SyncRun) == {acme_latest.pk, backlog["globex_new_run"].pk}, (
        "acme's latest run stays however old; globex's old ones go because a newer one exists"
    )
    deletes = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("DELETE")]
    # 6 deliveries and 6 runs, two at a time (the audit entry is an insert, not counted here).
    assert len(deletes) == outcome.batches == 6
    assert AuditEvent.objects.filter(action=AuditEvent.Action.KEY_SET).exists(), "400 days is within 730"


def test_prune_twice_removes_nothing_more_and_audits_only_the_run_that_removed_something(backlog):
    first = retention_prune(batch_size=4)
    kept = remaining(WebhookDelivery), remaining(SyncRun)
    second = retention_prune(batch_size=4)

    assert (first["webhook deliveries"], first["sync runs"]) == (6, 6)
    assert (second.total, second.batches) == (0, 0)
    assert (remaining(WebhookDelivery), remaining(SyncRun)) == kept
    (event,) = AuditEvent.objects.filter(action=AuditEvent.Action.RETENTION_PRUNE)
    assert event.organization is None
    assert event.detail == (
        "Removed 6 webhook deliveries (older than 14 days), 6 sync runs (older than 30 days)."
    )


def test_prune_cut_short_keeps_its_work_and_the_next_run_finishes(backlog):
    cut_short = retention_prune(time_budget_seconds=0)
    assert (cut_short.total, cut_short.complete) == (0, False)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.RETENTION_PRUNE).exists()
    assert retention_prune().complete
    assert len(remaining(SyncRun)) == 2


def test_retention_follows_the_settings(backlog, settings):
    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 30
    settings.SYNC_RUN_RETENTION_DAYS = 35
    outcome = retention_prune()
    # Deliveries are 13 to 20 days old: none past 30. Runs past 35 days: acme's (but its latest) only.
    assert (outcome["webhook deliveries"], outcome["sync runs"]) == (0, 3)


def test_beat_runs_the_prune_task_which_prunes(backlog, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["retention-prune"]
    assert entry["task"] == prune_bookkeeping.name and entry["task"] in celery_app.tasks
    assert prune_bookkeeping.time_limit and prune_bookkeeping.soft_time_limit
    assert prune_bookkeeping.apply().get() == 12
    assert prune_bookkeeping.apply().get() == 0


def test_encodings_deleted_at_bitmovin_go_with_their_messages_after_their_retention(settings):
    from encodings_app.models import Encoding, Message
    from tests.factories import make_encoding, make_message

    settings.DELETED_ENCODING_RETENTION_DAYS = 30
    acme = make_organization("acme")
    now = timezone.now()
    long_gone = make_encoding(acme, deleted_at=now - timedelta(days=31))
    recently_gone = make_encoding(acme, deleted_at=now - timedelta(days=2))
    alive = make_encoding(acme)
    for encoding in (long_gone, recently_gone, alive):
        for n in range(5):
            make_message(encoding, bitmovin_id=f"{encoding.bitmovin_id}-m{n}")

    with CaptureQueriesContext(connection) as queries:
        outcome = retention_prune(batch_size=2)

    assert (outcome["messages of deleted encodings"], outcome["deleted encodings"]) == (5, 1)
    assert remaining(Encoding) == {recently_gone.pk, alive.pk}
    assert Message.objects.filter(encoding=long_gone.pk).count() == 0
    assert Message.objects.count() == 10
    message_deletes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('DELETE FROM "encodings_app_message"')
    ]
    assert len(message_deletes) >= 3, "five messages, two at a time: no unbounded cascade"


def test_audit_entries_go_after_their_retention_unless_it_is_zero(backlog, settings):
    settings.AUDIT_LOG_RETENTION_DAYS = 0
    retention_prune()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.KEY_SET).exists(), "0 keeps the audit log"

    settings.AUDIT_LOG_RETENTION_DAYS = 365
    outcome = retention_prune()
    assert outcome["audit entries"] == 1
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.KEY_SET).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RETENTION_PRUNE).exists(), "recent ones stay"


def test_expired_sessions_are_removed_and_live_ones_kept():
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    live = SessionStore()
    live["n"] = 1
    live.create()
    expired = SessionStore()
    expired["n"] = 2
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )

    outcome = retention_prune()

    assert outcome["expired sessions"] == 1
    assert set(Session.objects.values_list("session_key", flat=True)) == {live.session_key}


def test_finished_alert_deliveries_go_after_their_retention_and_waiting_ones_stay(settings):
    from encodings_app.models import AlertChannel, AlertDelivery

    settings.ALERT_DELIVERY_RETENTION_DAYS = 30
    channel = AlertChannel.objects.create(
        organization=make_organization("acme"),
        kind="email",
        name="ops",
        target_encrypted="-",
        target_hint="-",
    )
    old = timezone.now() - timedelta(days=31)

    def alert_delivery(key: str, **fields) -> AlertDelivery:
        return AlertDelivery.objects.create(
            channel=channel, message_key=key, kind="opened", subject="s", body="b", **fields
        )

    delivered = alert_delivery("delivered", created_at=old, delivered_at=old, next_attempt_at=None)
    given_up = alert_delivery("given-up", created_at=old, next_attempt_at=None)
    waiting = alert_delivery("waiting", created_at=old, next_attempt_at=old)  # its channel is paused
    recent = alert_delivery("recent", delivered_at=timezone.now(), next_attempt_at=None)

    outcome = retention_prune()

    assert outcome["alert deliveries"] == 2
    assert remaining(AlertDelivery) == {waiting.pk, recent.pk}
    assert delivered.pk not in remaining(AlertDelivery) and given_up.pk not in remaining(AlertDelivery)
