"""Real beat and worker processes: killed, /readyz answers 503 naming both and the pages say "Sync stopped";
started again, everything returns to healthy by itself."""

import time
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client

from encodings_app.services.liveness import KEY_PREFIX, watched_processes
from tests.factories import make_member, make_organization, make_user
from tests.support.celery_worker import CeleryBeat, CeleryWorker

# A short sweep interval, so that the test takes seconds: the heartbeat follows it (PROCESS_HEARTBEAT_SECONDS
# defaults to the sweep interval) and the threshold is two and a half of them, as by default.
SWEEP_SECONDS = 2
STOPPED_SECONDS = 5
PROCESS_ENV = {"SYNC_INTERVAL_SECONDS": str(SWEEP_SECONDS), "PROCESS_STOPPED_SECONDS": str(STOPPED_SECONDS)}
ALL_QUEUES = "sync,refresh,alerts"


def wait_until(condition: Callable[[], bool], timeout: float) -> float | None:
    """Seconds until `condition` held, or None when it did not within `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.2)
    return None


def readyz(client: Client) -> tuple[int, dict]:
    response = client.get("/readyz")
    return response.status_code, response.json()


def everything_heard(client: Client) -> bool:
    status, body = readyz(client)
    return status == 200 and all(entry["seconds_since"] is not None for entry in body["processes"].values())


def stopped(client: Client) -> set[str]:
    """The processes a 503 from /readyz names as stopped."""
    status, body = readyz(client)
    return {name for name, entry in body["processes"].items() if entry["ok"] is False and status == 503}


def start_processes() -> tuple[CeleryBeat, CeleryWorker]:
    return CeleryBeat(extra_env=PROCESS_ENV), CeleryWorker(queue=ALL_QUEUES, extra_env=PROCESS_ENV)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_killed_beat_and_worker_are_reported_within_three_sweeps_and_recover_by_themselves(settings):
    settings.SYNC_INTERVAL_SECONDS = SWEEP_SECONDS
    settings.PROCESS_HEARTBEAT_SECONDS = SWEEP_SECONDS
    settings.PROCESS_STOPPED_SECONDS = STOPPED_SECONDS
    # No API key: the sweeps that beat queues find nothing to sync, and no request leaves the machine.
    organization = make_organization("acme", api_key=None)
    viewer = Client()
    viewer.force_login(make_member(organization, user=make_user("vera")))
    client = Client()
    # Forget the heartbeats tests/conftest.py recorded: only the real processes' count here.
    cache.delete_many([f"{KEY_PREFIX}{process}" for process in watched_processes()])

    beat, worker = start_processes()
    try:
        heard = wait_until(lambda: everything_heard(client), timeout=120)
        assert heard is not None, beat.output()[-2000:] + worker.output()[-2000:]
        assert "Sync stopped" not in viewer.get("/o/acme/").content.decode()

        beat.kill()
        worker.kill()
        reported = wait_until(lambda: stopped(client) == set(watched_processes()), timeout=60)
        assert reported is not None, readyz(client)
        page = viewer.get("/o/acme/").content.decode()
        assert "Sync stopped" in page and "Celery beat has not been heard from" in page
        # A figure, not an assertion: how long after the kill /readyz said so, against three sweep intervals.
        three_sweeps = 3 * SWEEP_SECONDS
        print(f"\n/readyz: 503 {reported:.1f} s after the kill (three sweep intervals: {three_sweeps} s)")
    finally:
        beat.close()
        worker.close()

    beat, worker = start_processes()
    try:
        recovered = wait_until(lambda: readyz(client)[0] == 200, timeout=120)
        assert recovered is not None, beat.output()[-2000:] + worker.output()[-2000:]
        assert "Sync stopped" not in viewer.get("/o/acme/").content.decode()
        print(f"/readyz answered 200 again {recovered:.1f} s after the restart")
    finally:
        beat.close()
        worker.close()
