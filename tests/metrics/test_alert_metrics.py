"""What a scrape of /metrics says about the alerting itself: the incidents open, the messages still waiting
for their channel, what became of the last hour's messages, and the channels paused after failures."""

from datetime import timedelta

import pytest
from django.utils import timezone

from encodings_app.models import AlertChannel, AlertDelivery, AlertKind, Incident, Organization
from encodings_app.models.alert_channels import DELIVERY_OUTCOME, DELIVERY_OUTCOMES
from encodings_app.services.alert_channels.targets import channel_add
from tests.factories import make_organization
from tests.metrics.conftest import scrape, scrape_text, series, value

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("metrics_on")]

WAITING = "dashboard_alert_deliveries_waiting"
OLDEST = "dashboard_alert_delivery_oldest_waiting_seconds"
LAST_HOUR = "dashboard_alert_deliveries_last_hour"
PAUSED = "dashboard_alert_channels_paused"
HOOK = "http://127.0.0.1:9/hooks/T000/B000/a-path-that-is-a-credential"


@pytest.fixture
def world(settings):
    """Acme has an e-mail channel and a signed webhook; Globex has one e-mail channel and nothing else."""
    settings.ALERT_CHANNELS_ALLOW_LOOPBACK = True
    acme, globex = make_organization("acme"), make_organization("globex")
    mail = channel_add(organization=acme, kind=AlertChannel.Kind.EMAIL, target="ops@example.com").channel
    hook = channel_add(organization=acme, kind=AlertChannel.Kind.WEBHOOK, target=HOOK, name="hook").channel
    channel_add(organization=globex, kind=AlertChannel.Kind.EMAIL, target="ops@globex.example.com")
    return acme, globex, mail, hook


def open_incident(organization: Organization, kind: str, cause: str, **fields) -> Incident:
    return Incident.objects.create(organization=organization, kind=kind, cause=cause, title=cause, **fields)


def queued(channel: AlertChannel, minutes_ago: float, **state) -> AlertDelivery:
    """A message queued for `channel` `minutes_ago`, in the state the delivery engine left it (by default
    waiting for its first send)."""
    created_at = timezone.now() - timedelta(minutes=minutes_ago)
    state.setdefault("next_attempt_at", created_at)
    return AlertDelivery.objects.create(
        channel=channel,
        message_key=f"incident-{AlertDelivery.objects.count() + 1}-opened",
        kind=AlertDelivery.Kind.OPENED,
        subject="2 encodings failed",
        body="2 encodings failed.",
        created_at=created_at,
        **state,
    )


def retrying(channel: AlertChannel, minutes_ago: float) -> AlertDelivery:
    return queued(
        channel,
        minutes_ago,
        attempts=2,
        next_attempt_at=timezone.now() + timedelta(minutes=5),
        last_status=503,
    )


def delivered(channel: AlertChannel, minutes_ago: float) -> AlertDelivery:
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return queued(channel, minutes_ago, attempts=1, next_attempt_at=None, delivered_at=at, last_status=200)


def given_up(channel: AlertChannel, minutes_ago: float) -> AlertDelivery:
    return queued(channel, minutes_ago, attempts=25, next_attempt_at=None, last_status=500)


def test_open_incidents_by_severity_every_severity_for_every_organization(world):
    acme, globex, _, _ = world
    open_incident(acme, AlertKind.SYNC, "sync:failing")
    open_incident(acme, AlertKind.STUCK_LIVE, "stuck:live")
    open_incident(acme, AlertKind.FAILED, "failed:code:2001")
    open_incident(acme, AlertKind.SPIKE, "spike", resolved_at=timezone.now())  # resolved: not counted
    open_incident(globex, AlertKind.FAILED, "failed:code:2016", resolved_at=timezone.now())

    samples = scrape()

    assert series(samples, "dashboard_open_incidents") == {
        (("organization", "acme"), ("severity", "critical")): 2,
        (("organization", "acme"), ("severity", "warning")): 1,
        (("organization", "globex"), ("severity", "critical")): 0,
        (("organization", "globex"), ("severity", "warning")): 0,
    }


def test_messages_waiting_for_their_channel_and_the_age_of_the_oldest(world):
    _, _, mail, hook = world
    queued(mail, minutes_ago=2)
    retrying(hook, minutes_ago=40)
    queued(hook, minutes_ago=180)  # older than the hour, still waiting: counted, and the oldest
    delivered(mail, minutes_ago=5)
    given_up(hook, minutes_ago=300)

    samples = scrape()

    assert value(samples, WAITING, organization="acme") == 3
    assert value(samples, OLDEST, organization="acme") == pytest.approx(180 * 60, abs=30)
    assert value(samples, WAITING, organization="globex") == 0
    assert value(samples, OLDEST, organization="globex") == 0


def test_the_last_hours_messages_by_what_became_of_them(world):
    _, _, mail, hook = world
    queued(mail, minutes_ago=1)
    retrying(hook, minutes_ago=20)
    delivered(mail, minutes_ago=10)
    delivered(hook, minutes_ago=10)
    given_up(hook, minutes_ago=59)
    delivered(mail, minutes_ago=61)  # before the hour
    queued(hook, minutes_ago=120)  # waiting, but queued before the hour

    samples = scrape()

    assert series(samples, LAST_HOUR) == {
        (("organization", "acme"), ("outcome", "waiting")): 1,
        (("organization", "acme"), ("outcome", "retrying")): 1,
        (("organization", "acme"), ("outcome", "delivered")): 2,
        (("organization", "acme"), ("outcome", "given_up")): 1,
        (("organization", "globex"), ("outcome", "waiting")): 0,
        (("organization", "globex"), ("outcome", "retrying")): 0,
        (("organization", "globex"), ("outcome", "delivered")): 0,
        (("organization", "globex"), ("outcome", "given_up")): 0,
    }


def test_enabled_channels_paused_after_failures(world):
    _, globex, mail, hook = world
    AlertChannel.objects.filter(pk__in=[mail.pk, hook.pk]).update(
        paused_at=timezone.now(), consecutive_failures=10
    )
    AlertChannel.objects.filter(pk=hook.pk).update(enabled=False)  # switched off: no longer anyone's alarm
    AlertChannel.objects.filter(organization=globex).update(consecutive_failures=3)  # failing, not paused

    samples = scrape()

    assert value(samples, PAUSED, organization="acme") == 1
    assert value(samples, PAUSED, organization="globex") == 0


def test_the_outcome_counted_is_the_one_the_delivery_log_shows(world):
    _, _, mail, hook = world
    made = [
        queued(mail, minutes_ago=1),
        retrying(mail, minutes_ago=2),
        delivered(hook, minutes_ago=3),
        given_up(hook, minutes_ago=4),
        # A test that failed: one attempt, never retried.
        queued(hook, minutes_ago=5, attempts=1, next_attempt_at=None, last_status=404),
        # Claimed by a worker for its first send: an attempt counted, the next one after the claim.
        queued(mail, minutes_ago=6, attempts=1, next_attempt_at=timezone.now() + timedelta(minutes=2)),
    ]

    column = dict(
        AlertDelivery.objects.annotate(outcome_now=DELIVERY_OUTCOME).values_list("pk", "outcome_now")
    )

    assert {delivery.pk: delivery.outcome for delivery in made} == column
    assert set(column.values()) == set(DELIVERY_OUTCOMES)


def test_no_channel_address_or_secret_is_in_a_scrape(world):
    _, _, _, hook = world
    queued(hook, minutes_ago=1)
    hook.refresh_from_db()

    text = scrape_text()

    for secret in (HOOK, hook.target_encrypted, hook.decrypt_signing_secret(), hook.signing_secret_encrypted):
        assert secret and secret not in text
    assert "ops@example.com" not in text
    assert f'{WAITING}{{organization="acme"}} 1.0' in text
