"""Sync through real Celery workers: a worker killed mid-sync loses nothing, and the next run finishes."""

import time
import uuid

import pytest
from django.utils import timezone

from encodings_app.models import Encoding, Message, Organization, SyncRun
from encodings_app.tasks import sync_organization
from tests.factories import make_organization
from tests.support.api_client import simulator_client
from tests.support.celery_worker import CeleryWorker
from tests.support.simulator import RunningSimulator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def wait_until(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_worker_killed_mid_sync_loses_and_duplicates_nothing():
    # Latency makes the first sync last several seconds, long enough to kill the worker inside it.
    with RunningSimulator(encodings=300, seed=5, args=["--latency-ms", "40"]) as simulator:
        tenant = simulator.accounts()["accounts"][0]["organizations"][0]
        organization = make_organization(
            "acme", api_key=simulator.api_key, api_base_url=simulator.base_url, tenant_org_id=tenant["id"]
        )
        queue = f"test-{uuid.uuid4().hex[:8]}"

        first = CeleryWorker(queue=queue)
        try:
            sync_organization.apply_async(args=[organization.pk], queue=queue)
            assert wait_until(
                lambda: Message.objects.filter(encoding__organization=organization).count() > 20
            ), first.output()[-3000:]
            first.kill()
        finally:
            first.close()
        half_done = Encoding.objects.filter(organization=organization, status_synced_at__isnull=False).count()
        assert SyncRun.objects.get().outcome == SyncRun.Outcome.RUNNING, "the run died with its worker"

        # The dead worker's lease, moved to its end (test_killed_worker.py waits for it to run out).
        Organization.objects.filter(pk=organization.pk).update(sync_lease_expires_at=timezone.now())
        with CeleryWorker(queue=queue) as second:
            sync_organization.apply_async(args=[organization.pk], queue=queue)
            finished = wait_until(
                lambda: SyncRun.objects.filter(outcome=SyncRun.Outcome.OK).exists(), timeout=120
            )
            assert finished, second.output()[-3000:]

        with simulator_client(simulator, tenant["id"]) as client:
            api_ids = {item.id for item in client.iter_encodings()}
        mirrored = list(
            Encoding.objects.filter(organization=organization).values_list("bitmovin_id", flat=True)
        )
        assert len(mirrored) == len(set(mirrored)), "no encoding stored twice"
        assert set(mirrored) == api_ids, "nothing lost"
        assert half_done < len(api_ids)
        assert not Encoding.objects.filter(organization=organization, status_synced_at__isnull=True).exists()
        runs = dict(SyncRun.objects.values_list("outcome", "error_message"))
        assert runs[SyncRun.Outcome.FAILED].startswith("interrupted")
        messages = list(Message.objects.values_list("encoding_id", "bitmovin_id"))
        assert len(messages) == len(set(messages)), "no message stored twice"
