"""A bulk stop of 200 running encodings against the simulator over HTTP while its stop endpoint fails now and
then: 500s (not processed), 502s and 504s from a gateway (not processed, and the answer lost), 429s (refused
before processing), dropped connections after the stop took effect, and hung requests. Every encoding ends
with an outcome in words, one audit entry each, and no stop reaches the API twice for one encoding.

The job runs as its Celery task would, in this process: each run is the task's body, and the next one starts
after the countdown the run asked for (a rate limit's wait). The rate-limit window is 3 s on both sides, so
an injected 429 holds the job for 3 s instead of 30.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
import requests

from encodings_app import tasks
from encodings_app.models import AuditEvent, BulkItem, BulkJob, Encoding
from encodings_app.services import refresh_outbox, sync
from encodings_app.services.bulk_actions import bulk_job_create, bulk_plan
from tests.factories import make_member, make_organization, make_user
from tests.support.simulator import RunningSimulator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ENCODINGS = 200
WINDOW_SECONDS = 3
STOPS = "/encoding/encodings/*/stop"
FAULTS = f"500=0.05,502=0.03,504=0.03,429=0.04,drop=0.04,hang=0.01,hang_s=2,seed=7,path={STOPS}"
# Faults whose answer replaces the request's: the API never processed it.
NOT_PROCESSED = {"500", "502", "503", "504", "429", "html", "hang", "reset"}
MAX_RUNS = 200
State = BulkItem.State


@pytest.fixture
def simulator():
    with RunningSimulator(
        encodings=5, seed=43, organizations=1, args=["--rate-limit-window", str(WINDOW_SECONDS)]
    ) as running:
        yield running


@pytest.fixture(autouse=True)
def sped_up(settings, monkeypatch):
    settings.BITMOVIN_RATE_WINDOW_SECONDS = WINDOW_SECONDS
    # The follow-up reads wait in the outbox until the test drains them.
    monkeypatch.setattr(tasks, "refresh_drain_nudge", lambda: False)


def running_in_simulator(simulator, tenant: str, count: int) -> list[str]:
    ids = []
    with requests.Session() as session:
        session.headers.update({"X-Api-Key": simulator.api_key, "X-Tenant-Org-Id": tenant})
        for number in range(count):
            response = session.post(
                f"{simulator.base_url}/encoding/encodings",
                json={"name": f"Bulk stop {number:03d}", "type": "VOD", "cloudRegion": "AWS_EU_WEST_1"},
                timeout=30,
            )
            encoding_id = response.json()["data"]["result"]["id"]
            # Stalled: each stays RUNNING until stopped, whatever the test takes.
            simulator.force_state(encoding_id, "RUNNING", progress=number % 90, stuck=True)
            ids.append(encoding_id)
    return ids


def test_a_bulk_stop_of_200_under_faults_reports_every_outcome_and_sends_each_stop_at_most_once(
    simulator, monkeypatch
):
    tenant = simulator.accounts()["accounts"][0]["organizations"][0]["id"]
    organization = make_organization(
        "acme", api_key=simulator.api_key, api_base_url=simulator.base_url, tenant_org_id=tenant
    )
    operator = make_member(organization, user=make_user("otto"))
    ids = running_in_simulator(simulator, tenant, ENCODINGS)
    run = sync.organization_sync(organization_id=organization.pk)
    assert run is not None and run.outcome == "ok", run and run.error_message
    plan = bulk_plan(organization=organization, action="stop", ids=ids)
    assert plan.summary == f"{ENCODINGS} running will be stopped."

    queued: list[float | None] = []
    monkeypatch.setattr(tasks, "bulk_job_enqueue", lambda job_id, countdown=None: queued.append(countdown))
    job = bulk_job_create(organization=organization, user=operator, plan=plan)
    assert queued == [None], "the run was queued once the job was committed"

    simulator.reset_stats()
    simulator.set_faults(FAULTS)
    runs = 0
    try:
        while queued and runs < MAX_RUNS:
            countdown = queued.pop()
            time.sleep(countdown or 0)
            tasks.bulk_job_run.run(job.pk)
            runs += 1
    finally:
        injected = simulator.control("GET", "faults")["injected"]
        simulator.clear_faults()

    job.refresh_from_db()
    items = list(BulkItem.objects.filter(job=job).select_related("encoding"))
    states = Counter(item.state for item in items)
    writes = simulator.writes(path=STOPS)
    per_encoding = Counter(w["path"].split("/")[3] for w in writes)
    processed = Counter(w["path"].split("/")[3] for w in writes if w["fault"] not in NOT_PROCESSED)
    refused_429 = sum(1 for w in writes if w["status"] == 429)
    print(
        f"\nbulk stop of {ENCODINGS} under {FAULTS}: {runs} runs; outcomes "
        + ", ".join(f"{state} {count}" for state, count in sorted(states.items()))
        + f"; faults injected {dict(sorted(injected.items()))}; stops received {len(writes)} "
        f"({refused_429} answered 429), most for one encoding {max(per_encoding.values())}, "
        f"most processed for one encoding {max(processed.values())}"
    )

    # Every encoding has its outcome, in words, and the job is finished.
    assert job.finished and not queued
    assert len(items) == ENCODINGS
    assert states[State.WAITING] == states[State.SENDING] == 0
    assert all(item.message and item.finished_at for item in items)
    assert sum(injected.values()) >= 10, "the stops met faults"
    assert states[State.FAILED] + states[State.UNKNOWN] > 0, "partial failures are reported as such"
    assert states[State.DONE] >= ENCODINGS // 2
    for item in items:
        if item.state in (State.FAILED, State.UNKNOWN):
            assert item.request_id or item.outcome == "unconfirmed" or "reach" in item.message, item.message

    # No stop reached the API twice for one encoding; one was sent again only after a 429 refused it.
    assert max(processed.values()) == 1
    for encoding_id, received in per_encoding.items():
        refusals = sum(1 for w in writes if w["status"] == 429 and w["path"].split("/")[3] == encoding_id)
        assert received <= 1 + refusals, (encoding_id, received)
    assert set(per_encoding) <= set(ids)

    # One audit entry per encoding, with the job named.
    audit = AuditEvent.objects.filter(action=AuditEvent.Action.ENCODING_STOP)
    assert Counter(audit.values_list("target", flat=True)) == Counter({encoding_id: 1 for encoding_id in ids})

    # What each outcome says agrees with Bitmovin: the done ones are canceled, the failed ones still run.
    actual = {e["id"]: e["status"] for e in simulator.control("GET", "encodings")["items"]}
    for item in items:
        if item.state == State.DONE:
            assert actual[item.encoding.bitmovin_id] == "CANCELED", item.message
        elif item.state == State.FAILED:
            assert actual[item.encoding.bitmovin_id] == "RUNNING", item.message

    # The fresh reads asked for (after every accepted or unconfirmed stop) bring the mirror to the truth.
    for _ in range(20):
        if not refresh_outbox.refresh_drain(time_budget_seconds=10).reads:
            break
    mirrored = dict(Encoding.objects.filter(organization=organization).values_list("bitmovin_id", "status"))
    unknown = [item.encoding.bitmovin_id for item in items if item.state == State.UNKNOWN]
    assert {i: mirrored[i] for i in unknown} == {i: actual[i] for i in unknown}
    assert BulkJob.objects.get(pk=job.pk).finished_at is not None
