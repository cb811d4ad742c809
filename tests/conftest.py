import os

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from dashboard.envconfig import redact_url
from tests.factories import World, make_user, make_world

# The simulator and the tests' listeners live on 127.0.0.1, where the dashboard sends API keys only when
# loopback is explicitly allowed. Allowed here for this process (whose settings are already loaded) and,
# through the environment, for every worker, web server and command a test starts.
os.environ["BITMOVIN_ALLOW_LOOPBACK"] = "1"
settings.BITMOVIN_ALLOW_LOOPBACK = True


def pytest_report_header(config):
    """Say which real parts this run uses, so a CI log shows PostgreSQL vs SQLite at a glance."""
    database = settings.DATABASES["default"]
    cache = settings.CACHES["default"]
    return [
        f"database: {connection.vendor} ({database['ENGINE']}, NAME={database['NAME']})",
        f"cache: {cache['BACKEND']} {redact_url(str(cache.get('LOCATION', '')))}",
        f"celery broker: {redact_url(settings.CELERY_BROKER_URL)}",
    ]


@pytest.fixture(scope="session", autouse=True)
def fast_passwords():
    """The real hasher is slow on purpose; the tests make many users and none of them tests hashing (sign-in
    and lockout tests use passwords, not a particular hasher). Users are created and checked in this process
    only: no worker or web server a test starts signs anyone in."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def fresh_cache():
    """Every test starts with an empty shared cache: limits and "already queued" marks are keyed by ids that
    the next test (or the next run) reuses, and must not carry over."""
    from django.core.cache import cache

    from encodings_app.services.liveness import heartbeat_record, watched_processes
    from encodings_app.services.schedule import schedule_heartbeat_record

    cache.clear()
    # A healthy deployment: beat and a worker ran a moment ago (tests/services/test_schedule.py stops them),
    # and beat and a worker of every queue were heard from (tests/services/test_liveness.py stops them).
    schedule_heartbeat_record()
    heartbeat_record(processes=watched_processes(), machine="tests")


@pytest.fixture
def held_clock(monkeypatch):
    """Django's clock held still at the test's start. A polled fragment's ETag changes with the minute
    (encodings_app/selectors/etags.py): a test that expects a 304 for the tag it was just given must not see
    a minute turn in between, which on a busy machine it may."""
    held = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: held)
    return held


class RequestedRefreshes:
    """The refreshes waiting in the outbox, as (organization id, Bitmovin id) pairs in the order they were
    first asked for; read from the database whenever it is compared, counted or listed."""

    def pairs(self) -> list[tuple[int, str]]:
        from encodings_app.models import PendingRefresh

        return list(PendingRefresh.objects.order_by("pk").values_list("organization_id", "bitmovin_id"))

    def __eq__(self, other) -> bool:
        return self.pairs() == list(other)

    def __len__(self) -> int:
        return len(self.pairs())

    def __iter__(self):
        return iter(self.pairs())

    def __repr__(self) -> str:
        return repr(self.pairs())


@pytest.fixture
def enqueued(db, monkeypatch) -> RequestedRefreshes:
    """The refreshes a request asked for, as they wait in the outbox; the drain is not nudged (nothing
    reaches the broker), and no drain runs unless the test runs one."""
    from encodings_app import tasks

    monkeypatch.setattr(tasks, "refresh_drain_nudge", lambda: False)
    return RequestedRefreshes()


@pytest.fixture
def user(db):
    return make_user("olivia")


@pytest.fixture
def world(db) -> World:
    """Acme with an admin, an operator and a viewer; Globex with its own admin, an outsider to Acme."""
    return make_world()


@pytest.fixture
def login():
    """A client logged in as the given user."""

    def as_user(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return as_user


# Tests that never touch the database, cache or broker under test (the simulator, the Bitmovin client), or
# that start their own processes with settings of their own: CI's second run, on the embedded parts, would
# repeat them exactly, so it leaves them out (`-m "not same_on_every_part"`); the first run has them.
SAME_ON_EVERY_PART = (
    "tests/simulator/",
    "tests/bitmovin/",
    "tests/devtools/",
    "tests/test_packaging.py",
    "tests/test_lock_file.py",
    "tests/test_procfile.py",
    "tests/test_settings.py",
    "tests/test_production_parts.py",
    "tests/test_gunicorn.py",
    "tests/integration/test_hung_dependencies.py",
    "tests/test_broker_guard.py",
    "tests/integration/test_broker_restarts.py",
    "tests/integration/test_killed_worker.py",
    # Starts the demo's own processes on its own embedded parts, whatever the run's.
    "tests/test_run_stack.py",
    # What the browser is shown (its accessibility, its layout, the screenshots) does not depend on the
    # database; every route's answers on each database are tested by tests/views/test_url_access_walk.py.
    "tests/e2e/test_every_page.py",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith(SAME_ON_EVERY_PART):
            item.add_marker(pytest.mark.same_on_every_part)
    # The slow tests first, the rest in their order (the sort is stable): pytest-xdist hands tests out in this
    # order, and a test of minutes handed out last would keep one worker busy long after the others are done.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
