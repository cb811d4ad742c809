"""Webhooks end to end: registered in the simulator, delivered over HTTP, verified, refreshing the mirror."""

import time

import pytest
from django.urls import reverse

from dashboard.celery import app as celery_app
from encodings_app.models import Encoding, WebhookDelivery
from encodings_app.services.organizations import webhooks_register
from tests.factories import make_organization
from tests.support.simulator import RunningSimulator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def eager_tasks():
    # The refresh runs in the receiving thread, so the test can watch the mirror change.
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_simulator_delivery_is_verified_and_refreshes_the_encoding(live_server, eager_tasks):
    with RunningSimulator(encodings=40, seed=21) as simulator:
        tenant = simulator.accounts()["accounts"][0]["organizations"][0]
        organization = make_organization(
            "acme", api_key=simulator.api_key, api_base_url=simulator.base_url, tenant_org_id=tenant["id"]
        )
        callback = live_server.url + reverse("bitmovin-webhook", args=["acme"])

        first = webhooks_register(organization=organization, callback_url=callback)
        again = webhooks_register(organization=organization, callback_url=callback)

        assert first.error is None and not first.problem
        assert sorted(first.registered) == ["error", "finished", "status-changed", "transfer-error"]
        assert sorted(again.already) == ["error", "finished", "status-changed", "transfer-error"]
        assert again.registered == [], "registering twice creates nothing twice"

        running = next(
            item
            for item in simulator.sdk(tenant_org_id=tenant["id"]).encoding.encodings.list().items
            if item.status.value in ("RUNNING", "QUEUED")
        )
        simulator.force_state(running.id, "FINISHED")
        # A refresh stores the encoding, then its status Task: wait for both.
        refreshed = Encoding.objects.filter(
            bitmovin_id=running.id, status="FINISHED", status_synced_at__isnull=False
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not refreshed.exists():
            time.sleep(0.1)

        deliveries = WebhookDelivery.objects.filter(organization=organization)
        assert deliveries.exists()
        assert set(deliveries.values_list("verdict", flat=True)) <= {
            WebhookDelivery.Verdict.VALID,
            WebhookDelivery.Verdict.DUPLICATE,
        }
        assert deliveries.filter(
            encoding_bitmovin_id=running.id, verdict=WebhookDelivery.Verdict.VALID
        ).exists()
        refreshed = Encoding.objects.get(organization=organization, bitmovin_id=running.id)
        assert refreshed.status == "FINISHED"
        assert refreshed.status_synced_at is not None
