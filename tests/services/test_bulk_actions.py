"""Bulk actions: planning a selection (what will happen per status), creating the job, and its run against
the simulator over HTTP: each encoding's call is sent at most once, whoever runs the job and however often."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from encodings_app.models import (
    AuditEvent,
    BulkItem,
    BulkJob,
    Encoding,
    EncodingStatus,
    Membership,
    PendingRefresh,
    Role,
)
from encodings_app.services import bulk_actions, sync
from encodings_app.services.bulk_actions import BulkSelectionError, bulk_job_create, bulk_job_run, bulk_plan
from tests.factories import make_encoding, running_encoding
from tests.support.api_client import point_at_simulator
from tests.support.simulator import RunningSimulator

State = BulkItem.State


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """Runs are called by the tests; nothing is queued."""
    from encodings_app import tasks

    queued: list[int] = []
    monkeypatch.setattr(tasks, "bulk_job_enqueue", lambda job_id, countdown=None: queued.append(job_id))
    monkeypatch.setattr(tasks, "refresh_drain_nudge", lambda: False)
    return queued


def test_the_plan_says_per_status_what_will_happen_and_what_is_left_alone(world):
    for _ in range(2):
        running_encoding(world.acme)
    make_encoding(world.acme, status=EncodingStatus.QUEUED, progress=0)
    finished = make_encoding(world.acme, status=EncodingStatus.FINISHED)
    ids = list(world.acme.encodings.values_list("bitmovin_id", flat=True))

    plan = bulk_plan(organization=world.acme, action="stop", ids=ids)

    assert plan.summary == (
        "1 queued and 2 running will be stopped; 1 finished cannot be stopped and is left alone."
    )
    assert [encoding.pk for encoding in plan.left_alone] == [finished.pk]
    assert len(plan.offered) == 3


def test_a_reprioritization_names_the_priority(world):
    make_encoding(world.acme, status=EncodingStatus.QUEUED, progress=0)
    plan = bulk_plan(
        organization=world.acme, action="reprioritize", arguments={"priority": 80}, filter_query=""
    )
    assert plan.summary == "1 queued will be reprioritized (priority 80)."


def test_chosen_ids_of_another_organization_are_not_planned(world):
    mine = running_encoding(world.acme)
    theirs = running_encoding(world.globex)

    plan = bulk_plan(organization=world.acme, action="stop", ids=[mine.bitmovin_id, theirs.bitmovin_id])

    assert [encoding.pk for encoding in plan.offered] == [mine.pk]
    assert plan.missing == 1


def test_all_matching_the_filter_uses_the_lists_filter(world):
    running_encoding(world.acme, labels=["news"])
    failed = make_encoding(world.acme, status=EncodingStatus.ERROR)
    make_encoding(world.acme, status=EncodingStatus.FINISHED)

    plan = bulk_plan(organization=world.acme, action="delete", filter_query="status=ERROR&sort=name")

    assert [encoding.pk for encoding in plan.offered] == [failed.pk]
    assert plan.filter_query == "status=ERROR&sort=name"


def test_a_selection_past_the_cap_is_refused_with_a_message(world, monkeypatch):
    monkeypatch.setattr(bulk_actions, "BULK_LIMIT", 2)
    for _ in range(3):
        running_encoding(world.acme)

    with pytest.raises(BulkSelectionError, match="more than 2 encodings"):
        bulk_plan(organization=world.acme, action="stop", filter_query="status=RUNNING")


@pytest.mark.parametrize(
    ("action", "ids", "words"),
    [
        ("restart-live", ["x"], "stop, delete or reprioritize"),
        ("stop", [], "Select at least one encoding"),
        ("stop", ["no-such-encoding"], "None of the selected encodings"),
    ],
)
def test_what_cannot_be_planned_says_why(world, action, ids, words):
    with pytest.raises(BulkSelectionError, match=words):
        bulk_plan(organization=world.acme, action=action, ids=ids)


def test_creating_the_job_records_every_encoding_and_queues_the_run_after_commit(
    world, no_broker, django_capture_on_commit_callbacks
):
    running = running_encoding(world.acme)
    finished = make_encoding(world.acme, status=EncodingStatus.FINISHED)
    plan = bulk_plan(organization=world.acme, action="stop", ids=[running.bitmovin_id, finished.bitmovin_id])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = bulk_job_create(organization=world.acme, user=world.operator, plan=plan)
        assert no_broker == [], "not before the job is committed"

    assert len(callbacks) == 1 and no_broker == [job.pk]

    items = {item.encoding_id: item for item in job.items.all()}
    assert (job.total, job.skipped, job.username) == (2, 1, world.operator.username)
    assert items[running.pk].state == State.WAITING
    assert items[finished.pk].state == State.SKIPPED
    assert "Left alone: it is finished" in items[finished.pk].message


def test_a_job_with_nothing_to_send_is_finished_at_once(world):
    finished = make_encoding(world.acme, status=EncodingStatus.FINISHED)
    plan = bulk_plan(organization=world.acme, action="stop", ids=[finished.bitmovin_id])
    job = bulk_job_create(organization=world.acme, user=world.operator, plan=plan)
    assert job.finished


# Against the simulator -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def simulator():
    # A key per test: the dashboard's request budget per key lives in the shared cache.
    pool = [f"bulk-{uuid.uuid4().hex[:10]}-{index}" for index in range(10)]
    with RunningSimulator(
        encodings=10, seed=17, args=["--rate-limit-window", "2", "--api-key", *pool]
    ) as running:
        running.key_pool = iter(pool)
        yield running


@pytest.fixture
def on_simulator(world, simulator):
    """Acme on the simulator with a key of its own (the request budget is per key), and a helper that
    creates encodings there in a status and mirrors them."""
    tenant = simulator.accounts()["accounts"][0]["organizations"][0]["id"]
    simulator.set_rate_limits(reset=True)
    point_at_simulator(world.acme, simulator, tenant, next(simulator.key_pool))
    simulator.reset_stats()

    def create(count: int, status: str = "RUNNING") -> list[Encoding]:
        created = []
        for number in range(count):
            response = requests.post(
                f"{simulator.base_url}/encoding/encodings",
                json={"name": f"Bulk {number}", "type": "VOD", "cloudRegion": "AWS_EU_WEST_1"},
                headers={"X-Api-Key": simulator.api_key, "X-Tenant-Org-Id": tenant},
                timeout=30,
            )
            encoding_id = response.json()["data"]["result"]["id"]
            if status != "CREATED":
                simulator.force_state(encoding_id, status, progress=10)
            created.append(encoding_id)
        run = sync.organization_sync(organization_id=world.acme.pk)
        assert run is not None and run.outcome == "ok", run and run.error_message
        return list(Encoding.objects.filter(organization=world.acme, bitmovin_id__in=created))

    return create


def stop_job(world, encodings) -> BulkJob:
    plan = bulk_plan(organization=world.acme, action="stop", ids=[e.bitmovin_id for e in encodings])
    return bulk_job_create(organization=world.acme, user=world.operator, plan=plan)


def run_to_the_end(job: BulkJob, runs: int = 10) -> list[bulk_actions.BulkRun]:
    """Runs of the job as the task queues them: each after the wait the one before asked for."""
    done = []
    for _ in range(runs):
        done.append(bulk_job_run(job_id=job.pk))
        if done[-1].finished:
            return done
        time.sleep(done[-1].retry_after)
    raise AssertionError(f"not finished after {runs} runs: {done}")


def stops_received(simulator, encodings) -> dict[str, int]:
    writes = simulator.writes(path="/encoding/encodings/*/stop")
    return {
        e.bitmovin_id: sum(1 for w in writes if w["path"].split("/")[3] == e.bitmovin_id) for e in encodings
    }


@pytest.mark.django_db(transaction=True)
def test_a_run_stops_each_encoding_once_with_one_audit_entry_each(world, simulator, on_simulator):
    encodings = on_simulator(3)
    job = stop_job(world, encodings)

    run = bulk_job_run(job_id=job.pk)
    again = bulk_job_run(job_id=job.pk)

    assert run.finished and run.sent == 3
    assert again.finished and again.sent == 0
    assert stops_received(simulator, encodings) == {e.bitmovin_id: 1 for e in encodings}
    items = list(job.items.order_by("pk"))
    assert {item.state for item in items} == {State.DONE}
    assert all("Stop requested" in item.message and item.request_id for item in items)
    audit = AuditEvent.objects.filter(action=AuditEvent.Action.ENCODING_STOP)
    assert sorted(audit.values_list("target", flat=True)) == sorted(e.bitmovin_id for e in encodings)
    assert all(entry.detail.startswith(f"Bulk job {job.pk}.") for entry in audit)
    assert {e.effective_status for e in Encoding.objects.filter(pk__in=[e.pk for e in encodings])} == {
        "CANCELED"
    }
    job.refresh_from_db()
    assert job.finished


@pytest.mark.django_db(transaction=True)
def test_an_operator_demoted_after_confirming_sends_nothing_more(world, simulator, on_simulator):
    encodings = on_simulator(2)
    job = stop_job(world, encodings)
    Membership.objects.filter(user=world.operator, organization=world.acme).update(role=Role.VIEWER)

    run = bulk_job_run(job_id=job.pk)

    assert run.finished and run.sent == 0
    assert stops_received(simulator, encodings) == {e.bitmovin_id: 0 for e in encodings}
    items = list(job.items.all())
    assert {item.state for item in items} == {State.REFUSED}
    assert all(item.message.startswith("Not sent: otto may no longer stop encodings") for item in items)


@pytest.mark.django_db(transaction=True)
def test_an_item_another_worker_claimed_is_not_sent_again(world, simulator, on_simulator):
    first, second = on_simulator(2)
    job = stop_job(world, [first, second])
    BulkItem.objects.filter(job=job, encoding=first).update(state=State.SENDING, sending_since=timezone.now())

    run = bulk_job_run(job_id=job.pk)

    assert run.sent == 1 and not run.finished, "the other worker's item is still open"
    assert run.retry_after > 0
    assert stops_received(simulator, [first, second]) == {first.bitmovin_id: 0, second.bitmovin_id: 1}


@pytest.mark.django_db(transaction=True)
def test_an_item_left_sending_by_a_lost_worker_is_marked_unknown_and_read_again_never_resent(
    world, simulator, on_simulator
):
    (lost,) = on_simulator(1)
    job = stop_job(world, [lost])
    long_ago = timezone.now() - timedelta(seconds=bulk_actions.SENDING_LOST_SECONDS + 5)
    BulkItem.objects.filter(job=job).update(state=State.SENDING, sending_since=long_ago)

    run = bulk_job_run(job_id=job.pk)

    assert run.finished and run.sent == 0
    item = job.items.get()
    assert item.state == State.UNKNOWN
    assert "not sent again" in item.message
    assert stops_received(simulator, [lost]) == {lost.bitmovin_id: 0}
    assert PendingRefresh.objects.filter(bitmovin_id=lost.bitmovin_id).exists()
    entry = AuditEvent.objects.get(target=lost.bitmovin_id)
    assert entry.outcome == AuditEvent.Outcome.UNCONFIRMED


@pytest.mark.django_db(transaction=True)
def test_a_rate_limit_puts_the_item_back_and_asks_for_a_later_run(world, simulator, on_simulator):
    encodings = on_simulator(3)
    job = stop_job(world, encodings)
    simulator.set_rate_limits(limits={"POST /encoding/encodings/{encoding_id}/stop": 1}, reset=True)
    try:
        first = bulk_job_run(job_id=job.pk)
    finally:
        simulator.set_rate_limits(limits={}, reset=True)

    assert not first.finished and first.sent == 1 and first.retry_after > 0
    states = sorted(job.items.values_list("state", flat=True))
    assert states == [State.DONE, State.WAITING, State.WAITING]
    assert AuditEvent.objects.count() == 1, "nothing is recorded of a call the rate limit refused"

    rest = run_to_the_end(job)
    assert rest[-1].finished and sum(run.sent for run in rest) == 2
    received = simulator.writes(path="/encoding/encodings/*/stop")
    processed = [w for w in received if w["status"] == 200]
    assert len(processed) == 3 and len({w["path"] for w in processed}) == 3


@pytest.mark.django_db(transaction=True)
def test_bitmovins_refusal_is_recorded_in_its_words(world, simulator, on_simulator):
    (created,) = on_simulator(1, status="CREATED")
    # The mirror says running, Bitmovin knows better: it has the last word.
    Encoding.objects.filter(pk=created.pk).update(status=EncodingStatus.RUNNING)
    job = stop_job(world, [created])

    assert bulk_job_run(job_id=job.pk).finished

    item = job.items.get()
    assert item.state == State.REFUSED
    assert item.message.startswith("Bitmovin did not stop")
    assert item.request_id


def test_a_job_whose_items_wait_while_nothing_moves_is_queued_again(world, no_broker, settings):
    from encodings_app import tasks

    moving, stalled, _recent = (a_job_of(world, [running_encoding(world.acme)]) for _ in range(3))
    an_hour_ago = timezone.now() - timedelta(hours=1)
    BulkJob.objects.filter(pk__in=[moving.pk, stalled.pk]).update(created_at=an_hour_ago)
    BulkItem.objects.filter(job=moving).update(state=State.SENDING, sending_since=timezone.now())

    assert tasks.bulk_jobs_resume() == 1
    assert no_broker == [stalled.pk]


def a_job_of(world, encodings) -> BulkJob:
    plan = bulk_plan(organization=world.acme, action="stop", ids=[e.bitmovin_id for e in encodings])
    return bulk_job_create(organization=world.acme, user=world.operator, plan=plan)
