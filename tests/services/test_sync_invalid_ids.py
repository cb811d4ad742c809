"""A sync whose API answers hold encodings with unusable ids: the others converge, the bad ones are counted
and named on the run, and nothing is ever asked of the API about them.

The simulator only hands out good ids, so a rewriting proxy on 127.0.0.1 renames some of its encodings in
every list answer; the client, the sync and the mirror all run for real over HTTP.
"""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from django.core.cache import cache

from encodings_app.bitmovin.ids import is_valid_id
from encodings_app.models import Encoding, SyncRun
from encodings_app.services import sync
from tests.factories import make_encoding, make_organization
from tests.support.api_client import simulator_client
from tests.support.rewriting_proxy import RewritingProxy, rename_ids
from tests.support.simulator import RunningSimulator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BAD_SHAPES = ["bad/one", "", "b" * 65, "..", "bad two", "bad-é"]


@pytest.fixture(autouse=True)
def fresh_request_budgets():
    cache.clear()


@pytest.fixture(scope="module")
def simulator():
    with RunningSimulator(encodings=40, seed=23, organizations=1, args=["--rate-limits", "off"]) as running:
        yield running


@pytest.fixture(scope="module")
def tenant(simulator):
    return simulator.accounts()["accounts"][0]["organizations"][0]


@pytest.fixture(scope="module")
def api_ids(simulator, tenant) -> list[str]:
    with simulator_client(simulator, tenant["id"]) as client:
        return [item.id for item in client.iter_encodings(sort="createdAt:asc")]


@pytest.fixture
def renamed(api_ids) -> dict[str, str]:
    # Spread over the list (the first, one in the middle, the last ...) so every walk meets some of them.
    chosen = api_ids[:: max(1, len(api_ids) // len(BAD_SHAPES))][: len(BAD_SHAPES)]
    return dict(zip(chosen, BAD_SHAPES, strict=True))


@pytest.fixture
def proxy(simulator, renamed):
    with RewritingProxy(simulator.root_url, rewrite=rename_ids(renamed)) as running:
        yield running


@pytest.fixture
def organization(simulator, tenant, proxy):
    return make_organization(
        "acme", api_key=simulator.api_key, api_base_url=proxy.base_url, tenant_org_id=tenant["id"]
    )


def run_sync(organization, **kwargs) -> SyncRun:
    run = sync.organization_sync(organization_id=organization.pk, **kwargs)
    assert run is not None
    return run


def test_sync_mirrors_the_good_encodings_and_counts_the_ones_left_out(organization, api_ids, renamed, proxy):
    run = run_sync(organization)

    assert run.outcome == SyncRun.Outcome.OK, run.error_message
    mirrored = set(Encoding.objects.filter(organization=organization).values_list("bitmovin_id", flat=True))
    assert mirrored == set(api_ids) - set(renamed)
    assert run.encodings_skipped >= len(renamed)
    assert "left out: Bitmovin gave them an id the dashboard cannot use" in run.error_message
    assert run.error_request_id
    # Every good encoding had its status read; no request ever named a bad id.
    assert not Encoding.objects.filter(organization=organization, status_synced_at__isnull=True).exists()
    asked = [unquote(path) for path in proxy.paths]
    assert not any(bad and bad in path for bad in BAD_SHAPES for path in asked)

    again = run_sync(organization)
    assert again.outcome == SyncRun.Outcome.OK
    # Active encodings may have moved on meanwhile; the left-out ones never come in.
    assert again.encodings_created == 0
    assert set(Encoding.objects.filter(organization=organization).values_list("bitmovin_id", flat=True)) == (
        set(api_ids) - set(renamed)
    )


def test_a_stored_encoding_with_an_unusable_id_is_never_read_and_a_full_pass_retires_it(organization, proxy):
    run_sync(organization)
    # A row from before ids were checked, active, so an incremental run would read its status.
    stored = make_encoding(organization, bitmovin_id="old/stored", status="RUNNING")

    incremental = run_sync(organization)

    assert incremental.kind == SyncRun.Kind.INCREMENTAL
    assert incremental.outcome == SyncRun.Outcome.OK, incremental.error_message
    stored.refresh_from_db()
    assert stored.status_synced_at is None and stored.deleted_at is None
    assert not any("old/stored" in unquote(path) for path in proxy.paths)

    full = run_sync(organization, full=True)

    assert full.outcome == SyncRun.Outcome.OK, full.error_message
    stored.refresh_from_db()
    assert stored.deleted_at is not None
    assert not any("old/stored" in unquote(path) for path in proxy.paths)
    live = Encoding.objects.filter(organization=organization, deleted_at__isnull=True)
    assert all(is_valid_id(bitmovin_id) for bitmovin_id in live.values_list("bitmovin_id", flat=True))


def test_a_refresh_of_an_unusable_id_is_refused_without_a_call(organization, proxy):
    make_encoding(organization, bitmovin_id="a/b")

    assert sync.encoding_sync(organization_id=organization.pk, bitmovin_id="a/b") is None
    assert proxy.paths == []
