"""The sync engine against the simulator over real HTTP: convergence, idempotence, limits and failures."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.db import connection

from encodings_app.bitmovin import BitmovinClient
from encodings_app.models import Encoding, EncodingLabel, Message, Organization, SyncRun
from encodings_app.services import sync
from tests.factories import make_organization
from tests.support.api_client import point_at, simulator_client
from tests.support.simulator import RunningSimulator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(autouse=True)
def fresh_request_budgets():
    # Every test here uses the simulator's one key; budgets spent by earlier tests must not carry over.
    cache.clear()


@pytest.fixture(scope="module")
def simulator():
    with RunningSimulator(encodings=120, seed=11, organizations=2) as running:
        yield running


@pytest.fixture
def tenant(simulator):
    """The first account's root organization, as the simulator describes it."""
    return simulator.accounts()["accounts"][0]["organizations"][0]


@pytest.fixture
def organization(simulator, tenant):
    return make_organization(
        "acme", api_key=simulator.api_key, api_base_url=simulator.base_url, tenant_org_id=tenant["id"]
    )


def api_client(simulator, tenant) -> BitmovinClient:
    return simulator_client(simulator, tenant["id"])


def api_state(simulator, tenant) -> dict[str, dict]:
    with api_client(simulator, tenant) as client:
        return {item.id: item for item in client.iter_encodings()}


def syncable_ids() -> list[int]:
    return list(sync.syncable_organizations().values_list("pk", flat=True))


def run_sync(organization, **kwargs) -> SyncRun:
    run = sync.organization_sync(organization_id=organization.pk, **kwargs)
    assert run is not None
    return run


def mirror_snapshot(organization) -> tuple:
    encodings = sorted(
        Encoding.objects.filter(organization=organization).values_list(
            "bitmovin_id", "name", "status", "progress", "labels", "error_code", "created_at", "finished_at"
        )
    )
    messages = sorted(
        Message.objects.filter(encoding__organization=organization).values_list(
            "encoding__bitmovin_id", "bitmovin_id"
        )
    )
    return encodings, messages


def test_first_sync_mirrors_every_encoding_of_the_organization(simulator, tenant, organization):
    started = datetime.now(UTC)
    run = run_sync(organization)

    assert run.outcome == SyncRun.Outcome.OK, run.error_message
    assert run.kind == SyncRun.Kind.FULL
    api = api_state(simulator, tenant)
    mirrored = {
        encoding.bitmovin_id: encoding for encoding in Encoding.objects.filter(organization=organization)
    }
    assert set(mirrored) == set(api)
    assert run.encodings_created == len(api) == tenant["encodings"]
    for encoding_id, item in api.items():
        mirror = mirrored[encoding_id]
        assert (mirror.name, mirror.type, mirror.created_at) == (item.name, str(item.type), item.created_at)
        assert mirror.labels == list(item.labels)
        if item.modified_at and item.modified_at < started:
            assert mirror.status == str(item.status), encoding_id
    # Labels are indexed for the list's filter.
    labelled = sum(len(item.labels) for item in api.values())
    assert EncodingLabel.objects.filter(organization=organization).count() == labelled
    # Every encoding's status Task was read on first sight: messages and error details are in the mirror.
    assert not Encoding.objects.filter(organization=organization, status_synced_at__isnull=True).exists()
    assert Message.objects.filter(encoding__organization=organization).exists()
    failed = Encoding.objects.filter(organization=organization, status="ERROR")
    assert failed.exists()
    assert not failed.filter(error_code__isnull=True).exists()
    # The mirror never mixes organizations: the other tenant's encodings stay out.
    assert Encoding.objects.exclude(organization=organization).count() == 0


def test_status_task_details_match_the_api(simulator, tenant, organization):
    run_sync(organization)
    failed = Encoding.objects.filter(organization=organization, status="ERROR").first()
    with api_client(simulator, tenant) as client:
        task = client.get_encoding_status(failed.bitmovin_id)
    assert failed.error_code == task.error.code
    assert failed.error_category == task.error.category
    assert failed.error_retry_hint == str(task.error.retry_hint)
    api_ids = {message.id for message in task.messages} | {
        message.id for subtask in task.subtasks for message in subtask.messages
    }
    mirrored_ids = set(failed.messages.values_list("bitmovin_id", flat=True))
    assert api_ids <= mirrored_ids


def test_second_sync_changes_nothing_in_the_mirror(simulator, tenant, organization):
    run_sync(organization)
    before = mirror_snapshot(organization)
    second = run_sync(organization)

    assert second.outcome == SyncRun.Outcome.OK
    assert second.kind == SyncRun.Kind.INCREMENTAL
    assert second.encodings_created == 0
    # Active encodings may have moved on in the meantime; nothing else may change.
    encodings_after, messages_after = mirror_snapshot(organization)
    assert len(encodings_after) == len(before[0])
    assert set(before[1]) <= set(messages_after)
    assert Message.objects.count() == len(messages_after), "no message is stored twice"


def test_steady_state_sync_costs_a_handful_of_list_calls_and_one_status_call_per_active_encoding(
    simulator, tenant, organization
):
    run_sync(organization)
    second = run_sync(organization)

    active = Encoding.objects.filter(organization=organization, status__in=["QUEUED", "RUNNING"]).count()
    assert second.api_calls["GET /encoding/encodings"] <= 5
    assert second.api_calls.get("GET /encoding/encodings/{id}/status", 0) <= active + 5
    assert "GET /encoding/encodings/{id}" not in second.api_calls


def test_a_run_allowed_no_pages_of_its_walk_reads_the_active_encodings_and_leaves_the_walk_for_later(
    simulator, tenant, organization
):
    first = run_sync(organization, full_pass_allowance=0)

    api = api_state(simulator, tenant)
    active = {i for i, item in api.items() if str(item.status) in ("QUEUED", "RUNNING")}
    assert first.outcome == SyncRun.Outcome.OK, first.error_message
    assert first.api_calls["GET /encoding/encodings"] == 2, (
        "the QUEUED and the RUNNING encodings, no page more"
    )
    mirrored = set(Encoding.objects.filter(organization=organization).values_list("bitmovin_id", flat=True))
    assert active and active <= mirrored < set(api)
    organization.refresh_from_db()
    assert (organization.last_full_sync_at, organization.full_sync_started_at) == (None, None)

    walked = run_sync(organization)
    assert walked.kind == SyncRun.Kind.FULL and walked.outcome == SyncRun.Outcome.OK
    assert set(
        Encoding.objects.filter(organization=organization).values_list("bitmovin_id", flat=True)
    ) == set(api_state(simulator, tenant))


def test_a_first_walk_cut_into_runs_lists_no_history_as_finished_between_them():
    with RunningSimulator(encodings=250, seed=5, organizations=1) as simulator:
        tenant = simulator.accounts()["accounts"][0]["organizations"][0]
        assert tenant["encodings"] > 100, "two pages at least"
        organization = make_organization(
            "big", api_key=simulator.api_key, api_base_url=simulator.base_url, tenant_org_id=tenant["id"]
        )
        first = run_sync(organization, full_pass_allowance=1)
        organization.refresh_from_db()
        assert organization.full_sync_started_at is not None, "the walk is under way"
        assert organization.finished_watermark is None, "not before the walk is done"

        second = run_sync(organization, full_pass_allowance=1)

    assert first.api_calls["GET /encoding/encodings"] == second.api_calls["GET /encoding/encodings"] == 3, (
        "the QUEUED and RUNNING encodings and one page of the walk: no list of what finished since"
    )
    organization.refresh_from_db()
    assert organization.last_full_sync_at is not None and organization.finished_watermark is not None


def test_two_syncs_at_once_do_the_work_once(simulator, tenant, organization):
    results: list = []
    barrier = threading.Barrier(2)

    def worker():
        barrier.wait()
        try:
            results.append(sync.organization_sync(organization_id=organization.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(result is None for result in results) == [False, True], "exactly one run was skipped"
    assert Encoding.objects.filter(organization=organization).count() == tenant["encodings"]
    assert SyncRun.objects.count() == 1


def test_changes_in_the_api_reach_the_mirror_on_the_next_sync(simulator, tenant, organization):
    run_sync(organization)
    running = Encoding.objects.filter(organization=organization, status="RUNNING").first()
    simulator.force_state(running.bitmovin_id, "ERROR", errorCode=2100)

    run = run_sync(organization)

    running.refresh_from_db()
    assert run.outcome == SyncRun.Outcome.OK
    assert running.status == "ERROR"
    assert running.error_code == 2100
    assert running.messages.filter(type="ERROR").exists()


def test_full_sync_marks_encodings_deleted_in_the_api(simulator, tenant, organization):
    run_sync(organization)
    finished = Encoding.objects.filter(organization=organization, status="FINISHED").first()
    with api_client(simulator, tenant) as client:
        client.delete_encoding(finished.bitmovin_id)

    run_sync(organization, full=True)

    finished.refresh_from_db()
    assert finished.deleted_at is not None
    assert Encoding.objects.filter(organization=organization, deleted_at__isnull=False).count() == 1


def test_rate_limit_pauses_only_that_organization_and_keeps_the_work_done(simulator, tenant, organization):
    other = make_organization(
        "other",
        api_key="ignored-until-used",
        api_base_url=simulator.base_url,
    )
    simulator.set_rate_limits(enabled=True, limits={"GET /encoding/encodings": 1}, reset=True)
    try:
        run = run_sync(organization)
    finally:
        simulator.set_rate_limits(enabled=True, limits={"GET /encoding/encodings": 60}, reset=True)

    organization.refresh_from_db()
    assert run.outcome == SyncRun.Outcome.RATE_LIMITED
    # The first answer's x-ratelimit-* headers said the window was spent: the next call was never sent.
    assert "Bitmovin says 0 of its 1 requests" in run.error_message
    assert run.api_calls["GET /encoding/encodings"] == 1
    assert organization.sync_paused_until is not None
    assert organization.rate_limited_at is not None, "when it happened, for the pages' warning"
    assert organization.pk not in syncable_ids()
    assert other.pk in syncable_ids()
    assert organization.consecutive_failures == 0, "a pause is not a failure"
    assert Encoding.objects.filter(organization=organization).exists(), "the first page is kept"


def test_rejected_key_stops_syncing_until_the_key_changes(simulator, tenant):
    organization = make_organization(
        "wrong-key",
        api_key="not-a-key-the-api-knows",
        api_base_url=simulator.base_url,
        tenant_org_id=tenant["id"],
    )
    run = run_sync(organization)

    organization.refresh_from_db()
    assert run.outcome == SyncRun.Outcome.FAILED
    assert run.error_code == 1002
    assert organization.key_rejected is True
    assert organization.last_error_code == 1002
    assert organization.last_error_request_id == run.error_request_id != ""
    assert organization.pk not in syncable_ids()
    assert sync.organization_sync(organization_id=organization.pk) is None

    point_at(organization, api_key=simulator.api_key)
    assert organization.pk in syncable_ids()
    assert run_sync(organization).outcome == SyncRun.Outcome.OK


def test_key_that_cannot_be_decrypted_is_never_sent(simulator, tenant, settings):
    from cryptography.fernet import Fernet

    organization = make_organization("lost", api_key=simulator.api_key, api_base_url=simulator.base_url)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    simulator.reset_stats()

    run = run_sync(organization)

    organization.refresh_from_db()
    assert run.outcome == SyncRun.Outcome.FAILED
    assert "cannot be decrypted" in run.error_message
    assert organization.key_unreadable is True
    assert simulator.stats()["apiRequests"] == 0


def test_encoding_refresh_reads_one_encoding_and_its_messages(simulator, tenant, organization):
    with api_client(simulator, tenant) as client:
        item = client.list_encodings(limit=1, status="RUNNING").items[0]

    encoding = sync.encoding_sync(organization_id=organization.pk, bitmovin_id=item.id)

    assert encoding is not None
    assert encoding.status in ("RUNNING", "FINISHED", "ERROR", "TRANSFER_ERROR")
    assert encoding.status_synced_at is not None
    assert Encoding.objects.filter(organization=organization).count() == 1


def test_sync_records_its_api_calls_and_counts(simulator, tenant, organization):
    run = run_sync(organization)
    assert run.finished_at is not None
    assert run.total_api_calls == sum(run.api_calls.values()) > 0
    organization.refresh_from_db()
    assert organization.last_sync_succeeded_at is not None
    assert organization.last_sync_started_at == run.started_at
    assert organization.last_full_sync_at is not None
    assert organization.created_watermark is not None
    assert Organization.objects.get(pk=organization.pk).sync_lease_token == "", "the lease is released"


def test_sync_org_command_prints_what_it_did(simulator, tenant, organization, capsys):
    from django.core.management import call_command

    call_command("sync_org", "acme")
    out = capsys.readouterr().out
    assert "full reconciliation sync, succeeded" in out
    assert "GET /encoding/encodings" in out
    assert f"encodings created {tenant['encodings']}" in out


def test_sync_org_command_explains_a_rejected_key(simulator, tenant):
    from django.core.management import CommandError, call_command

    make_organization("nokey", api_key="wrong-key", api_base_url=simulator.base_url)
    with pytest.raises(CommandError, match="the sync failed"):
        call_command("sync_org", "nokey")
    with pytest.raises(CommandError, match="its API key was rejected"):
        call_command("sync_org", "nokey")
    with pytest.raises(CommandError, match="no organization"):
        call_command("sync_org", "missing")


def test_mirror_converges_under_injected_faults_with_nothing_lost_or_duplicated(
    simulator, tenant, organization
):
    simulator.set_faults("503=0.1,502=0.03,429=0.02,html=0.03,truncate=0.03,nonjson=0.02,drop=0.02")
    try:
        outcomes = []
        for _ in range(40):
            organization.refresh_from_db()
            # What waiting out a pause would do: the pause ends, and with it the window the 429 spoke of.
            Organization.objects.filter(pk=organization.pk).update(sync_paused_until=None)
            cache.clear()
            run = sync.organization_sync(organization_id=organization.pk)
            outcomes.append(run.outcome)
            if (
                run.outcome == SyncRun.Outcome.OK
                and not Encoding.objects.filter(
                    organization=organization, status_synced_at__isnull=True
                ).exists()
            ):
                break
        injected = simulator.control("GET", "faults")["injected"]
    finally:
        simulator.clear_faults()

    assert outcomes[-1] == SyncRun.Outcome.OK, outcomes
    assert sum(injected.values()) > 0, "the runs met faults"
    api = api_state(simulator, tenant)
    mirrored = list(Encoding.objects.filter(organization=organization).values_list("bitmovin_id", flat=True))
    assert sorted(mirrored) == sorted(api), "nothing lost, nothing duplicated"
    messages = list(Message.objects.values_list("encoding_id", "bitmovin_id"))
    assert len(messages) == len(set(messages))


def test_data_version_moves_only_when_the_mirror_changes(simulator, tenant, organization):
    run_sync(organization)
    encoding = Encoding.objects.filter(organization=organization, status="FINISHED").first()
    with api_client(simulator, tenant) as client:
        task = client.get_encoding_status(encoding.bitmovin_id)
        item = client.get_encoding(encoding.bitmovin_id)
    from encodings_app.services import mirror

    version = Organization.objects.get(pk=organization.pk).data_version
    mirror.upsert_encodings(organization, [item])
    mirror.apply_task(Encoding.objects.get(pk=encoding.pk), task)
    assert Organization.objects.get(pk=organization.pk).data_version == version, "same answer, same version"

    simulator.force_state(encoding.bitmovin_id, "RUNNING", progress=40)
    sync.encoding_sync(organization_id=organization.pk, bitmovin_id=encoding.bitmovin_id)
    assert Organization.objects.get(pk=organization.pk).data_version > version


def test_a_failed_encodings_status_read_keeps_bitmovins_request_id(simulator, tenant, organization):
    run_sync(organization)
    failed = Encoding.objects.filter(organization=organization, status="ERROR").first()

    assert re.fullmatch(r"[0-9a-f-]{36}", failed.status_request_id)
    assert (
        Encoding.objects.filter(organization=organization, status="ERROR", status_request_id="").count() == 0
    )
