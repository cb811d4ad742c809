"""Beat and the workers are watched through their own heartbeats: which one stopped, on a controlled clock."""

import logging
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from dashboard.celery import app as celery_app
from dashboard.heartbeats import HeartbeatScheduler, _Recorder
from encodings_app.services import liveness
from encodings_app.services.liveness import (
    BEAT,
    heartbeat_record,
    liveness_state,
    process_state_on,
    process_states,
    processes_for_sync,
    watched_processes,
    worker_process,
)

pytestmark = pytest.mark.django_db

THRESHOLD = 12


@pytest.fixture(autouse=True)
def threshold(settings):
    settings.PROCESS_HEARTBEAT_SECONDS = 5
    settings.PROCESS_STOPPED_SECONDS = THRESHOLD


def by_name(now) -> dict:
    return {state.process: state for state in process_states(now)}


def test_every_queue_has_its_own_worker_watched_beside_beat():
    assert watched_processes() == ("beat", "worker:sync", "worker:refresh", "worker:alerts")
    assert list(by_name(timezone.now())) == list(watched_processes())


def test_a_process_is_alive_up_to_the_threshold_and_stopped_after_it():
    start = timezone.now()
    heartbeat_record(processes=[BEAT], machine="m1", now=start)

    alive = by_name(start + timedelta(seconds=THRESHOLD))[BEAT]
    assert not alive.stopped and alive.seconds_since == THRESHOLD and alive.heard_at is not None

    stopped = by_name(start + timedelta(seconds=THRESHOLD + 1))[BEAT]
    assert stopped.stopped and stopped.seconds_since == THRESHOLD + 1


def test_each_queue_is_judged_on_its_own():
    now = timezone.now()
    heartbeat_record(processes=[worker_process("sync")], machine="m2", now=now - timedelta(minutes=2))
    heartbeat_record(processes=watched_processes(), machine="m1", now=now)
    # Any machine's heartbeat keeps the kind alive: a second sync worker that died is not "sync stopped".
    assert not any(state.stopped for state in process_states(now))

    cache.clear()
    heartbeat_record(processes=[BEAT, worker_process("refresh")], machine="m1", now=now)
    heartbeat_record(processes=[worker_process("sync")], machine="m1", now=now - timedelta(minutes=2))
    stopped = {state.process for state in liveness_state(now).stopped}
    assert (
        worker_process("sync") in stopped and BEAT not in stopped and worker_process("refresh") not in stopped
    )


def test_a_fresh_deployment_gets_the_threshold_before_anything_is_called_stopped():
    cache.clear()
    start = timezone.now()
    assert not any(state.stopped for state in process_states(start)), "the watch starts now"
    assert not any(state.stopped for state in process_states(start + timedelta(seconds=THRESHOLD)))
    later = process_states(start + timedelta(seconds=THRESHOLD + 5))
    assert all(state.stopped and state.heard_at is None for state in later)
    assert {state.seconds_since for state in later} == {THRESHOLD + 5}


def test_one_machines_process_is_judged_apart_from_its_kind():
    now = timezone.now()
    heartbeat_record(processes=[worker_process("sync")], machine="hung-host", now=now - timedelta(minutes=1))
    heartbeat_record(processes=[worker_process("sync")], machine="alive-host", now=now)
    assert not process_state_on(worker_process("sync"), "alive-host", now).stopped
    assert process_state_on(worker_process("sync"), "hung-host", now).stopped
    assert not by_name(now)[worker_process("sync")].stopped, "the queue still has a worker"


def test_a_machine_whose_process_never_recorded_gets_the_threshold_too():
    start = timezone.now()
    assert not process_state_on(BEAT, "new-host", start).stopped
    assert process_state_on(BEAT, "new-host", start + timedelta(seconds=THRESHOLD + 1)).stopped


def test_sync_needs_beat_and_the_workers_of_the_sweeps_and_the_syncs_queues():
    assert processes_for_sync() == {"beat", "worker:refresh", "worker:sync"}


@pytest.mark.parametrize(
    ("stopped", "sync_stopped"),
    [("beat", True), ("worker:sync", True), ("worker:refresh", True), ("worker:alerts", False)],
)
def test_what_stopping_each_process_means_for_the_sync(stopped, sync_stopped):
    now = timezone.now()
    heartbeat_record(processes=watched_processes(), machine="m1", now=now)
    heartbeat_record(processes=[stopped], machine="m1", now=now - timedelta(minutes=3))
    state = liveness_state(now)
    assert [process.process for process in state.stopped] == [stopped]
    assert state.sync_stopped is sync_stopped
    assert not state.ok


def test_a_late_schedule_stops_the_sync_although_every_process_is_alive(settings):
    settings.SCHEDULE_LATE_SECONDS = 60
    heartbeat_record(processes=watched_processes(), machine="m1", now=timezone.now() + timedelta(minutes=5))
    state = liveness_state(timezone.now() + timedelta(minutes=5))
    assert not state.stopped and state.schedule.late
    assert state.sync_stopped and not state.ok


def test_the_pages_read_nothing_stopped_when_the_cache_cannot_be_read_and_stop_asking_it_a_while(
    monkeypatch, caplog
):
    monkeypatch.setattr(liveness, "_unreadable_until", 0.0)
    asked = []

    def unreachable(keys):
        asked.append(keys)
        raise ConnectionError("redis://:secret@cache:6379 unreachable")

    monkeypatch.setattr(liveness.cache, "get_many", unreachable)
    assert liveness.liveness_for_pages() is None
    assert liveness.sync_stopped_now() is False
    assert len(asked) == 1, "the second read of the same page does not wait for the cache again"
    assert "unreachable" in caplog.text

    monkeypatch.setattr(liveness, "_unreadable_until", 0.0)  # the backoff has passed
    monkeypatch.undo()
    assert liveness.liveness_for_pages() is not None


def scheduler_sending_nothing(monkeypatch) -> tuple[HeartbeatScheduler, list[str]]:
    """Beat's scheduler as beat runs it, with the entries it sends kept in a list instead of the broker."""
    scheduler = HeartbeatScheduler(app=celery_app)
    sent = []
    monkeypatch.setattr(scheduler, "apply_entry", lambda entry, producer=None: sent.append(entry.name))
    return scheduler, sent


def test_beats_scheduler_records_its_heartbeat_at_most_once_per_period(settings, monkeypatch):
    settings.PROCESS_HEARTBEAT_SECONDS = 5
    cache.clear()
    scheduler, _ = scheduler_sending_nothing(monkeypatch)
    delay = scheduler.tick()
    assert by_name(timezone.now())[BEAT].heard_at is not None
    assert 0 <= delay <= 5, "beat wakes up for its next heartbeat even when no task is due before it"

    cache.delete(f"{liveness.KEY_PREFIX}{BEAT}")
    scheduler.tick()
    assert cache.get(f"{liveness.KEY_PREFIX}{BEAT}") is None, "not again within the period"


def test_a_started_beat_sends_its_frequent_entries_at_once_and_the_hourly_prune_a_period_later(monkeypatch):
    scheduler, sent = scheduler_sending_nothing(monkeypatch)
    for _ in range(len(scheduler.schedule)):  # each tick sends at most one due entry
        scheduler.tick()
    assert sorted(sent) == [
        "alerts-deliver",
        "alerts-evaluate",
        "bulk-resume",
        "refresh-drain",
        "schedule-heartbeat",
        "sync-sweep",
        "usage-sync",
    ]
    assert scheduler.schedule["retention-prune"].is_due().is_due is False


def test_a_heartbeat_the_cache_refuses_is_logged_once_and_never_raised(monkeypatch, caplog):
    recorder = _Recorder([worker_process("sync")])

    def refused(**kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(liveness, "heartbeat_record", refused)
    with caplog.at_level(logging.INFO, logger="dashboard.heartbeats"):
        recorder.record()
        recorder.record()
        monkeypatch.undo()
        recorder.record()
    messages = [record.getMessage() for record in caplog.records if record.name == "dashboard.heartbeats"]
    assert messages == [
        "heartbeat of worker:sync not recorded: cache down",
        "heartbeat of worker:sync recorded again",
    ]
    assert not by_name(timezone.now())[worker_process("sync")].stopped
