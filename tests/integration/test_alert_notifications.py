"""Alerts from the simulator to a receiver, every part real but the worker: failures made at the simulator,
read by the sync or by a webhook's refresh over HTTP, evaluated and told, and delivered by the engine to a
signed-webhook receiver on 127.0.0.1 (Celery only schedules these same calls)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from encodings_app import tasks
from encodings_app.models import AlertChannel, Encoding, Incident
from encodings_app.services import refresh_outbox
from encodings_app.services.alert_channels.delivery import deliver_due
from encodings_app.services.alert_channels.targets import channel_add
from encodings_app.services.alerts import alerts_run
from encodings_app.services.sync import organization_sync
from tests.factories import make_account_admin, make_organization, make_user
from tests.services.test_webhooks import payload, sign
from tests.support.listener import Listener
from tests.support.simulator import RunningSimulator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# A code the simulator never picks by itself: every failure with it is the test's.
CODE = 2001


@pytest.fixture(autouse=True)
def local_receivers(settings, monkeypatch):
    settings.ALERT_CHANNELS_ALLOW_LOOPBACK = True
    settings.DASHBOARD_PUBLIC_URL = "https://dashboard.example.com"
    # The calls a worker would make are made by the test itself: nothing reaches a broker.
    for nudge in ("alerts_deliver_nudge", "refresh_drain_nudge"):
        monkeypatch.setattr(tasks, nudge, lambda: True)
    monkeypatch.setattr(tasks, "alerts_evaluate_nudge", lambda organization_id: True)


@pytest.fixture
def receiver():
    with Listener(status=204) as listener:
        yield listener


def messages(receiver: Listener) -> list[dict]:
    return [json.loads(request.body) for request in receiver.received]


def watched(simulator: RunningSimulator, receiver: Listener, **fields):
    tenant = simulator.accounts()["accounts"][0]["organizations"][0]
    organization = make_organization(
        "acme",
        name="Acme",
        api_base_url=simulator.base_url,
        tenant_org_id=tenant["id"],
        api_key=fields.pop("api_key", simulator.api_key),
        **fields,
    )
    channel_add(
        organization=organization,
        kind=AlertChannel.Kind.WEBHOOK,
        target=f"{receiver.url}/alerts",
        name="ops",
    )
    return organization, simulator.sdk(tenant_org_id=tenant["id"])


def sync_until(organization, done, attempts: int = 10) -> None:
    for _ in range(attempts):
        organization_sync(organization_id=organization.pk)
        if done():
            return
    raise AssertionError("the mirror did not catch up")


def evaluate_and_deliver(organization) -> None:
    organization.refresh_from_db()
    alerts_run(organization=organization)
    deliver_due(time_budget_seconds=30)


def one_organization(encodings: int, seed: int) -> RunningSimulator:
    """One account with one organization, so that every encoding is the test's."""
    return RunningSimulator(encodings=encodings, seed=seed, organizations=1, args=["--accounts", "1"])


def calm(simulator: RunningSimulator, organization, count: int) -> list[str]:
    """Every encoding finished, as the mirror then shows: nothing failed, nothing stuck. Returns their ids.
    The API's rate limits are lifted: the test syncs back to back."""
    simulator.set_rate_limits(enabled=False)
    mirror = Encoding.objects.filter(organization=organization)
    sync_until(organization, lambda: mirror.count() == count)
    ids = sorted(mirror.values_list("bitmovin_id", flat=True))
    for encoding_id in ids:
        simulator.force_state(encoding_id, "FINISHED")
    sync_until(organization, lambda: not mirror.exclude(status="FINISHED").exists())
    return ids


def test_three_hundred_failures_of_one_code_within_a_minute_are_one_notification(receiver):
    with one_organization(300, seed=7) as simulator:
        organization, _sdk = watched(simulator, receiver)
        ids = calm(simulator, organization, 300)
        evaluate_and_deliver(organization)
        assert messages(receiver) == [], "nothing has failed yet"
        for index, encoding_id in enumerate(ids):
            simulator.force_state(encoding_id, "ERROR", errorCode=CODE, agoSeconds=index % 60)

        failed = Encoding.objects.filter(organization=organization, error_code=CODE)
        sync_until(organization, lambda: failed.count() == 300)
        evaluate_and_deliver(organization)
        evaluate_and_deliver(organization)

    [message] = messages(receiver)
    incident = Incident.objects.get(organization=organization, cause=f"failed:code:{CODE}")
    assert message["kind"] == "opened"
    assert message["subject"].startswith("Acme: 300 encodings failed: ")
    assert message["subject"].endswith(f"(error {CODE})")
    assert "What to do:" in message["text"]
    [encodings_line] = [line for line in message["text"].splitlines() if line.startswith("These encodings: ")]
    assert encodings_line.startswith("These encodings: https://dashboard.example.com/o/acme/encodings/?")
    assert f"code={CODE}" in encodings_line and "failed_from=" in encodings_line
    assert message["link"] == f"https://dashboard.example.com/o/acme/incidents/{incident.pk}/"


def test_a_failure_seen_by_a_webhook_and_by_the_sync_is_one_notification(receiver):
    with one_organization(4, seed=11) as simulator:
        organization, _sdk = watched(simulator, receiver)
        secret = organization.ensure_webhook_secret()
        organization.save()
        encoding_id, *_others = calm(simulator, organization, 4)
        simulator.force_state(encoding_id, "RUNNING", progress=40)
        organization_sync(organization_id=organization.pk)
        evaluate_and_deliver(organization)
        assert messages(receiver) == [], "nothing has failed yet"
        simulator.force_state(encoding_id, "ERROR", errorCode=CODE)

        # The webhook first: its refresh reads the encoding, the evaluation tells.
        body = payload(event_id="evt-failed", encoding_id=encoding_id, event_type="ENCODING_ERROR")
        response = Client().post(
            "/webhooks/bitmovin/acme/",
            data=body,
            content_type="application/json",
            HTTP_BITMOVIN_SIGNATURE=sign(secret, body),
        )
        assert response.status_code == 200
        refresh_outbox.refresh_drain(time_budget_seconds=30)
        evaluate_and_deliver(organization)
        # Then the sync sees the same failure.
        organization_sync(organization_id=organization.pk)
        evaluate_and_deliver(organization)

    assert Encoding.objects.get(organization=organization, bitmovin_id=encoding_id).error_code == CODE
    assert [message["kind"] for message in messages(receiver)] == ["opened"]
    assert messages(receiver)[0]["subject"].startswith("Acme: 1 encoding failed: ")


def test_a_rejected_key_is_a_broken_sync_told_once_and_resolved_when_a_good_key_is_saved(receiver):
    with one_organization(3, seed=13) as simulator:
        organization, _sdk = watched(simulator, receiver, api_key="not-the-key-" + "0" * 24)
        admin = make_account_admin(organization.connection, make_user("ana"))  # who may replace its key

        organization_sync(organization_id=organization.pk)
        evaluate_and_deliver(organization)
        evaluate_and_deliver(organization)
        opened = messages(receiver)

        # The admin saves the right key in the settings page; the next sync succeeds.
        client = Client()
        client.force_login(admin)
        organization.refresh_from_db()
        response = client.post(
            "/o/acme/settings/",
            {
                "name": organization.name,
                "colour": organization.colour,
                "api_base_url": organization.connection.api_base_url,
                "tenant_org_id": organization.tenant_org_id,
                "api_key": simulator.api_key,
                "sync_enabled": "on",
            },
        )
        assert response.status_code in (200, 302)
        organization.refresh_from_db()
        assert not organization.key_rejected, response.content.decode()[:2000]
        organization_sync(organization_id=organization.pk)
        evaluate_and_deliver(organization)

    assert [message["kind"] for message in opened] == ["opened"]
    assert opened[0]["subject"] == "Acme: Sync broken: Bitmovin rejects the API key"
    assert opened[0]["severity"] == "critical"
    assert [message["kind"] for message in messages(receiver)] == ["opened", "resolved"]
    assert messages(receiver)[1]["subject"] == "Resolved: Acme: Sync broken: Bitmovin rejects the API key"
    assert not Incident.objects.filter(organization=organization, resolved_at__isnull=True).exists()
