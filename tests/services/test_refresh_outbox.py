"""The refresh outbox: requests collapse to one row per encoding, the drain reads each once, a request made
during a read gets a read of its own, failures back off and are given up in the end, and a resent webhook is
a duplicate only when its refresh has run or still waits."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from encodings_app.bitmovin import RateLimitedError, ServiceUnavailableError
from encodings_app.bitmovin.errors import AuthenticationError
from encodings_app.models import PendingRefresh, WebhookDelivery
from encodings_app.services import refresh_outbox
from encodings_app.services.refresh_outbox import refresh_drain, refresh_request
from encodings_app.tasks import legacy_refresh_encoding
from tests.factories import make_organization
from tests.services.test_webhooks import payload, post, sign

pytestmark = pytest.mark.django_db

Verdict = WebhookDelivery.Verdict


class Reads:
    """Stands in for services/sync.encoding_sync: records each read, and raises what it is told to."""

    def __init__(self, *failures: Exception) -> None:
        self.done: list[tuple[int, str]] = []
        self.failures = list(failures)
        self.during_read = None

    def __call__(self, *, organization_id: int, bitmovin_id: str) -> None:
        self.done.append((organization_id, bitmovin_id))
        if self.during_read is not None:
            self.during_read()
        if self.failures:
            raise self.failures.pop(0)


def drain(reads: Reads, **options):
    return refresh_drain(time_budget_seconds=options.pop("time_budget_seconds", 30), read=reads, **options)


def due_now(**filters) -> None:
    PendingRefresh.objects.filter(**filters).update(next_attempt_at=timezone.now())


# Asking --------------------------------------------------------------------------------------------------


def test_a_hundred_requests_for_one_encoding_leave_one_row_and_one_read(organization, enqueued):
    answers = [refresh_request(organization_id=organization.pk, bitmovin_id="enc-1") for _ in range(100)]

    assert [answer.created for answer in answers] == [True] + [False] * 99
    assert len({answer.pending_id for answer in answers}) == 1
    assert PendingRefresh.objects.get().requests == 100
    reads = Reads()
    assert drain(reads).refreshed == 1
    assert reads.done == [(organization.pk, "enc-1")]
    assert enqueued == []


@pytest.mark.slow
def test_five_hundred_deliveries_for_twenty_encodings_leave_twenty_rows(
    client, organization, secret, enqueued, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RATE_LIMIT_PER_MINUTE = 10_000
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(500):
            body = payload(event_id=f"evt-{number}", encoding_id=f"enc-{number % 20}")
            assert post(client, "acme", body, sign(secret, body)).status_code == 200

    assert PendingRefresh.objects.count() == 20
    assert set(PendingRefresh.objects.values_list("requests", flat=True)) == {25}
    assert WebhookDelivery.objects.filter(verdict=Verdict.VALID, pending_refresh__isnull=False).count() == 500
    reads = Reads()
    assert drain(reads).refreshed == 20
    assert sorted(reads.done) == sorted((organization.pk, f"enc-{number}") for number in range(20))
    assert not WebhookDelivery.objects.filter(refreshed_at__isnull=True).exists()


def test_the_pending_rows_of_a_deleted_organization_go_with_it(organization, enqueued):
    refresh_request(organization_id=organization.pk, bitmovin_id="enc-1")
    organization.delete()
    assert enqueued == []


def test_a_refresh_message_queued_before_the_outbox_joins_it(organization, enqueued):
    legacy_refresh_encoding.run(organization.pk, "enc-7")
    legacy_refresh_encoding.run(organization.pk, "enc-7")
    legacy_refresh_encoding.run(organization.pk + 1000, "enc-7")  # an organization deleted meanwhile
    legacy_refresh_encoding.run(organization.pk, "not/an/id")
    assert enqueued == [(organization.pk, "enc-7")]


# Draining ------------------------------------------------------------------------------------------------


def test_a_request_made_during_the_read_gets_a_read_of_its_own(organization, secret, client, enqueued):
    body = payload(event_id="evt-1", encoding_id="enc-1")
    post(client, "acme", body, sign(secret, body))
    first = WebhookDelivery.objects.get()
    late = payload(event_id="evt-2", encoding_id="enc-1")
    reads = Reads()
    reads.during_read = lambda: post(client, "acme", late, sign(secret, late))

    outcome = drain(reads)

    # The second read was due at once and ran in the same drain; its request then saw nothing new.
    assert (outcome.read_again, outcome.refreshed) == (1, 1)
    assert len(reads.done) == 2
    assert enqueued == []
    assert WebhookDelivery.objects.filter(refreshed_at__isnull=False).count() == 2
    assert first.pk in WebhookDelivery.objects.filter(refreshed_at__isnull=False).values_list("pk", flat=True)


def test_a_row_asked_for_again_during_the_read_stays_due_at_once_with_no_failure_counted(
    organization, enqueued, monkeypatch
):
    refresh_request(organization_id=organization.pk, bitmovin_id="enc-1")
    clock = [0.0]
    monkeypatch.setattr(refresh_outbox, "monotonic", lambda: clock[0])
    reads = Reads()

    def asked_again_while_reading():
        refresh_request(organization_id=organization.pk, bitmovin_id="enc-1")
        clock[0] += 10  # and the run's budget is spent: what is left waits for the next run

    reads.during_read = asked_again_while_reading
    outcome = drain(reads, time_budget_seconds=5)

    assert (outcome.read_again, outcome.refreshed, outcome.complete) == (1, 0, False)
    pending = PendingRefresh.objects.get()
    assert (pending.requests, pending.attempts, pending.last_error) == (2, 0, "")
    assert pending.next_attempt_at <= timezone.now()


def test_a_transient_failure_backs_off_exponentially_with_jitter_and_keeps_the_request(
    organization, enqueued
):
    refresh_request(organization_id=organization.pk, bitmovin_id="enc-1")
    unavailable = ServiceUnavailableError("Service unavailable", http_status=503, request_id="req-1")
    reads = Reads(unavailable, unavailable)

    before = timezone.now()
    assert drain(reads).retrying == 1
    pending = PendingRefresh.objects.get()
    assert pending.attempts == 1
    assert "req-1" in pending.last_error
    assert before + timedelta(seconds=1) <= pending.next_attempt_at <= timezone.now() + timedelta(seconds=2)

    assert drain(reads).reads == 0, "not due yet"
    due_now()
    before = timezone.now()
    drain(reads)
    pending.refresh_from_db()
    assert pending.attempts == 2
    assert before + timedelta(seconds=2) <= pending.next_attempt_at <= timezone.now() + timedelta(seconds=4)

    due_now()
    assert drain(reads).refreshed == 1
    assert not PendingRefresh.objects.exists()


def test_after_the_last_attempt_the_refresh_is_given_up_in_the_log_and_on_its_deliveries(
    organization, secret, client, enqueued, caplog
):
    body = payload(event_id="evt-9", encoding_id="enc-9")
    post(client, "acme", body, sign(secret, body))
    PendingRefresh.objects.update(attempts=refresh_outbox.MAX_ATTEMPTS - 1)
    reads = Reads(ServiceUnavailableError("Service unavailable", http_status=503))

    with caplog.at_level(logging.WARNING, logger="encodings_app.services.refresh_outbox"):
        assert drain(reads).dropped == 1

    assert not PendingRefresh.objects.exists()
    assert "given up" in caplog.text and "enc-9" in caplog.text
    delivery = WebhookDelivery.objects.get()
    assert delivery.triggered.startswith("refresh of encoding enc-9, given up:")
    assert delivery.refreshed_at is None and delivery.pending_refresh_id is None

    # Its refresh never ran: the same notification sent again is not swallowed as a duplicate.
    assert post(client, "acme", body, sign(secret, body)).status_code == 200
    resent = WebhookDelivery.objects.latest("pk")
    assert resent.verdict == Verdict.VALID
    assert "its refresh never ran" in resent.triggered
    assert enqueued == [(organization.pk, "enc-9")]


def test_an_error_no_retry_can_fix_drops_the_refresh_at_once(organization, enqueued):
    refresh_request(organization_id=organization.pk, bitmovin_id="enc-1")
    reads = Reads(AuthenticationError("Unauthorized", http_status=401))
    assert drain(reads).dropped == 1
    assert enqueued == []


def test_a_fault_of_the_dashboard_keeps_the_request_for_later(organization, enqueued, caplog):
    refresh_request(organization_id=organization.pk, bitmovin_id="enc-1")
    reads = Reads(RuntimeError("a bug with data in its message"))
    with caplog.at_level(logging.ERROR):
        assert drain(reads).retrying == 1
    pending = PendingRefresh.objects.get()
    assert pending.last_error == "RuntimeError in the dashboard"
    assert "a bug with data" not in pending.last_error


@pytest.mark.parametrize(
    ("retry_after", "waited"), [(30.0, 30.0), (3600.0, refresh_outbox.BACKOFF_MAX_SECONDS)]
)
def test_a_rate_limit_pauses_the_organizations_rows_until_retry_after_without_counting_a_failure(
    organization, enqueued, retry_after, waited
):
    other = make_organization("globex")
    for bitmovin_id in ("enc-1", "enc-2"):
        refresh_request(organization_id=organization.pk, bitmovin_id=bitmovin_id)
    refresh_request(organization_id=other.pk, bitmovin_id="enc-3")
    reads = Reads(RateLimitedError("Too many requests", http_status=429, retry_after=retry_after))

    before = timezone.now()
    outcome = drain(reads)

    assert reads.done == [(organization.pk, "enc-1"), (other.pk, "enc-3")], "enc-2 waits unread"
    assert outcome.refreshed == 1
    waiting = PendingRefresh.objects.order_by("bitmovin_id")
    assert [pending.bitmovin_id for pending in waiting] == ["enc-1", "enc-2"]
    for pending in waiting:
        assert pending.attempts == 0
        assert before + timedelta(seconds=waited) <= pending.next_attempt_at
        assert pending.next_attempt_at <= timezone.now() + timedelta(seconds=waited)


def test_a_run_stops_reading_when_its_budget_is_spent_and_gives_back_what_it_claimed(
    organization, enqueued, monkeypatch
):
    for number in range(8):
        refresh_request(organization_id=organization.pk, bitmovin_id=f"enc-{number}")
    clock = [0.0]
    monkeypatch.setattr(refresh_outbox, "monotonic", lambda: clock[0])
    reads = Reads()
    reads.during_read = lambda: clock.__setitem__(0, clock[0] + 1.0)  # each read takes a second

    outcome = drain(reads, time_budget_seconds=2.5, batch_size=5)

    assert (outcome.refreshed, outcome.complete) == (3, False)
    assert PendingRefresh.objects.count() == 5
    assert set(PendingRefresh.objects.values_list("attempts", flat=True)) == {0}
    assert not PendingRefresh.objects.filter(next_attempt_at__gt=timezone.now()).exists(), "all due again"


def test_a_row_a_worker_is_reading_is_not_read_twice_but_is_read_again_once_that_worker_is_gone(
    organization, enqueued
):
    refresh_request(organization_id=organization.pk, bitmovin_id="enc-1")
    (claimed,) = refresh_outbox._claim(10)  # a worker that took the row and then died

    reads = Reads()
    assert drain(reads).reads == 0
    assert PendingRefresh.objects.get().next_attempt_at >= timezone.now() + timedelta(
        seconds=refresh_outbox.CLAIM_SECONDS - 5
    )
    due_now()  # its claim ran out
    assert drain(reads).refreshed == 1
    assert reads.done == [(organization.pk, "enc-1")]
    assert claimed.attempts == 1


# Duplicates ----------------------------------------------------------------------------------------------


def test_a_resend_while_the_refresh_waits_is_a_duplicate_that_joins_it(
    organization, secret, client, enqueued
):
    body = payload(event_id="evt-1")
    post(client, "acme", body, sign(secret, body))
    assert post(client, "acme", body, sign(secret, body)).status_code == 200

    first, resent = WebhookDelivery.objects.order_by("pk")
    assert resent.verdict == Verdict.DUPLICATE
    assert resent.triggered == (
        f"nothing new: the same notification arrived before (delivery #{first.pk}) "
        "and its refresh of encoding enc-42 is queued"
    )
    assert PendingRefresh.objects.get().requests == 1, "a resend announces nothing new"


def test_a_resend_after_the_refresh_ran_is_a_duplicate(organization, secret, client, enqueued):
    body = payload(event_id="evt-1")
    post(client, "acme", body, sign(secret, body))
    drain(Reads())
    first = WebhookDelivery.objects.get()
    assert first.refreshed_at is not None

    assert post(client, "acme", body, sign(secret, body)).status_code == 200

    resent = WebhookDelivery.objects.latest("pk")
    assert resent.verdict == Verdict.DUPLICATE
    assert resent.triggered == f"nothing: the same notification arrived before (delivery #{first.pk})"
    assert enqueued == []


def test_a_resend_of_a_delivery_from_before_the_outbox_asks_for_a_refresh(
    organization, secret, client, enqueued
):
    body = payload(event_id="evt-old")
    old = WebhookDelivery.objects.create(
        organization=organization, verdict=Verdict.VALID, event_id="evt-old", encoding_bitmovin_id="enc-42"
    )
    post(client, "acme", body, sign(secret, body))
    resent = WebhookDelivery.objects.latest("pk")
    assert resent.verdict == Verdict.VALID
    assert resent.triggered == (
        f"refresh of encoding enc-42 (the same notification arrived before, delivery #{old.pk}, "
        "and its refresh never ran)"
    )
    assert enqueued == [(organization.pk, "enc-42")]
