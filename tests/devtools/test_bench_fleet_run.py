"""bench_fleet end to end at a tiny size: four organizations behind two keys, time thirty times faster, its
own stack of real processes (simulator, gunicorn, both workers, beat, Redis, a PostgreSQL database)."""

from __future__ import annotations

import io
import json
import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.slow


def admin_database_url() -> str:
    """The tests' PostgreSQL server (else the local one, as the bench's default), where the bench creates
    and drops a database of its own."""
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    if not parts.scheme.startswith("postgres"):
        return "postgres://postgres@127.0.0.1:5432/postgres"
    return urlunsplit(parts._replace(path="/postgres"))


def test_bench_fleet_prints_per_key_calls_runs_and_staleness_as_its_last_line(worker_id):
    out = io.StringIO()
    call_command(
        "bench_fleet",
        *("--organizations", "4", "--keys", "2", "--encodings-per-org", "40", "--active-per-org", "2"),
        *("--minutes", "2", "--speed", "30", "--webhooks", "on", "--warm-up-minutes", "3"),
        *("--database-url", admin_database_url(), "--database-name", f"bench_fleet_test_{worker_id}"),
        stdout=out,
    )

    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert (summary["organizations"], summary["keys"], summary["speed"]) == (4, 2, 30)
    run = summary["webhooks_on"]
    assert run["warm_up"]["runs"].get("ok", 0) >= 4, "every organization walked once"
    steady = run["steady"]
    assert set(steady["per_key"]) == {"1", "2"}
    assert all(key["organizations"] == 2 for key in steady["per_key"].values())
    assert steady["answered_429"] == 0 and steady["rate_limited_runs"] == 0, "far below every limit"
    changes = steady["staleness_s"]["all"]
    assert changes["count"] >= 1 and changes["not_seen"] == 0, "each change placed reached the mirror"
