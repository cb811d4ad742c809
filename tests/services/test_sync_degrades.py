"""A sync run degrades instead of aborting: against the simulator's injected faults over real HTTP, a part of
the run that fails is recorded and left for the next run while the other parts go on."""

from __future__ import annotations

import socket

import pytest
import requests
from django.core.cache import cache

from encodings_app.models import Encoding, Organization, SyncRun
from encodings_app.services import clients, sweep, sync
from encodings_app.services.key_budget import LIST_ENDPOINT, STATUS_ENDPOINT, UNCOUNTABLE_PAUSE_SECONDS
from tests.factories import make_organization
from tests.support.simulator import RunningSimulator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

LISTS = "path=/encoding/encodings,method=GET"
STATUS_READS = "path=/encoding/encodings/*/status"


@pytest.fixture(scope="module")
def simulator():
    with RunningSimulator(encodings=80, seed=29, organizations=1) as running:
        yield running


@pytest.fixture(autouse=True)
def clean_slate(simulator, monkeypatch):
    cache.clear()
    simulator.clear_faults()
    simulator.set_rate_limits(reset=True)
    # A failed read is still tried again, only not for long: these faults never go away within a run.
    monkeypatch.setattr(clients, "WORKER_RETRY_BUDGET_S", 1.0)
    yield
    simulator.clear_faults()


@pytest.fixture
def tenant(simulator):
    return simulator.accounts()["accounts"][0]["organizations"][0]


@pytest.fixture
def organization(simulator, tenant):
    """Synced once without faults: its watermarks are set and the next run is incremental."""
    organization = make_organization(
        "acme", api_key=simulator.api_key, api_base_url=simulator.base_url, tenant_org_id=tenant["id"]
    )
    assert run_sync(organization).outcome == SyncRun.Outcome.OK
    organization.refresh_from_db()
    return organization


def run_sync(organization) -> SyncRun:
    run = sync.organization_sync(organization_id=organization.pk)
    assert run is not None
    return run


def create_encoding(simulator, tenant, name: str) -> str:
    answer = requests.post(
        f"{simulator.base_url}/encoding/encodings",
        json={"name": name},
        headers={"X-Api-Key": simulator.api_key, "X-Tenant-Org-Id": tenant["id"]},
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()["data"]["result"]["id"]


def test_failed_list_walks_leave_their_watermarks_and_the_status_reads_go_on(simulator, tenant, organization):
    before = Organization.objects.get(pk=organization.pk)
    new_id = create_encoding(simulator, tenant, "arrived while the list was down")
    simulator.set_faults(f"500=1,{LISTS}")

    partial = run_sync(organization)

    after = Organization.objects.get(pk=organization.pk)
    assert partial.outcome == SyncRun.Outcome.PARTIAL, partial.error_message
    assert partial.api_calls.get(STATUS_ENDPOINT, 0) > 0, "the status reads went on"
    assert "encodings finished since the last run" in partial.error_message
    assert "encodings created since the last run" in partial.error_message
    assert partial.error_code == 1004
    assert (after.created_watermark, after.finished_watermark) == (
        before.created_watermark,
        before.finished_watermark,
    ), "a walk that did not complete moves no watermark"
    assert after.consecutive_partial_syncs == 1
    assert after.consecutive_failures == 0, "a partial run is no failure"
    assert after.last_sync_succeeded_at > before.last_sync_succeeded_at
    assert after.last_error_code == 1004 and after.last_error_request_id
    assert not Encoding.objects.filter(bitmovin_id=new_id).exists()

    simulator.clear_faults()
    complete = run_sync(organization)

    after = Organization.objects.get(pk=organization.pk)
    assert complete.outcome == SyncRun.Outcome.OK, complete.error_message
    assert Encoding.objects.filter(organization=organization, bitmovin_id=new_id).exists(), (
        "read by the next run"
    )
    assert after.created_watermark > before.created_watermark
    assert after.consecutive_partial_syncs == 0


def test_many_failed_status_reads_stop_the_status_reads_but_not_the_run(
    simulator, tenant, organization, monkeypatch
):
    monkeypatch.setattr(sync, "MAX_STATUS_ERRORS", 2)
    active = Encoding.objects.filter(organization=organization).live().active().count()
    assert active > 2, "more active encodings than failed reads allowed"
    simulator.set_faults(f"503=1,{STATUS_READS}")

    run = run_sync(organization)

    assert run.outcome == SyncRun.Outcome.PARTIAL, run.error_message
    assert "status Tasks" in run.error_message
    assert run.api_calls[LIST_ENDPOINT] >= 4, "every list walk was read"
    assert run.api_calls[STATUS_ENDPOINT] <= 2 * 4, "two reads, each tried at most four times, then no more"


def test_a_rate_limit_closes_its_endpoint_for_the_rest_of_the_run_and_keeps_what_was_read(
    simulator, tenant, organization
):
    simulator.set_faults(f"429=1,{LISTS}")

    run = run_sync(organization)

    organization.refresh_from_db()
    assert run.outcome == SyncRun.Outcome.RATE_LIMITED
    assert run.api_calls[LIST_ENDPOINT] == 1, "one 429, then no list call for the rest of the run"
    assert run.api_calls.get(STATUS_ENDPOINT, 0) > 0, "the status endpoint has a budget of its own"
    assert run.error_code == 8000 and run.error_request_id
    assert "QUEUED encodings" in run.error_message and "RUNNING encodings" in run.error_message
    assert organization.sync_paused_until is not None
    assert organization.consecutive_failures == 0 and organization.consecutive_partial_syncs == 0


def test_a_run_that_could_read_nothing_is_a_failure(simulator, tenant, organization):
    simulator.set_faults("502=1")

    run = run_sync(organization)

    organization.refresh_from_db()
    assert run.outcome == SyncRun.Outcome.FAILED
    assert organization.consecutive_failures == 1
    assert organization.consecutive_partial_syncs == 0
    assert run.api_calls[STATUS_ENDPOINT] <= sync.MAX_STATUS_ERRORS * 4


def test_a_run_whose_budget_cannot_be_counted_pauses_briefly_instead_of_failing(
    simulator, tenant, organization, settings
):
    create_encoding(simulator, tenant, "made while the cache restarts")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        gone = probe.getsockname()[1]
    # The cache every process shares is restarting: nothing can be counted, nor any mark cleared.
    working_caches = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{gone}/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    calls_before = simulator.stats()["apiRequests"]
    run = run_sync(organization)
    sweep.sync_finished(organization.pk)

    assert run.outcome == SyncRun.Outcome.RATE_LIMITED
    assert "shared cache is unavailable" in run.error_message
    assert simulator.stats()["apiRequests"] == calls_before, "no call the budget could not count"
    organization.refresh_from_db()
    assert organization.consecutive_failures == 0
    assert organization.sync_paused_until is not None
    paused_for = (organization.sync_paused_until - run.started_at).total_seconds()
    assert UNCOUNTABLE_PAUSE_SECONDS <= paused_for < UNCOUNTABLE_PAUSE_SECONDS + 30

    settings.CACHES = working_caches  # the cache is back: the next run reads what was missed
    organization.sync_paused_until = None
    organization.save(update_fields=["sync_paused_until"])
    assert run_sync(organization).outcome == SyncRun.Outcome.OK
    assert Encoding.objects.filter(organization=organization, name="made while the cache restarts").exists()
