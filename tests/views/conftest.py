import uuid

import pytest
from django.test import Client

from tests.support.simulator import RunningSimulator
from tests.views.factories_pages import make_world


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # The real hasher is slow on purpose; these tests make many users and never test hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def login():
    """A client logged in as the given user."""

    def as_user(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return as_user


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
