"""Reading usage into the mirror, against the simulator over HTTP: the figures are the sums of the
per-encoding statistics of the encodings the simulator ran, read within the key's budget."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache

from encodings_app import tasks
from encodings_app.models import UsageDay, UsageKind, UsageSync
from encodings_app.services import key_budget, usage
from encodings_app.services.clients import budget_fingerprint
from tests.factories import make_organization
from tests.support.api_client import point_at, simulator_client
from tests.support.rewriting_proxy import RewritingProxy
from tests.support.simulator import RunningSimulator

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(autouse=True)
def fresh_request_budgets():
    cache.clear()


@pytest.fixture(scope="module")
def simulator():
    with RunningSimulator(encodings=120, seed=5, organizations=2, args=["--rate-limits", "off"]) as running:
        yield running


@pytest.fixture(scope="module")
def tenant(simulator):
    return simulator.accounts()["accounts"][0]["organizations"][0]["id"]


@pytest.fixture
def organization(simulator, tenant):
    return make_organization(api_key=simulator.api_key, api_base_url=simulator.base_url, tenant_org_id=tenant)


@pytest.fixture(scope="module")
def today() -> date:
    return date.today()


@pytest.fixture(scope="module")
def expected(simulator, tenant, today):
    """(day, kind, label) -> [seconds, minutes, bytes], summed from each finished encoding's statistics."""
    sums: dict[tuple[date, str, str], list] = defaultdict(lambda: [0, 0.0, 0])
    with simulator_client(simulator, tenant) as client:
        for encoding in client.iter_encodings(status="FINISHED"):
            stats = client.get_encoding_statistics(encoding.id)
            keys = [(encoding.type.value, "")] + [(UsageKind.ALL, label) for label in encoding.labels]
            for kind, label in keys:
                row = sums[(stats.date, str(kind), label)]
                row[0] += stats.time_encoded
                row[1] += stats.billable_minutes
                row[2] += stats.bytes_encoded
    return {key: value for key, value in sums.items() if today - timedelta(days=89) <= key[0] <= today}


def mirrored(organization) -> dict[tuple[date, str, str], tuple[int, Decimal, int]]:
    return {
        (row.day, row.kind, row.label): (row.encoded_seconds, row.billable_minutes, row.bytes_encoded)
        for row in UsageDay.objects.filter(organization=organization)
    }


def test_the_first_sync_mirrors_ninety_days_by_type_and_label_with_the_encodings_figures(
    organization, expected, today
):
    outcome = usage.usage_sync(organization=organization, today=today)

    assert outcome.status == "synced"
    assert (outcome.first, outcome.last) == (today - timedelta(days=89), today)
    rows = mirrored(organization)
    by_type = {key: value for key, value in rows.items() if key[1] != UsageKind.ALL}
    assert len(by_type) == 2 * 90  # every day of both types, days without work as zeros
    worked = {key: value for key, value in rows.items() if value[0]}
    assert set(worked) == {key for key, value in expected.items() if value[0]}
    for key, (seconds, minutes, size) in worked.items():
        want = expected[key]
        assert (seconds, size) == (want[0], want[2]), key
        assert float(minutes) == pytest.approx(want[1], abs=0.05), key
    assert UsageSync.objects.get(organization=organization).synced_at is not None


def test_a_second_sync_rereads_only_the_recent_days_and_changes_nothing_else(organization, today):
    usage.usage_sync(organization=organization, today=today)
    before = mirrored(organization)

    again = usage.usage_sync(organization=organization, today=today)

    assert again.status == "synced"
    assert (again.first, again.last) == (today - timedelta(days=1), today)
    assert mirrored(organization) == before


def test_a_day_missing_from_the_mirror_is_read_again(organization, today):
    usage.usage_sync(organization=organization, today=today)
    gap = today - timedelta(days=40)
    UsageDay.objects.filter(organization=organization, day=gap).delete()

    outcome = usage.usage_sync(organization=organization, today=today)

    assert outcome.first == gap
    assert UsageDay.objects.filter(organization=organization, day=gap, label="").count() == 2


def test_a_spent_budget_defers_the_sync_without_calling_or_writing(organization, simulator, today):
    fingerprint = budget_fingerprint(organization)
    endpoint = usage.LABEL_ENDPOINT
    count = key_budget.ApiBudget(fingerprint).count(endpoint)
    for _ in range(key_budget.budget_for(endpoint).background):
        count.spend(10_000)
    simulator.reset_stats()

    outcome = usage.usage_sync(organization=organization, today=today)

    assert outcome.status == "deferred" and outcome.retry_after > 0
    assert not UsageDay.objects.filter(organization=organization).exists()
    assert not any("statistics" in key for key in json.dumps(simulator.stats()).split('"'))


def test_a_malformed_answer_fails_plainly_and_keeps_what_was_mirrored(organization, simulator, today):
    usage.usage_sync(organization=organization, today=today)
    before = mirrored(organization)

    def break_dates(method, path, body):
        if "/statistics/encodings/live/daily/" in path:
            for item in body["data"]["result"]["items"]:
                item["date"] = "yesterday-ish"
        return body

    with RewritingProxy(simulator.root_url, rewrite=break_dates) as proxy:
        point_at(organization, base_url=proxy.base_url)
        outcome = usage.usage_sync(organization=organization, today=today)

    assert outcome.status == "failed"
    assert "LIVE usage" in outcome.error and "no date" in outcome.error
    state = UsageSync.objects.get(organization=organization)
    assert state.last_error == outcome.error and state.failures == 1
    assert mirrored(organization) == before


def test_the_run_across_organizations_defers_those_the_key_has_no_room_for(simulator, tenant, today):
    first = make_organization(
        api_key=simulator.api_key, api_base_url=simulator.base_url, tenant_org_id=tenant
    )
    second = make_organization(
        api_key=simulator.api_key, api_base_url=simulator.base_url, tenant_org_id=tenant
    )
    fingerprint = budget_fingerprint(first)
    # Leave the key room for one organization's calls on the label endpoint, none more.
    count = key_budget.ApiBudget(fingerprint).count(usage.LABEL_ENDPOINT)
    for _ in range(key_budget.budget_for(usage.LABEL_ENDPOINT).background - 1):
        count.spend(10_000)

    plan = usage.usage_sync_all(today=today)

    assert plan.outcomes[first.pk].status == "synced"
    assert plan.deferred == [second.pk]
    assert not UsageDay.objects.filter(organization=second).exists()


def test_an_organization_synced_recently_is_not_read_again(organization, today):
    usage.usage_sync(organization=organization, today=today)

    plan = usage.usage_sync_all(today=today)

    assert organization.pk not in plan.outcomes and not plan.deferred


def test_the_task_reads_one_organization_and_shrugs_at_a_deleted_one(organization):
    assert tasks.usage_sync_organization.run(organization.pk) == "synced"
    gone = organization.pk
    organization.delete()

    assert tasks.usage_sync_organization.run(gone) == "gone"


def test_beat_runs_the_usage_sync_on_the_sync_queue():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["usage-sync"]
    assert entry["task"] == tasks.usage_sync_all.name == "usage.sync_all"
    assert tasks.usage_sync_all.time_limit and tasks.usage_sync_organization.time_limit


def test_a_run_across_organizations_waits_for_one_already_running(organization):
    cache.set(tasks.USAGE_RUN_KEY, 1)

    assert tasks.usage_sync_all.run() == 0
    assert not UsageDay.objects.filter(organization=organization).exists()

    cache.delete(tasks.USAGE_RUN_KEY)
    assert tasks.usage_sync_all.run() == 1
