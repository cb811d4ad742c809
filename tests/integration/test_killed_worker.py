"""A worker killed in the middle of a sync: once its lease runs out, the sweep plans the organization again
and another worker syncs it, with nobody clearing anything by hand (tests/integration/test_sync_worker.py
checks what such a run leaves behind)."""

import pytest

from encodings_app.models import Encoding, Message, SyncRun
from encodings_app.services import lease
from tests.factories import make_organization
from tests.support.api_client import simulator_client
from tests.support.celery_worker import CeleryBeat, CeleryWorker
from tests.support.polling import wait_until
from tests.support.redis_server import RedisServer
from tests.support.simulator import RunningSimulator

# Beat, a worker for the sweep and two for syncs on a Redis of the test's own: the same on every part.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.timeout(600)]


def test_a_killed_workers_organization_is_synced_by_another_once_its_lease_runs_out():
    with (
        RedisServer() as redis_server,
        # Latency makes the first sync last long enough to kill the worker inside it.
        RunningSimulator(
            encodings=300, seed=5, args=["--latency-ms", "40", "--rate-limits", "off"]
        ) as simulator,
    ):
        tenant = simulator.accounts()["accounts"][0]["organizations"][0]
        organization = make_organization(
            "acme", api_key=simulator.api_key, api_base_url=simulator.base_url, tenant_org_id=tenant["id"]
        )
        env = {
            "REDIS_URL": redis_server.url(0),
            "CACHE_URL": redis_server.url(0),
            "CELERY_BROKER_URL": redis_server.url(1),
            "SYNC_INTERVAL_SECONDS": "2",
        }
        planning = [CeleryBeat(extra_env=env)]
        planning.append(CeleryWorker(queue="refresh", extra_env=env))
        first = CeleryWorker(queue="sync", extra_env=env)
        try:
            assert first.wait_for(
                lambda: Message.objects.filter(encoding__organization=organization).count() > 20, timeout=180
            ), first.output()[-3000:]
            first.kill()
            assert SyncRun.objects.get().outcome == SyncRun.Outcome.RUNNING, "the run died with its worker"

            with CeleryWorker(queue="sync", extra_env=env) as second:
                # Its lease, a sweep and the worker's start; the queued mark alone used to hold it for
                # CELERY_TASK_TIME_LIMIT and four intervals more.
                finished = wait_until(
                    lambda: SyncRun.objects.filter(outcome=SyncRun.Outcome.OK).exists(),
                    timeout=2 * lease.minimum_duration_seconds() + 30,
                )
                output = second.output()
        finally:
            first.close()
            for process in planning:
                process.close()

        assert finished, output[-3000:]
        with simulator_client(simulator, tenant["id"]) as client:
            api_ids = {item.id for item in client.iter_encodings()}
    mirrored = list(Encoding.objects.filter(organization=organization).values_list("bitmovin_id", flat=True))
    assert sorted(mirrored) == sorted(api_ids), "everything mirrored, nothing twice"
    runs = dict(SyncRun.objects.values_list("outcome", "error_message"))
    assert runs[SyncRun.Outcome.FAILED].startswith("interrupted"), "the dead run, found by the next one"
