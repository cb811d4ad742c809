"""The delivery engine: every message reaches every channel of its organization at least once.

message_enqueue writes one AlertDelivery per enabled channel in the caller's transaction (so a message is
committed with whatever it tells of, and a broker that is down loses nothing); the unique (channel, message
key) makes asking twice send once. After commit the worker is nudged (tasks.alerts_deliver_nudge); beat runs
deliver_due every ALERTS_DELIVER_SECONDS as well.

deliver_due claims the due deliveries (rows another worker holds are skipped on PostgreSQL; SQLite writes
one at a time anyway) and pushes each CLAIM_SECONDS ahead: a worker that dies mid-send leaves its deliveries
due again once the claim expires, and the next run sends them. A message can thus arrive twice (the worker
died after the receiver took it, before the outcome was written), never not at all; every attempt carries
the delivery's uid, which receivers deduplicate on.

After a send:
- success (a 2xx, or the mail server took it): delivered; the channel's failure count goes back to zero;
- failure: retried after BACKOFF_SECONDS (30 s, 2 min, 10 min, 30 min, then hourly), given up after
  MAX_ATTEMPTS; the channel counts the failure, and after PAUSE_AFTER_FAILURES in a row (across its
  deliveries) it is paused: nothing more is sent to it, the deliveries wait, until a test succeeds.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from time import monotonic

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from encodings_app.models import AlertChannel, AlertDelivery
from encodings_app.services.alert_channels import email, slack, webhook
from encodings_app.services.alert_channels.message import AlertMessage, SendResult
from encodings_app.services.nudges import nudge_after_commit

logger = logging.getLogger(__name__)

CLAIM_BATCH = 10
# Past the task's hard time limit (tasks.py), so that no live worker's delivery is sent twice; short enough
# that a dead worker's deliveries go out within minutes.
CLAIM_SECONDS = 120
BACKOFF_SECONDS = (30, 120, 600, 1800, 3600)
# About a day of trying (hourly after the first hour): by then the message is history.
MAX_ATTEMPTS = 25
PAUSE_AFTER_FAILURES = 10

Sender = Callable[..., SendResult]
SENDERS: dict[str, Sender] = {
    AlertChannel.Kind.EMAIL: email.send,
    AlertChannel.Kind.SLACK: slack.send,
    AlertChannel.Kind.WEBHOOK: webhook.send,
}


def retry_delay(attempts: int) -> int:
    """Seconds before the next attempt after `attempts` failed ones."""
    return BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1]


def message_enqueue(*, message: AlertMessage) -> int:
    """Queue `message` for every enabled channel of its organization, in the caller's transaction; returns
    how many channels it was queued for (a channel that already has the message keeps its delivery)."""
    channel_ids = list(
        AlertChannel.objects.filter(organization_id=message.organization_id, enabled=True).values_list(
            "pk", flat=True
        )
    )
    if not channel_ids:
        return 0
    AlertDelivery.objects.bulk_create(
        [_delivery(channel_id, message) for channel_id in channel_ids], ignore_conflicts=True
    )
    deliver_soon()
    return len(channel_ids)


def _delivery(channel_id: int, message: AlertMessage, **extra) -> AlertDelivery:
    return AlertDelivery(
        channel_id=channel_id,
        message_key=message.key,
        kind=message.kind,
        severity=message.severity,
        subject=message.subject[:300],
        body=message.body,
        link=message.link,
        **extra,
    )


def deliver_soon() -> None:
    nudge_after_commit("alerts_deliver_nudge")


# Delivering ----------------------------------------------------------------------------------------------


@dataclass
class DeliverOutcome:
    delivered: int = 0
    retrying: int = 0
    given_up: int = 0
    paused_channels: list[int] = field(default_factory=list)
    # False when the time budget ran out with deliveries still due.
    complete: bool = True

    @property
    def sends(self) -> int:
        return self.delivered + self.retrying + self.given_up


def deliver_due(
    *, time_budget_seconds: float = 30.0, now: datetime | None = None, batch_size: int = CLAIM_BATCH
) -> DeliverOutcome:
    """Send the deliveries that are due, soonest first, until none is or the budget is spent.

    `now` drives the clock (claims, backoff, pauses) for tests; the real time when None.
    """
    deadline = monotonic() + time_budget_seconds
    outcome = DeliverOutcome()
    while True:
        claimed = _claim(_now(now), batch_size)
        if not claimed:
            break
        for index, delivery in enumerate(claimed):
            if monotonic() >= deadline:
                _give_back(claimed[index:], _now(now))
                outcome.complete = False
                break
            if delivery.channel_id in outcome.paused_channels:
                # Paused by a failure earlier in this run: the delivery waits for the channel's test.
                _give_back([delivery], _now(now))
                continue
            _send_one(delivery, outcome, now)
        if not outcome.complete or monotonic() >= deadline:
            outcome.complete = outcome.complete and not _claimable(_now(now))
            break
    if outcome.sends:
        logger.info(
            "alert delivery: %s delivered, %s to retry, %s given up, %s channel(s) paused",
            outcome.delivered,
            outcome.retrying,
            outcome.given_up,
            len(outcome.paused_channels),
        )
    return outcome


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _due(now: datetime):
    return AlertDelivery.objects.filter(
        next_attempt_at__lte=now, channel__enabled=True, channel__paused_at__isnull=True
    )


def _claimable(now: datetime) -> bool:
    return _due(now).exists()


def _claim(now: datetime, limit: int) -> list[AlertDelivery]:
    """Take up to `limit` due deliveries: each is pushed CLAIM_SECONDS ahead and counts an attempt."""
    until = now + timedelta(seconds=CLAIM_SECONDS)
    with transaction.atomic():
        claimed = list(
            _due(now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("channel__organization")
            .order_by("next_attempt_at", "pk")[:limit]
        )
        if claimed:
            AlertDelivery.objects.filter(pk__in=[delivery.pk for delivery in claimed]).update(
                next_attempt_at=until, claimed_until=until, attempts=F("attempts") + 1
            )
    for delivery in claimed:
        delivery.attempts += 1
    return claimed


def _give_back(deliveries: list[AlertDelivery], now: datetime) -> None:
    """Claimed but not sent: due again at once, the attempt not counted."""
    AlertDelivery.objects.filter(pk__in=[delivery.pk for delivery in deliveries]).update(
        next_attempt_at=now, claimed_until=None, attempts=F("attempts") - 1
    )


def _send(channel: AlertChannel, delivery: AlertDelivery, *, interactive: bool) -> SendResult:
    try:
        return SENDERS[channel.kind](channel, delivery, interactive=interactive)
    except Exception as exc:
        # A fault of ours. Only the type is logged: the message of an unexpected error may quote the URL.
        logger.error(
            "alert delivery %s to channel %s failed: %s", delivery.pk, channel.pk, type(exc).__name__
        )
        return SendResult(ok=False, error=f"{type(exc).__name__} in the dashboard")


def _send_one(delivery: AlertDelivery, outcome: DeliverOutcome, now: datetime | None) -> None:
    result = _send(delivery.channel, delivery, interactive=False)
    sent_at = _now(now)
    if result.ok:
        _record_success(delivery, result, sent_at)
        outcome.delivered += 1
        return
    given_up = delivery.attempts >= MAX_ATTEMPTS
    AlertDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=None if given_up else sent_at + timedelta(seconds=retry_delay(delivery.attempts)),
        claimed_until=None,
        last_status=result.status,
        last_error=result.error[:300],
    )
    if given_up:
        logger.warning(
            "alert delivery %s to channel %s given up after %s attempts: %s",
            delivery.pk,
            delivery.channel_id,
            delivery.attempts,
            result.error,
        )
        outcome.given_up += 1
    else:
        outcome.retrying += 1
    if _count_failure(delivery.channel, sent_at):
        outcome.paused_channels.append(delivery.channel_id)


def _record_success(delivery: AlertDelivery, result: SendResult, at: datetime) -> None:
    AlertDelivery.objects.filter(pk=delivery.pk).update(
        delivered_at=at, next_attempt_at=None, claimed_until=None, last_status=result.status, last_error=""
    )
    AlertChannel.objects.filter(pk=delivery.channel_id, consecutive_failures__gt=0).update(
        consecutive_failures=0
    )


def _count_failure(channel: AlertChannel, at: datetime) -> bool:
    """Count a failed send; True when it is the one that pauses the channel."""
    with transaction.atomic():
        AlertChannel.objects.filter(pk=channel.pk).update(consecutive_failures=F("consecutive_failures") + 1)
        paused = AlertChannel.objects.filter(
            pk=channel.pk, consecutive_failures__gte=PAUSE_AFTER_FAILURES, paused_at__isnull=True
        ).update(paused_at=at)
    if paused:
        logger.warning(
            "alert channel %s of organization %s paused after %s failed sends in a row",
            channel.pk,
            channel.organization_id,
            PAUSE_AFTER_FAILURES,
        )
    return bool(paused)


# Send test -----------------------------------------------------------------------------------------------


def channel_send_test(*, channel: AlertChannel, now: datetime | None = None) -> SendResult:
    """Send a test message now, with short timeouts (someone is waiting), and log it like any delivery. It is
    not retried: the answer is for the person who asked. A success un-pauses the channel, and what waited for
    it is due at once."""
    sent_at = _now(now)
    test = AlertMessage(
        organization_id=channel.organization_id,
        key=f"test-{uuid.uuid4()}",
        kind="test",
        severity="info",
        subject=f"Test message for {channel.organization.name}",
        body=(
            f'This is a test of the alert channel "{channel.name}". If you can read it, alerts of '
            f"{channel.organization.name} arrive here."
        ),
    )
    delivery = _delivery(
        channel.pk, test, created_at=sent_at, attempts=1, next_attempt_at=None, claimed_until=None
    )
    delivery.channel = channel
    delivery.save()
    result = _send(channel, delivery, interactive=True)
    if not result.ok:
        AlertDelivery.objects.filter(pk=delivery.pk).update(
            last_status=result.status, last_error=result.error[:300]
        )
        return result
    with transaction.atomic():
        _record_success(delivery, result, sent_at)
        if AlertChannel.objects.filter(pk=channel.pk, paused_at__isnull=False).update(paused_at=None):
            logger.info("alert channel %s resumed after a successful test", channel.pk)
            AlertDelivery.objects.filter(
                channel=channel, next_attempt_at__isnull=False, claimed_until__isnull=True
            ).update(next_attempt_at=sent_at)
            deliver_soon()
    channel.refresh_from_db(fields=["paused_at", "consecutive_failures"])
    return result
