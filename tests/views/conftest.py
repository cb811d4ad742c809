import uuid

import pytest

from tests.support.simulator import RunningSimulator

KEY_POOL_SIZE = 40


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
