import uuid
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from encodings_app.models import Encoding
from encodings_app.services import sync
from tests.support.api_client import point_at_simulator
from tests.support.simulator import RunningSimulator

# One key per test that points an organization at the simulator (sim_key or the access walk's), for the whole
# session: 43 tests take one when tests/views runs as a whole, and a spent pool fails them all at setup.
KEY_POOL_SIZE = 100


@pytest.fixture
def clock(monkeypatch):
    """Django's clock, held still at 20 s past a minute and moved on by the test: a polled fragment's tag
    changes with the minute (selectors/etags.py)."""

    class Clock:
        now = timezone.now().replace(second=20, microsecond=0)

        def advance(self, seconds: float) -> None:
            self.now += timedelta(seconds=seconds)

    held = Clock()
    monkeypatch.setattr(timezone, "now", lambda: held.now)
    return held


@pytest.fixture(scope="session")
def simulator():
    """One Bitmovin API simulator for the page tests, with keys of their own: the dashboard's per-key request
    budget lives in the shared cache, so each test takes a fresh key (see sim_key) and no test, nor another
    run, spends another's budget."""
    run = uuid.uuid4().hex[:12]
    pool = [f"pages-{run}-{index}" for index in range(KEY_POOL_SIZE)]
    with RunningSimulator(
        encodings=60, seed=5, api_key=f"pages-{run}", args=["--rate-limits", "off", "--api-key", *pool]
    ) as running:
        running.key_pool = iter(pool)
        yield running


@pytest.fixture
def sim_key(simulator) -> str:
    return next(simulator.key_pool)


@pytest.fixture(scope="session")
def tenant(simulator):
    """The first account's root organization, as the simulator describes it."""
    return simulator.accounts()["accounts"][0]["organizations"][0]


@pytest.fixture
def acme(world, simulator, tenant, sim_key):
    return point_at_simulator(world.acme, simulator, tenant["id"], sim_key)


@pytest.fixture
def in_api(simulator, tenant, acme):
    """Create an encoding in the simulator, put it in a state, and mirror the organization."""

    def create(status: str, *, kind: str = "VOD", name: str = "Action target", **options) -> Encoding:
        response = requests.post(
            f"{simulator.base_url}/encoding/encodings",
            json={"name": name, "type": kind, "cloudRegion": "AWS_EU_WEST_1"},
            headers={"X-Api-Key": simulator.api_key, "X-Tenant-Org-Id": tenant["id"]},
            timeout=30,
        )
        response.raise_for_status()
        encoding_id = response.json()["data"]["result"]["id"]
        if status != "CREATED":
            simulator.force_state(encoding_id, status, **options)
        run = sync.organization_sync(organization_id=acme.pk)
        assert run is not None and run.outcome == "ok", run and run.error_message
        return Encoding.objects.get(organization=acme, bitmovin_id=encoding_id)

    return create
