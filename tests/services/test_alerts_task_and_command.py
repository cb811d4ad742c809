"""Beat's task and send_alerts run the same evaluation over every organization."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import CommandError, call_command

from encodings_app import tasks
from encodings_app.models import AlertChannel, Incident
from encodings_app.services import refresh_outbox
from encodings_app.services.alert_channels.targets import channel_add
from tests.factories import failed_encodings, make_organization
from tests.support.listener import Listener

pytestmark = pytest.mark.django_db


def send_alerts(*args) -> str:
    out = StringIO()
    call_command("send_alerts", *args, stdout=out)
    return out.getvalue()


def test_beat_runs_the_evaluation_on_the_alerts_queue():
    scheduled = settings.CELERY_BEAT_SCHEDULE["alerts-evaluate"]
    assert scheduled["task"] == "alerts.evaluate"
    assert scheduled["schedule"] == float(settings.ALERTS_EVALUATE_SECONDS)
    route = tasks.alerts_evaluate.app.amqp.router.route({}, "alerts.evaluate")
    assert route["queue"].name == "alerts"


def test_the_task_evaluates_every_organization(organization):
    other = make_organization("other")
    failed_encodings(organization, 2, code=2001)
    failed_encodings(other, 3, code=2016)

    assert tasks.alerts_evaluate() == 2
    assert tasks.alerts_evaluate() == 0
    assert sorted(Incident.objects.values_list("organization__slug", "cause")) == [
        ("acme", "failed:code:2001"),
        ("other", "failed:code:2016"),
    ]


def test_send_alerts_prints_what_it_opened_updated_and_resolved(organization):
    failed_encodings(organization, 2, code=2001)

    first = send_alerts()
    failed_encodings(organization, 1, code=2001)
    second = send_alerts("--organization", "acme")

    assert (
        "acme: opened 2 encodings failed: Input configuration not usable (error 2001) [failed:code:2001]"
        in first
    )
    assert "acme: told opened 2 encodings failed" in first
    assert (
        "Evaluated 1 organization: 1 opened, 0 updated, 0 resolved; 1 message queued (0 sends to channels)."
        in first
    )
    assert "acme: updated 3 encodings failed" in second
    # Told once; the count's growth waits for the cause's window.
    assert "told" not in second
    assert "No alert channel is set up: incidents are recorded and shown, not sent." in second


def test_send_alerts_refuses_an_unknown_organization(organization):
    with pytest.raises(CommandError, match="no organization with slug 'nope'"):
        send_alerts("--organization", "nope")


def test_send_alerts_delivers_what_it_told(organization, settings, monkeypatch):
    settings.ALERT_CHANNELS_ALLOW_LOOPBACK = True
    monkeypatch.setattr(tasks, "alerts_deliver_nudge", lambda: True)
    failed_encodings(organization, 2, code=2001)
    with Listener(status=204) as receiver:
        channel_add(
            organization=organization,
            kind=AlertChannel.Kind.WEBHOOK,
            target=f"{receiver.url}/hook",
            name="ops",
        )
        printed = send_alerts()

    assert "1 message queued (1 send to channels)." in printed
    assert "Delivered 1, 0 to retry, 0 given up." in printed
    assert len(receiver.received) == 1


def test_a_sync_run_nudges_its_organizations_evaluation(organization, monkeypatch):
    nudged = []
    monkeypatch.setattr(tasks.sync, "organization_sync", lambda **kwargs: None)
    monkeypatch.setattr(tasks, "alerts_evaluate_nudge", nudged.append)

    tasks.sync_organization(organization.pk)

    assert nudged == [organization.pk]


def test_a_refresh_drain_nudges_the_evaluation_of_each_organization_it_read(organization, monkeypatch):
    other = make_organization("other")
    nudged = []
    monkeypatch.setattr(
        tasks.refresh_outbox,
        "refresh_drain",
        lambda **kwargs: refresh_outbox.DrainOutcome(
            refreshed=3, read_organizations={other.pk, organization.pk}
        ),
    )
    monkeypatch.setattr(tasks, "alerts_evaluate_nudge", nudged.append)

    assert tasks.refresh_drain() == 3

    assert nudged == sorted([organization.pk, other.pk])


def test_the_organizations_evaluation_tells_what_it_finds(organization, monkeypatch):
    monkeypatch.setattr(tasks, "alerts_deliver_nudge", lambda: True)
    failed_encodings(organization, 2, code=2001)

    assert tasks.alerts_evaluate_organization(organization.pk) == 1
    assert tasks.alerts_evaluate_organization(organization.pk) == 0
    assert tasks.alerts_evaluate_organization(10**9) == 0, "an organization deleted meanwhile"
    assert Incident.objects.get().notified_at is not None


def test_the_organizations_evaluation_is_queued_once_while_one_waits(organization, monkeypatch):
    sent = []
    monkeypatch.setattr(
        tasks.alerts_evaluate_organization, "apply_async", lambda **options: sent.append(options["args"])
    )
    cache.delete(tasks.EVALUATE_QUEUED_KEY.format(organization.pk))

    assert [tasks.alerts_evaluate_nudge(organization.pk) for _ in range(3)] == [True, False, False]
    assert sent == [(organization.pk,)]
