"""Redis (cache and broker) restarted five times under working processes, while the simulator's webhooks
flow: the workers and beat stay up, the sync keeps going, and the mirror ends equal to the API.

Every process here runs on a Redis of the test's own: the test is the same on every part (tests/conftest.py)
and runs in CI's run on PostgreSQL.
"""

import os
from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from encodings_app.models import Encoding, Organization, SyncRun
from encodings_app.services.organizations import webhooks_register
from tests.factories import make_organization
from tests.support.api_client import simulator_client
from tests.support.celery_worker import ProcfileProcess
from tests.support.polling import wait_until
from tests.support.redis_server import RedisServer
from tests.support.simulator import RunningSimulator
from tests.support.web_server import DashboardServer

# Seven processes on a small shared machine: more time than the suite's default allows, never needed when
# the processes keep up.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.timeout(600)]

RESTARTS = 5
# Generous: the machine is shared and the processes reconnect with a growing pause; nothing here is timed.
DEADLINE = 180.0


def process_env(redis_server: RedisServer) -> dict[str, str]:
    return {
        # Cache and broker on the one server that restarts, as REDIS_URL alone sets them up.
        "REDIS_URL": redis_server.url(0),
        "CACHE_URL": redis_server.url(0),
        "CELERY_BROKER_URL": redis_server.url(1),
        "SYNC_INTERVAL_SECONDS": "2",
        # Room for a sync every few seconds: the budget is not what this test is about.
        "BITMOVIN_KEY_LIMIT_PER_MINUTE": "600",
    }


def mirror_and_api(organization: Organization, simulator: RunningSimulator, tenant_id: str):
    with simulator_client(simulator, tenant_id) as client:
        api = {item.id: str(item.status) for item in client.iter_encodings()}
    mirror = dict(
        Encoding.objects.filter(organization=organization, deleted_at__isnull=True).values_list(
            "bitmovin_id", "status"
        )
    )
    return mirror, api


def synced_ok_since(organization: Organization, moment: datetime) -> bool:
    return SyncRun.objects.filter(
        organization=organization, outcome=SyncRun.Outcome.OK, started_at__gt=moment
    ).exists()


def test_workers_and_beat_survive_five_redis_restarts_and_the_mirror_loses_nothing():
    with (
        RedisServer() as redis_server,
        # Latency keeps a sync in flight (an unacknowledged acks_late task) long enough to restart under it;
        # new encodings arrive and move through their lifecycle, so webhooks keep coming.
        RunningSimulator(
            encodings=60,
            seed=11,
            speed=30,
            arrival_rate=60,
            args=["--latency-ms", "30", "--rate-limits", "off"],
        ) as simulator,
    ):
        tenant = simulator.accounts()["accounts"][0]["organizations"][0]
        organization = make_organization(
            "acme", api_key=simulator.api_key, api_base_url=simulator.base_url, tenant_org_id=tenant["id"]
        )
        started = timezone.now()
        env = process_env(redis_server)
        web = DashboardServer(env={**os.environ, **env}).start()
        # As the Procfile runs them (the remote-control mailbox on), with two pool
        # processes per worker, its default on a two-core machine: with one task running, a worker still
        # waits on its queue for the next one, and the crash of the issue needed both.
        processes = {
            name: ProcfileProcess(
                name, extra_options=[] if name == "beat" else ["--concurrency", "2"], extra_env=env
            )
            for name in ("sync", "refresh", "beat")
        }
        try:
            callback = web.url + reverse("bitmovin-webhook", args=[organization.slug])
            registered = webhooks_register(organization=organization, callback_url=callback)
            assert registered.error is None and not registered.problem

            assert wait_until(lambda: synced_ok_since(organization, started), timeout=DEADLINE), logs(
                processes
            )
            for number in range(RESTARTS):
                # Under a sync in flight when one comes soon, so that the sync worker holds an unacknowledged
                # task when Redis goes (the crash of the issue needed one).
                wait_until(lambda: sync_running(organization), timeout=30, every=0.05)
                redis_server.restart(hard=number % 2 == 0, down_for=1.0)
                restarted_at = timezone.now()
                assert wait_until(
                    lambda since=restarted_at: synced_ok_since(organization, since) or exited(processes),
                    timeout=DEADLINE,
                ), f"no successful sync after restart {number + 1}"
                assert not exited(processes), (
                    f"exited after restart {number + 1}: {exited(processes)}\n{logs(processes)}"
                )
            accepted_by_then = len(simulator.deliveries(outcome="DELIVERED"))

            # The world holds still: no more arrivals, every encoding run to its end (and announced).
            simulator.set_arrival_rate(0)
            simulator.advance(7 * 24 * 3600)
            converged = wait_until(
                lambda: same(*mirror_and_api(organization, simulator, tenant["id"])),
                timeout=DEADLINE,
                every=1,
            )
            accepted_in_all = len(simulator.deliveries(outcome="DELIVERED"))
            alive = {name: process.process.poll() is None for name, process in processes.items()}
            crashed = [
                name for name, process in processes.items() if "Unrecoverable error" in process.output()
            ]
            output = logs(processes)
        finally:
            for process in processes.values():
                process.close()
            web.close()

        assert converged, difference(*mirror_and_api(organization, simulator, tenant["id"]))
    assert alive == dict.fromkeys(processes, True), output
    assert crashed == [], output
    assert redis_server.restarts == RESTARTS
    assert accepted_by_then > 0, "webhooks came in while Redis restarted"
    assert accepted_in_all > accepted_by_then, "and after"


def exited(processes: dict[str, ProcfileProcess]) -> list[str]:
    return [name for name, process in processes.items() if process.process.poll() is not None]


def sync_running(organization: Organization) -> bool:
    return SyncRun.objects.filter(organization=organization, outcome=SyncRun.Outcome.RUNNING).exists()


def same(mirror: dict, api: dict) -> bool:
    return mirror == api


def difference(mirror: dict, api: dict) -> str:
    missing = sorted(set(api) - set(mirror))
    extra = sorted(set(mirror) - set(api))
    wrong = sorted(key for key in set(api) & set(mirror) if api[key] != mirror[key])
    return f"not mirrored: {missing[:5]} ({len(missing)}), not at the API: {extra[:5]} ({len(extra)}), " + (
        f"another status: {[(key, mirror[key], api[key]) for key in wrong[:5]]} ({len(wrong)})"
    )


def logs(processes: dict) -> str:
    return "\n".join(f"--- {name}\n{process.output()[-4000:]}" for name, process in processes.items())
