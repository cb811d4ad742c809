"""The parts of bench_fleet: its stack's sped-up settings and seeding, and the arithmetic that turns what it
read into per key calls, waits and staleness in the API's own minutes."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from devtools.fault_stack import StackError, free_port
from devtools.fleet_measures import (
    LIST,
    STATUS,
    Probe,
    calls_per_key,
    longest_waits,
    percentiles,
    staleness,
    sweep_seconds,
    waits_after_first_sync,
)
from devtools.fleet_stack import FleetStack

ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def stack_of():
    made = []

    def make(**options) -> FleetStack:
        arguments = {"keys": 2, "organizations": 6, "speed": 5, "encodings": 60, "webhooks": True}
        stack = FleetStack(admin_database_url=ADMIN, log=print, **{**arguments, **options})
        stack.simulator = SimpleNamespace(
            base_url="http://127.0.0.1:9999/v1", generated_keys=["k-one", "k-two"]
        )
        made.append(stack)
        return stack

    yield make
    for stack in made:
        shutil.rmtree(stack.folder, ignore_errors=True)


def test_the_stack_runs_the_apis_minute_and_the_schedule_faster_alike(stack_of):
    env = stack_of(speed=5).env()
    assert env["BITMOVIN_RATE_WINDOW_SECONDS"] == "12"
    assert (env["SYNC_INTERVAL_SECONDS"], env["SYNC_SAFETY_NET_SECONDS"], env["SYNC_SWEEP_SECONDS"]) == (
        "6",
        "60",
        "1",
    )
    assert env["FULL_SYNC_INTERVAL_SECONDS"] == str(6 * 3600 // 5)
    assert env["WEBHOOK_RATE_LIMIT_PER_MINUTE"] == "1500"
    assert env["DATABASE_URL"].endswith("/bench_faults") and "5432" in env["DATABASE_URL"], "no proxy"


def test_the_simulator_has_one_account_and_key_per_share_of_organizations(stack_of):
    arguments = stack_of(keys=2, organizations=6, speed=5).simulator_arguments()
    pairs = dict(zip(arguments[::2], arguments[1::2], strict=True))
    assert (pairs["--accounts"], pairs["--organizations"], pairs["--rate-limit-window"]) == ("2", "3", "12")
    assert "--api-key" not in pairs, "no key reaches every organization: each account's key is its budget"


def test_each_key_seeds_its_own_tenants_and_webhooks_follow_the_mode(stack_of):
    with_webhooks, without = stack_of(webhooks=True), stack_of(webhooks=False)
    assert with_webhooks.seed_arguments("k-two")[3] == "k-two"
    assert "--webhook-base" in with_webhooks.seed_arguments("k-two")
    assert "--webhook-base" not in without.seed_arguments("k-two")


def test_history_tasks_taken_as_read_bound_each_runs_status_reads(stack_of):
    assert stack_of(history_tasks_read=True).env()["SYNC_MAX_STATUS_CALLS"] == "50"
    assert "SYNC_MAX_STATUS_CALLS" not in stack_of(history_tasks_read=False).env()


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"speed": 4}, "speed"),
        ({"keys": 4, "organizations": 6}, "evenly"),
        ({"keys": 3, "organizations": 3}, "two per key"),
    ],
)
def test_a_stack_that_cannot_be_sped_up_or_shared_out_is_refused(stack_of, options, problem):
    with pytest.raises(StackError, match=problem):
        stack_of(**options)


def test_ports_come_from_the_range_given_and_each_once():
    first = free_port()
    stack = FleetStack(
        admin_database_url=ADMIN,
        log=print,
        keys=1,
        organizations=2,
        speed=5,
        encodings=10,
        ports=range(first, first + 20),
    )
    try:
        taken = {stack.redis_port, stack.web_port, stack.free_port()}
        assert len(taken) == 3 and all(first <= port < first + 20 for port in taken)
    finally:
        shutil.rmtree(stack.folder, ignore_errors=True)


def test_calls_per_key_are_counted_per_api_minute_against_the_limits():
    usage = [
        {"key": "k-one", "endpoint": LIST, "limit": 60, "allowed": 480, "refused": 0, "peakPerWindow": 52},
        {
            "key": "k-one",
            "endpoint": STATUS,
            "limit": 6000,
            "allowed": 900,
            "refused": 2,
            "peakPerWindow": 120,
        },
        {"key": "elsewhere", "endpoint": LIST, "limit": 60, "allowed": 5, "refused": 0, "peakPerWindow": 5},
    ]
    found = calls_per_key(usage, key_numbers={"k-one": 1, "k-two": 2}, minutes=10)
    assert found[1]["list"] == {
        "limit_per_min": 60,
        "mean_per_min": 48.0,
        "peak_per_min": 52,
        "answered_429": 0,
    }
    assert found[1]["status"]["answered_429"] == 2 and found[1]["status"]["mean_per_min"] == 90.0
    assert found[2]["list"]["mean_per_min"] == 0.0, "a key that made no call made none"
    assert set(found) == {1, 2}


def test_the_longest_wait_counts_the_edges_and_an_organization_never_synced():
    since = datetime(2026, 1, 1, tzinfo=UTC)
    until = since + timedelta(seconds=100)
    starts = [(1, since + timedelta(seconds=10)), (1, since + timedelta(seconds=70)), (3, since)]
    waits = longest_waits(starts, [1, 2, 3], since=since, until=until)
    assert waits == [60.0, 100.0, 100.0]


def test_staleness_is_in_api_seconds_by_kind_with_the_changes_never_seen():
    probes = [
        Probe("status", "a", 1, placed_at=10.0, wanted_status="FINISHED", seen_at=12.0),
        Probe("new", "b", 1, placed_at=10.0, wanted_status=None, seen_at=11.0),
        Probe("new", "c", 2, placed_at=10.0, wanted_status=None),
    ]
    found = staleness(probes, speed=5)
    assert (found["status"]["p50"], found["status"]["not_seen"]) == (10.0, 0)
    assert (found["new"]["max"], found["new"]["not_seen"]) == (5.0, 1)
    assert found["all"]["count"] == 2


def test_a_probe_is_seen_when_the_mirror_has_its_row_or_the_status_it_was_forced_to():
    forced = Probe("status", "a", 1, placed_at=0.0, wanted_status="FINISHED")
    new = Probe("new", "b", 1, placed_at=0.0, wanted_status=None)
    assert not forced.seen_in("RUNNING") and forced.seen_in("FINISHED") and not forced.seen_in(None)
    assert new.seen_in("QUEUED") and not new.seen_in(None)


def test_percentiles_take_the_nearest_rank():
    assert percentiles(range(1, 101)) == {"p50": 50, "p95": 95, "max": 100, "count": 100}
    assert percentiles([])["p50"] is None


def test_sweep_times_are_read_from_the_workers_log():
    lines = [
        "INFO celery.app.trace [task_id=x] Task sync.sweep[5dbc5243-1e34] succeeded in 0.0421s: 3",
        "INFO celery.app.trace [task_id=y] Task sync.organization[f3fec26e] succeeded in 22.4s: None",
        "INFO celery.app.trace [task_id=z] Task sync.sweep[aa] succeeded in 1.5s: 0",
    ]
    assert sweep_seconds(lines) == [0.0421, 1.5]


def test_the_wait_after_a_first_sync_runs_to_the_second_or_to_the_end_of_the_warm_up():
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    at = [t0 + timedelta(seconds=s) for s in range(0, 200, 10)]
    runs = [(1, at[0], at[1]), (1, at[5], at[6]), (2, at[2], at[3]), (3, at[4], None)]
    assert waits_after_first_sync(runs, until=at[10]) == [40.0, 70.0], "a run still going is no first sync"
