"""Parts of its own for each pytest-xdist worker, so that workers running side by side never share state.

pytest-django gives each worker its own test database (test_<name>_gw0, ...). What it cannot see is set
here, in the worker's environment, from PYTEST_XDIST_WORKER ("gw0", "gw1", ...):

- Redis: worker k moves every Redis URL (REDIS_URL, CACHE_URL, CELERY_BROKER_URL) 2k databases on, so with
  the cache on /0 and the broker on /1, gw0 keeps 0 and 1, gw1 uses 2 and 3, and so on. The tests clear the
  cache before each test and count what waits in the broker: another worker's keys would break both.
- The embedded parts (SQLite, the filesystem broker, the file cache) live under DASHBOARD_VAR_DIR, which
  becomes var/xdist-gw0 (or DASHBOARD_VAR_DIR/xdist-gw0 when it is set), one folder per worker.

The web servers, workers and commands a test starts inherit this environment, so they use the same parts.

Registered with `-p` in pyproject.toml's addopts: settings must see these variables before they load, and
pytest-django loads them in pytest_load_initial_conftests, before any conftest.py is imported. A wrapper of
that hook runs before every plugin's own (pytest-django's and pytest-env's included).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dashboard.envconfig import redis_database, redis_url_moved

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REDIS_VARIABLES = ("REDIS_URL", "CACHE_URL", "CELERY_BROKER_URL")
# The cache's database and the broker's.
REDIS_DATABASES_PER_WORKER = 2
# Redis's default `databases` setting: SELECT past it fails.
REDIS_DATABASES = 16


def worker_environment(environ: dict[str, str], worker: str) -> dict[str, str]:
    """The variables that worker `worker` ("gw<k>") changes, with their values for it."""
    number = int(worker.removeprefix("gw"))
    changed = {}
    for variable in REDIS_VARIABLES:
        url = environ.get(variable)
        database = redis_database(url) if url else None
        if database is None:
            continue
        moved = database + REDIS_DATABASES_PER_WORKER * number
        if moved >= REDIS_DATABASES:
            raise pytest.UsageError(
                f"xdist worker {worker} would use Redis database {moved} for {variable} (database {database} "
                f"moved {REDIS_DATABASES_PER_WORKER} per worker), past Redis's default {REDIS_DATABASES}: "
                "run fewer workers (-n) or start from a lower database"
            )
        changed[variable] = redis_url_moved(url, moved - database)
    var_dir = Path(environ.get("DASHBOARD_VAR_DIR") or PROJECT_ROOT / "var")
    changed["DASHBOARD_VAR_DIR"] = str(var_dir / f"xdist-{worker}")
    return changed


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        os.environ.update(worker_environment(os.environ, worker))
    return (yield)


def pytest_configure(config):
    """In the controller, fail at once when the last worker's parts are out of range, rather than in each
    worker as it starts (xdist restarts crashed workers many times over)."""
    workers = getattr(config.option, "numprocesses", None)
    if workers and not os.environ.get("PYTEST_XDIST_WORKER"):
        worker_environment(os.environ, f"gw{workers - 1}")
