"""bench_load end to end, small: a few screens and operators for a few seconds against the stack it starts
(gunicorn, PostgreSQL, its own Redis, the simulator, the workers and beat), and the JSON line it prints."""

from __future__ import annotations

import io
import json
import os
import socket
import sys

import pytest
from django.conf import settings
from django.core.management import call_command


def _server_and_name() -> tuple[str, str]:
    """The PostgreSQL server the tests use (the benchmark's default otherwise), and a database name of
    this run's own there, so that runs side by side never share one."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("postgresql"):
        user, host, port = database["USER"] or "postgres", database["HOST"] or "127.0.0.1", database["PORT"]
        server = f"postgres://{user}@{host}:{port or 5432}/postgres"
        name = f"{database['NAME'].removeprefix('test_')}_load"
    else:
        server = "postgres://postgres@127.0.0.1:5432/postgres"
        name = f"bench_load_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    return server, name


@pytest.mark.slow
def test_bench_load_plays_screens_and_operators_and_reports_requests_without_errors():
    server, name = _server_and_name()
    out = io.StringIO()

    call_command(
        "bench_load",
        *("--walls", "4", "--operators", "2", "--minutes", "0.1"),
        *("--organizations", "2", "--encodings", "60", "--links", "3"),
        # Short intervals, so that a few seconds hold several polls and pages.
        *("--wall-poll-seconds", "2", "--think-seconds", "1", "3"),
        *("--database-url", server, "--database-name", name),
        stdout=out,
    )

    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert result["benchmark"] == "bench_load"
    assert result["errors"] == 0, result["error_kinds"]
    assert result["requests"] > 0
    assert result["requests_per_second"] > 0
    wall_polls = result["pages"]["wall poll"]
    assert wall_polls["requests"] == result["wall_polls"] > 0
    assert 0 < wall_polls["p50_ms"] <= wall_polls["p95_ms"] <= wall_polls["p99_ms"]
    assert 0 <= result["wall_polls_304_share"] <= 1
    # Operators were signed in and browsing: some page of theirs was requested in the window.
    assert set(result["pages"]) - {"wall poll", "wall open", "wall page"}
    # The application's own timing of the same polls, read from the web server's metric files.
    assert result["server_time"]["wall-display"]["requests"] > 0
    assert result["cpu_s_per_1000_requests"] > 0
    assert result["crashed_parts"] == {}


def test_the_load_generator_stays_out_of_the_test_process():
    """locust patches the standard library for gevent when imported: it runs in a process of its own
    (devtools/load_runner.py), and its pytest plugin is switched off (pyproject.toml)."""
    assert "locust" not in sys.modules
    # gevent itself may be imported (sentry-sdk looks for it when installed); what must not happen is its
    # patching of the standard library, which locust's import does.
    assert socket.socket.__module__ == "socket"
    monkey = sys.modules.get("gevent.monkey")
    assert monkey is None or not monkey.is_anything_patched()
