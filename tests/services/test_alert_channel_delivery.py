"""The delivery engine against a real receiver on 127.0.0.1: at least once, retried with backoff, paused after
ten failures in a row, resumed by a successful test, and never lost or doubled by a worker that dies."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import transaction

from encodings_app import tasks
from encodings_app.models import AlertChannel, AlertDelivery
from encodings_app.services.alert_channels import delivery
from encodings_app.services.alert_channels.delivery import (
    CLAIM_SECONDS,
    PAUSE_AFTER_FAILURES,
    channel_send_test,
    deliver_due,
    message_enqueue,
)
from tests.services.alert_channel_support import START, add_channel, opened, webhook
from tests.support.listener import Listener

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def receivers_on_loopback(settings, monkeypatch):
    settings.ALERT_CHANNELS_ALLOW_LOOPBACK = True
    nudges = []
    monkeypatch.setattr(tasks, "alerts_deliver_nudge", lambda: nudges.append(1) or True)
    return nudges


def test_a_message_reaches_a_webhook_once_with_its_delivery_id(organization):
    with Listener(status=204) as receiver:
        channel, _secret = webhook(organization, receiver.url + "/hook")
        assert message_enqueue(message=opened(organization)) == 1
        assert message_enqueue(message=opened(organization)) == 1  # the same key again: still one delivery

        outcome = deliver_due(now=START)
        again = deliver_due(now=START + timedelta(hours=1))

    assert (outcome.delivered, again.sends) == (1, 0)
    [request] = receiver.received
    sent = AlertDelivery.objects.get(channel=channel)
    assert request.path == "/hook"
    assert request.headers["X-Dashboard-Delivery"] == str(sent.uid)
    document = json.loads(request.body)
    assert document["id"] == str(sent.uid)
    assert (document["kind"], document["organization"], document["severity"]) == (
        "opened",
        "acme",
        "critical",
    )
    assert document["subject"].startswith("12 encodings failed")
    assert (sent.delivered_at, sent.last_status, sent.attempts, sent.next_attempt_at) == (START, 204, 1, None)


def test_a_slack_channel_gets_the_subject_body_and_link_as_text(organization):
    with Listener() as receiver:
        add_channel(organization, AlertChannel.Kind.SLACK, receiver.url + "/services/T0/B0/abcd")
        message_enqueue(message=opened(organization))
        deliver_due(now=START)

    [request] = receiver.received
    text = json.loads(request.body)["text"]
    assert "*12 encodings failed: the input file could not be read (code 2020)*" in text
    assert "Check the input's URL and access rights." in text
    assert (
        "<https://dashboard.example.com/o/acme/encodings?status=ERROR&code=2020|Open in the dashboard>"
        in text
    )


def test_a_message_asked_for_in_a_transaction_that_rolls_back_is_never_sent(organization):
    with Listener() as receiver:
        webhook(organization, receiver.url)
        with pytest.raises(RuntimeError), transaction.atomic():
            message_enqueue(message=opened(organization))
            raise RuntimeError("the incident's write failed")
        deliver_due(now=START)

    assert receiver.received == []
    assert not AlertDelivery.objects.exists()


def test_a_message_goes_to_every_enabled_channel_of_its_organization_only(
    organization, django_capture_on_commit_callbacks, receivers_on_loopback
):
    from tests.factories import make_organization

    other = make_organization("globex")
    with Listener() as receiver:
        webhook(organization, receiver.url + "/one")
        add_channel(organization, AlertChannel.Kind.SLACK, receiver.url + "/two")
        off = add_channel(organization, AlertChannel.Kind.SLACK, receiver.url + "/off", name="off").channel
        AlertChannel.objects.filter(pk=off.pk).update(enabled=False)
        webhook(other, receiver.url + "/globex")
        with django_capture_on_commit_callbacks(execute=True):
            message_enqueue(message=opened(organization))
        deliver_due(now=START)

    assert sorted(request.path for request in receiver.received) == ["/one", "/two"]
    assert receivers_on_loopback == [1]  # the worker was nudged once the message was committed


def test_a_failing_channel_is_retried_with_backoff_then_paused_and_a_test_resumes_it(organization):
    with Listener(status=500, body=b"internal error") as receiver:
        channel, _secret = webhook(organization, receiver.url)
        message_enqueue(message=opened(organization))
        clock = START
        waits = []
        for _ in range(PAUSE_AFTER_FAILURES):
            assert deliver_due(now=clock).retrying == 1
            row = AlertDelivery.objects.get()
            waits.append((row.next_attempt_at - clock).total_seconds())
            assert deliver_due(now=row.next_attempt_at - timedelta(seconds=1)).sends == 0  # not due yet
            clock = row.next_attempt_at

        channel.refresh_from_db()
        assert waits == [30, 120, 600, 1800] + [3600] * 6
        assert channel.consecutive_failures == PAUSE_AFTER_FAILURES
        assert channel.paused_at == clock - timedelta(seconds=3600)
        assert deliver_due(now=clock + timedelta(days=1)).sends == 0  # paused: nothing is sent
        assert len(receiver.received) == PAUSE_AFTER_FAILURES
        row = AlertDelivery.objects.get()
        assert (row.last_status, row.last_error, row.delivered_at) == (
            500,
            "the receiver answered HTTP 500",
            None,
        )

        failed_test = channel_send_test(channel=channel, now=clock)
        assert (failed_test.ok, failed_test.status) == (False, 500)
        channel.refresh_from_db()
        assert channel.is_paused

        receiver.response = (200, {}, b"ok")
        test = channel_send_test(channel=channel, now=clock)
        assert (test.ok, test.status) == (True, 200)
        channel.refresh_from_db()
        assert (channel.paused_at, channel.consecutive_failures) == (None, 0)
        # What waited for the channel is due at once, and goes out with the next run.
        assert deliver_due(now=clock).delivered == 1

    kinds = [json.loads(request.body)["kind"] for request in receiver.received]
    assert kinds == ["opened"] * PAUSE_AFTER_FAILURES + ["test", "test", "opened"]
    log = list(AlertDelivery.objects.filter(channel=channel).order_by("pk").values_list("kind", "attempts"))
    assert log == [("opened", PAUSE_AFTER_FAILURES + 1), ("test", 1), ("test", 1)]


def test_failures_in_a_row_count_across_deliveries_and_a_success_resets_them(organization):
    with Listener(status=503) as receiver:
        channel, _secret = webhook(organization, receiver.url)
        for number in range(PAUSE_AFTER_FAILURES - 1):
            message_enqueue(message=opened(organization, key=f"incident-{number}-opened"))
        assert deliver_due(now=START).retrying == PAUSE_AFTER_FAILURES - 1
        channel.refresh_from_db()
        assert (channel.consecutive_failures, channel.is_paused) == (PAUSE_AFTER_FAILURES - 1, False)

        receiver.response = (200, {}, b"ok")
        message_enqueue(message=opened(organization, key="incident-ok-opened"))
        assert deliver_due(now=START).delivered == 1
        channel.refresh_from_db()
        assert channel.consecutive_failures == 0


def test_the_tenth_failure_in_one_run_pauses_the_channel_and_the_rest_wait(organization):
    with Listener(status=500) as receiver:
        channel, _secret = webhook(organization, receiver.url)
        for number in range(PAUSE_AFTER_FAILURES + 5):
            message_enqueue(message=opened(organization, key=f"incident-{number}-opened"))
        outcome = deliver_due(now=START, batch_size=20)

    assert (outcome.retrying, outcome.paused_channels) == (PAUSE_AFTER_FAILURES, [channel.pk])
    assert len(receiver.received) == PAUSE_AFTER_FAILURES
    waiting = AlertDelivery.objects.filter(attempts=0, next_attempt_at=START)
    assert waiting.count() == 5  # claimed after the pause: given back, their attempt not counted


def test_a_delivery_claimed_by_a_worker_that_died_is_sent_once_by_the_next_run(organization):
    with Listener() as receiver:
        webhook(organization, receiver.url)
        message_enqueue(message=opened(organization))
        # A worker claims the delivery and dies before sending: its claim holds the delivery for a while.
        [claimed] = delivery._claim(START, 10)
        assert deliver_due(now=START + timedelta(seconds=CLAIM_SECONDS - 1)).sends == 0
        outcome = deliver_due(now=START + timedelta(seconds=CLAIM_SECONDS))
        later = deliver_due(now=START + timedelta(days=1))

    assert (outcome.delivered, later.sends) == (1, 0)
    [request] = receiver.received
    assert request.headers["X-Dashboard-Delivery"] == str(claimed.uid)
    row = AlertDelivery.objects.get()
    assert (row.attempts, row.claimed_until, row.delivered_at) == (
        2,
        None,
        START + timedelta(seconds=CLAIM_SECONDS),
    )


def test_the_task_sends_what_is_due_and_clears_its_queued_mark(organization):
    from django.core.cache import cache

    with Listener() as receiver:
        webhook(organization, receiver.url)
        message_enqueue(message=opened(organization))
        cache.set(tasks.DELIVER_QUEUED_KEY, 1)
        assert tasks.alerts_deliver() == 1

    assert len(receiver.received) == 1
    assert cache.get(tasks.DELIVER_QUEUED_KEY) is None
