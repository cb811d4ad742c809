"""The sweep reads what the planner needs from the database and the cache: who shares a key, what each sync
costs, what is likely to have changed, and what each key has already committed."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from encodings_app.models import AccountConnection, Organization
from encodings_app.models.choices import REGISTERED_WEBHOOK_EVENTS
from encodings_app.services import lease, sweep
from encodings_app.services.clients import budget_fingerprint
from encodings_app.services.display_links import display_link_create, display_link_seen
from encodings_app.services.key_budget import LIST_ENDPOINT, STATUS_ENDPOINT, ApiBudget
from encodings_app.services.sync_planner import UNKNOWN_WALK_PAGES
from tests.factories import make_delivery, make_encoding, make_organization, make_sync_run

pytestmark = pytest.mark.django_db

API = "https://api.bitmovin.com/v1"
WEBHOOKS = {event: f"webhook-{event}" for event in REGISTERED_WEBHOOK_EVENTS}


@pytest.fixture(autouse=True)
def cadence(settings, published_limits):
    settings.SYNC_INTERVAL_SECONDS = 30
    settings.SYNC_SAFETY_NET_SECONDS = 300


def synced(slug: str, *, key: str = "key-one", ago: float = 100.0, **fields) -> Organization:
    """An organization that has synced (incrementally, 4 list calls) and walked every encoding already."""
    now = timezone.now()
    fields.setdefault("last_full_sync_at", now - timedelta(minutes=5))
    organization = make_organization(
        slug, api_key=key, api_base_url=API, last_sync_started_at=now - timedelta(seconds=ago), **fields
    )
    make_sync_run(organization, api_calls={LIST_ENDPOINT: 4, STATUS_ENDPOINT: 2})
    return organization


def run_sweep() -> dict[int, object]:
    planned = {}
    sweep.sweep(enqueue=lambda p: planned.setdefault(p.organization_id, p))
    return planned


def spend(organization: Organization, calls: int, endpoint: str = LIST_ENDPOINT) -> None:
    budget = ApiBudget(budget_fingerprint(organization))
    for _ in range(calls):
        budget("GET", endpoint)


def test_organizations_sharing_a_key_and_address_share_its_budget():
    first, second = synced("first"), synced("second")
    elsewhere = synced("elsewhere", key="key-two")
    spend(first, 46)  # 2 of the sweep's 48 list calls left: not enough for a sync of 4

    planned = run_sweep()

    assert set(planned) == {elsewhere.pk}
    assert budget_fingerprint(first) == budget_fingerprint(second) != budget_fingerprint(elsewhere)


def test_a_sync_planned_and_not_finished_holds_its_cost_against_its_key():
    first, second = synced("first"), synced("second")
    cache.set(sweep.queued_key(first.pk), {"list": 20, "status": 0})
    spend(second, 26)  # with the queued 20: 46 of 48

    assert run_sweep() == {}
    sweep.sync_finished(first.pk)
    assert set(run_sweep()) == {first.pk, second.pk}


def test_each_sync_is_planned_at_the_cost_of_its_last_incremental_run():
    organization = synced("acme")
    make_sync_run(organization, api_calls={LIST_ENDPOINT: 7, STATUS_ENDPOINT: 12})
    make_sync_run(organization, kind="full", api_calls={LIST_ENDPOINT: 90})
    make_sync_run(organization, outcome="rate_limited", api_calls={LIST_ENDPOINT: 1})

    planned = run_sweep()[organization.pk]

    assert (planned.cost.list_calls, planned.cost.status_calls) == (7, 12)
    mark = cache.get(sweep.queued_key(organization.pk))
    assert (mark["list"], mark["status"]) == (7, 12)


def test_a_walk_of_every_encoding_is_planned_in_pages_of_the_mirror():
    walked = synced("walked", last_full_sync_at=timezone.now() - timedelta(days=1))
    for _ in range(250):
        make_encoding(walked)
    first_time = synced("first-time", key="key-two", last_full_sync_at=None)

    planned = run_sweep()

    assert planned[walked.pk].full_pass_allowance == 4, "250 encodings: three pages of 100, and the last"
    assert planned[first_time.pk].full_pass_allowance == 24, "how many is unknown: half the key's 48"
    assert sweep._walk_pages(None) == UNKNOWN_WALK_PAGES


def test_a_quiet_organization_whose_webhooks_work_waits_for_the_safety_net():
    quiet = synced("quiet", registered_webhooks=WEBHOOKS)
    active = synced("active", key="key-two", registered_webhooks=WEBHOOKS)
    make_encoding(active, status="RUNNING", progress=40)
    notified = synced("notified", key="key-three", registered_webhooks=WEBHOOKS)
    make_delivery(notified, received_at=timezone.now() - timedelta(minutes=1))
    watched = synced("watched", key="key-four", registered_webhooks=WEBHOOKS)
    link, _ = display_link_create(label="Ops", organizations=[watched])
    display_link_seen(link_id=link.pk, now=timezone.now())

    assert set(run_sweep()) == {active.pk, notified.pk, watched.pk}

    Organization.objects.filter(pk=quiet.pk).update(
        last_sync_started_at=timezone.now() - timedelta(seconds=301)
    )
    assert set(run_sweep()) == {quiet.pk}


def test_only_organizations_free_to_sync_are_planned():
    now = timezone.now()
    synced("paused", sync_paused_until=now + timedelta(seconds=30))
    synced("running", sync_lease_token="t", sync_lease_expires_at=now + timedelta(seconds=60))
    synced("recent", ago=10.0)
    unreadable = synced("unreadable")
    AccountConnection.objects.filter(pk=unreadable.connection_id).update(api_key_encrypted="not-a-ciphertext")
    ready = synced("ready")

    assert set(run_sweep()) == {ready.pk}
    unreadable.refresh_from_db()
    assert unreadable.key_unreadable, "marked, as when a client is built for it"


def test_the_mark_of_a_run_whose_worker_was_killed_gives_way_once_its_lease_runs_out():
    organization = synced("acme")
    queued_at = timezone.now()
    assert [p.organization_id for p in sweep.sweep(enqueue=lambda p: None, now=queued_at)] == [
        organization.pk
    ]
    assert run_sweep() == {}, "planned and not started: not planned twice"

    # The run starts and takes the lease; then its worker is killed, and nothing clears the mark.
    assert lease.acquire(organization.pk) is not None
    Organization.objects.filter(pk=organization.pk).update(
        last_sync_started_at=queued_at + timedelta(seconds=1)
    )
    assert run_sweep() == {}, "a live run holds the lease"
    lease_end = Organization.objects.get(pk=organization.pk).sync_lease_expires_at

    planned = []
    sweep.sweep(enqueue=planned.append, now=lease_end + timedelta(seconds=1))
    assert [p.organization_id for p in planned] == [organization.pk]
    assert cache.get(sweep.queued_key(organization.pk)) is not None, "marked again, for the new run"


def test_the_sweep_reads_the_database_in_one_query_however_many_organizations(django_assert_num_queries):
    for number in range(12):
        synced(f"org-{number}", key=f"key-{number % 3}")

    with django_assert_num_queries(1):
        planned = run_sweep()

    assert len(planned) == 12


def test_walks_of_every_encoding_planned_in_a_span_take_at_most_half_of_the_key():
    first = synced("first", last_full_sync_at=None)
    second = synced("second", last_full_sync_at=None)
    walked = synced("walked")

    planned = run_sweep()

    assert planned[first.pk].full_pass_allowance == 24, "half of the key's 48 list calls"
    assert planned[second.pk].full_pass_allowance == 0, "the walks' share of this span is spent"
    assert walked.pk in planned
    key = planned[first.pk].key
    assert sweep.walk_pages(key).used() == 24
    for organization in (first, second, walked):
        sweep.sync_finished(organization.pk)
    Organization.objects.filter(pk=second.pk).update(last_sync_started_at=timezone.now() - timedelta(hours=1))
    assert run_sweep()[second.pk].full_pass_allowance == 0, "the pages planned count for the whole span"


def test_the_pages_a_walk_was_planned_for_and_did_not_take_are_given_back_when_it_ends():
    first = synced("first", last_full_sync_at=None)
    assert set(run_sweep()) == {first.pk}
    second = synced("second", last_full_sync_at=None)

    # Its 4 lists and 6 pages: the whole organization, 18 pages short of the share it was planned at.
    now = timezone.now()
    Organization.objects.filter(pk=first.pk).update(last_sync_started_at=now, last_full_sync_at=now)
    sweep.sync_finished(first.pk, list_calls=10)
    planned = run_sweep()

    assert planned[second.pk].full_pass_allowance == 18
    assert sweep.walk_pages(planned[second.pk].key).used() == 24
