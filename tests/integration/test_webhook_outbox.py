"""Webhooks are never lost to a broker outage, with every part real: the web server, a Celery worker (and
beat), a Redis broker of the test's own that is down and then back, and the simulator over HTTP. How often
the encoding was read is counted by the simulator: only a refresh asks for one encoding by its id."""

from __future__ import annotations

import json
import os
import time
import urllib.request

import pytest
from django.core.cache import cache

from encodings_app.models import Encoding, PendingRefresh, WebhookDelivery
from encodings_app.tasks import DRAIN_QUEUED_KEY
from tests.factories import make_organization
from tests.integration.test_sync_worker import wait_until
from tests.services.test_webhooks import payload, sign
from tests.support.celery_worker import CeleryBeat, CeleryWorker
from tests.support.redis_server import RedisServer
from tests.support.simulator import RunningSimulator
from tests.support.web_server import DashboardServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

Verdict = WebhookDelivery.Verdict
ONE_ENCODING_READ = ("api", "GET", "/encoding/encodings/{encoding_id}")


def reads_of_one_encoding(simulator: RunningSimulator) -> int:
    return sum(
        row["count"]
        for row in simulator.stats()["endpoints"]
        if (row["area"], row["method"], row["endpoint"]) == ONE_ENCODING_READ
    )


@pytest.fixture
def acme():
    """Acme at the simulator, with a signing secret, and the id of one of its encodings there."""
    with RunningSimulator(encodings=20, seed=31) as simulator:
        tenant = simulator.accounts()["accounts"][0]["organizations"][0]
        organization = make_organization(
            "acme", api_key=simulator.api_key, api_base_url=simulator.base_url, tenant_org_id=tenant["id"]
        )
        secret = organization.ensure_webhook_secret()
        organization.save()
        encoding_id = simulator.sdk(tenant_org_id=tenant["id"]).encoding.encodings.list().items[0].id
        simulator.reset_stats()
        yield simulator, organization, secret, encoding_id


@pytest.fixture
def broker():
    """A broker that is down until the test starts it."""
    server = RedisServer()
    yield server
    server.close()


@pytest.fixture
def web(broker):
    server = DashboardServer(env={**os.environ, "CELERY_BROKER_URL": broker.url()}).start()
    yield server
    server.close()


def deliver(web: DashboardServer, secret: str, body: bytes) -> tuple[int, dict, float]:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{web.url}/webhooks/bitmovin/acme/",
        data=body,
        headers={"Content-Type": "application/json", "Bitmovin-Signature": sign(secret, body)},
        method="POST",
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        return response.status, json.loads(response.read()), time.perf_counter() - started


def test_a_webhook_while_the_broker_is_down_then_resent_refreshes_the_encoding_exactly_once(
    acme, broker, web
):
    simulator, organization, secret, encoding_id = acme
    body = payload(event_id="evt-outage", encoding_id=encoding_id, event_type="ENCODING_FINISHED")

    status, answer, seconds = deliver(web, secret, body)

    assert (status, answer["status"]) == (200, "accepted")
    first = WebhookDelivery.objects.get()
    assert (first.verdict, first.triggered) == (Verdict.VALID, f"refresh of encoding {encoding_id}")
    assert PendingRefresh.objects.get().pk == first.pending_refresh_id
    print(f"\nwith the broker down, the delivery was answered in {seconds * 1000:.0f} ms")

    broker.start()
    # The failed nudge paused nudges for a moment; Bitmovin's resend comes later than that.
    assert wait_until(lambda: cache.get(DRAIN_QUEUED_KEY) is None, timeout=30)
    status, _, seconds = deliver(web, secret, body)

    assert status == 200
    resent = WebhookDelivery.objects.latest("pk")
    assert resent.verdict == Verdict.DUPLICATE
    assert resent.triggered.endswith(f"and its refresh of encoding {encoding_id} is queued")
    print(f"with the broker back, the resend was answered in {seconds * 1000:.0f} ms")
    with CeleryWorker(queue="refresh", broker_url=broker.url()) as worker:
        drained = worker.wait_for(lambda: not PendingRefresh.objects.exists(), timeout=90)
        worker.stop()
        log = worker.output()
    assert drained, log[-3000:]
    assert "refresh.drain" in log

    assert reads_of_one_encoding(simulator) == 1
    first.refresh_from_db()
    assert first.refreshed_at is not None
    assert Encoding.objects.filter(
        organization=organization, bitmovin_id=encoding_id, status_synced_at__isnull=False
    ).exists()

    # Sent once more after its refresh ran: a duplicate that asks for nothing.
    assert deliver(web, secret, body)[0] == 200
    assert WebhookDelivery.objects.latest("pk").verdict == Verdict.DUPLICATE
    assert not PendingRefresh.objects.exists()
    assert reads_of_one_encoding(simulator) == 1


def test_a_webhook_while_the_broker_is_down_is_refreshed_by_itself_once_the_broker_is_back(acme, broker, web):
    simulator, organization, secret, encoding_id = acme
    body = payload(event_id="evt-unanswered", encoding_id=encoding_id)
    assert deliver(web, secret, body)[0] == 200

    broker.start()
    with (
        CeleryBeat(broker_url=broker.url()) as beat,
        CeleryWorker(queue="refresh", broker_url=broker.url()) as worker,
    ):
        drained = worker.wait_for(lambda: not PendingRefresh.objects.exists(), timeout=90)
        worker.stop()
        beat.stop()
        log = worker.output() + beat.output()
    assert drained, log[-5000:]

    assert reads_of_one_encoding(simulator) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.verdict == Verdict.VALID and delivery.refreshed_at is not None
    assert Encoding.objects.filter(organization=organization, bitmovin_id=encoding_id).exists()
