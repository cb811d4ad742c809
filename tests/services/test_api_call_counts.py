"""Calls to the API counted by organization, endpoint and answer in the shared cache, for /metrics."""

import pytest
from django.core.cache import cache

from encodings_app.bitmovin import NotFoundError, RateLimitedError, TransportError
from encodings_app.services import api_call_counts, clients
from encodings_app.services.key_budget import ApiBudget
from tests.factories import make_organization
from tests.support.simulator import RunningSimulator

LIST = "GET /encoding/encodings"
ONE = "GET /encoding/encodings/{id}"
STATUS = "GET /encoding/encodings/{id}/status"
STATS = "GET /encoding/statistics/encodings/{id}"


@pytest.fixture(scope="module")
def simulator():
    with RunningSimulator(encodings=5, seed=31, organizations=1, args=["--rate-limits", "off"]) as running:
        yield running


@pytest.fixture
def organizations(db, simulator):
    tenant = simulator.accounts()["accounts"][0]["organizations"][0]["id"]
    return [
        make_organization(
            slug, api_key=simulator.api_key, api_base_url=simulator.base_url, tenant_org_id=tenant
        )
        for slug in ("acme", "globex")
    ]


def counts_of(organization) -> dict:
    return api_call_counts.counts_by_organization([organization.pk]).get(organization.pk, {})


def test_every_attempt_is_counted_by_organization_endpoint_and_status(simulator, organizations):
    acme, globex = organizations
    with clients.client_for(acme) as client:
        first = client.list_encodings().items[0]
        client.get_encoding_status(first.id)
        client.get_encoding_status(first.id)
        with pytest.raises(NotFoundError):
            client.get_encoding("0" * 32)
    with clients.client_for(globex) as client:
        client.list_encodings()

    assert counts_of(acme) == {(LIST, "200"): 1, (STATUS, "200"): 2, (ONE, "404"): 1}
    assert counts_of(globex) == {(LIST, "200"): 1}


def test_a_429_from_the_api_and_a_refusal_by_our_own_budget_are_told_apart(simulator, organizations):
    acme, _ = organizations
    simulator.set_faults("429=1,max=1")
    try:
        with clients.client_for(acme) as client, pytest.raises(RateLimitedError):
            client.list_encodings()
    finally:
        simulator.clear_faults()

    # Spend what is left of the key's budget for one endpoint, as other workers would have.
    budget = ApiBudget(clients.budget_fingerprint(acme))
    with pytest.raises(RateLimitedError):
        for _ in range(10_000):
            budget("GET", STATS)
    with clients.client_for(acme) as client, pytest.raises(RateLimitedError):
        client.get_encoding_statistics("0" * 32)

    # A worker's client never waits a 429 out: one attempt answered 429, and one call never sent.
    assert counts_of(acme) == {(LIST, "429"): 1, (STATS, api_call_counts.REFUSED): 1}
    assert not [row for row in simulator.stats()["endpoints"] if "statistics" in row["endpoint"]]


def test_an_attempt_without_an_answer_is_counted_as_none(db):
    # Nothing listens on port 9 of loopback: the connection is refused, so no HTTP status exists.
    organization = make_organization("acme", api_base_url="http://127.0.0.1:9/v1")
    with clients.client_for(organization) as client, pytest.raises(TransportError):
        client.list_encodings()

    counted = counts_of(organization)
    assert set(counted) == {(LIST, api_call_counts.NO_ANSWER)}
    assert counted[(LIST, api_call_counts.NO_ANSWER)] >= 1


def test_a_pair_lost_from_the_shared_list_comes_back_with_its_next_call(db):
    counter = api_call_counts.ApiCallCounter(41)
    counter.attempted("GET", LIST, 200)
    cache.delete(api_call_counts.PAIRS_KEY)  # evicted, or overwritten by a process that raced this one

    assert api_call_counts.counts_by_organization([41]) == {}
    counter.attempted("GET", LIST, 200)
    assert api_call_counts.counts_by_organization([41]) == {41: {(LIST, "200"): 2}}


def test_a_cache_failure_never_fails_the_call_being_counted(db, caplog):
    class BrokenCache:
        def get(self, *args, **kwargs):
            raise ConnectionError("cache down")

    counter = api_call_counts.ApiCallCounter(42, cache=BrokenCache())
    counter.attempted("GET", LIST, 200)

    assert "API call to GET /encoding/encodings not counted: ConnectionError" in caplog.text
