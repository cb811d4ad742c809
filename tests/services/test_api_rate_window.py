"""The key budget follows the API's own count (x-ratelimit-* headers), read from the simulator over HTTP.

The simulator's window for a key opens with the key's first request, so calls our count never saw (another
installation with the same key, a script) leave the API's count ahead of ours: only its headers tell.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from encodings_app.bitmovin import RateLimitedError
from encodings_app.services import sweep
from encodings_app.services.clients import budget_fingerprint, client_for
from encodings_app.services.key_budget import LIST_ENDPOINT, ApiBudget
from tests.factories import make_organization
from tests.support.api_client import point_at, simulator_client
from tests.support.rewriting_proxy import RewritingProxy
from tests.support.simulator import RunningSimulator

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

LIST_LIMIT = 10  # per window, on both sides: 9 for every caller, 8 for background work


@pytest.fixture(scope="module")
def simulator():
    with RunningSimulator(encodings=30, seed=23) as running:
        yield running


@pytest.fixture(autouse=True)
def fresh_windows(simulator, settings):
    settings.BITMOVIN_KEY_LIMIT_PER_MINUTE = LIST_LIMIT
    settings.BITMOVIN_RATE_WINDOW_SECONDS = 60
    settings.SYNC_BUDGET_HEADROOM = 0.1
    settings.INTERACTIVE_RESERVED_SHARE = 0.1
    cache.clear()
    simulator.set_rate_limits(enabled=True, limits={LIST_ENDPOINT: LIST_LIMIT}, reset=True)
    simulator.clear_faults()
    simulator.reset_stats()
    yield
    simulator.clear_faults()


@pytest.fixture
def organization(simulator):
    return make_organization("acme", api_key=simulator.api_key, api_base_url=simulator.base_url)


def elsewhere(simulator, calls: int) -> None:
    """Calls with the same key that our budget never counted."""
    tenant = simulator.accounts()["accounts"][0]["organizations"][0]["id"]
    with simulator_client(simulator, tenant) as other:
        for _ in range(calls):
            other.list_encodings(limit=1)


def test_calls_our_count_never_saw_are_counted_through_the_apis_headers(simulator, organization):
    elsewhere(simulator, 7)

    with client_for(organization) as background:
        background.list_encodings(limit=1)  # the API says: 2 of 10 left
        with pytest.raises(RateLimitedError) as refused:
            background.list_encodings(limit=1)
    with client_for(organization, interactive=True) as operator:
        operator.list_encodings(limit=1)  # operators may go on down to the headroom: 1 left
        with pytest.raises(RateLimitedError):
            operator.list_encodings(limit=1)

    assert "Bitmovin says 2 of its 10 requests" in str(refused.value)
    assert 1 <= refused.value.retry_after <= 60, "until the API's window resets"
    budget = ApiBudget(budget_fingerprint(organization))
    assert budget.count(LIST_ENDPOINT).used() == 2, "our own count saw only our two calls"
    assert sweep._spent(budget_fingerprint(organization)).list_calls == 9, "the planner sees the API's count"
    assert simulator.stats()["rateLimited"] == 0, "the API never had to refuse the key"


def test_an_injected_429_stops_calls_to_its_endpoint_until_its_reset(simulator, organization):
    some_encoding = first_encoding(simulator)
    simulator.set_faults("429=1,path=/encoding/encodings,method=GET")
    with client_for(organization) as background:
        with pytest.raises(RateLimitedError) as limited:
            background.list_encodings(limit=1)
        simulator.clear_faults()
        requests_before = simulator.stats()["apiRequests"]
        with pytest.raises(RateLimitedError) as refused:
            background.list_encodings(limit=1)
        background.get_encoding_status(some_encoding)

    assert limited.value.retry_after == 30.0, "the 429's own wait comes from x-ratelimit-reset"
    assert "Bitmovin says 0 of its" in str(refused.value)
    assert simulator.stats()["apiRequests"] == requests_before + 1, "only the status read reached the API"


def first_encoding(simulator) -> str:
    tenant = simulator.accounts()["accounts"][0]["organizations"][0]["id"]
    with simulator_client(simulator, tenant) as other:
        return other.list_encodings(limit=1).items[0].id


@pytest.mark.parametrize(
    "rewrite",
    [
        lambda headers: [(k, "lots" if k.lower() == "x-ratelimit-remaining" else v) for k, v in headers],
        lambda headers: [(k, v) for k, v in headers if not k.lower().startswith("x-ratelimit")],
        lambda headers: [(k, "-3" if k.lower() == "x-ratelimit-reset" else v) for k, v in headers],
        lambda headers: [(k, "0" if k.lower() == "x-ratelimit-limit" else v) for k, v in headers],
    ],
    ids=["garbled-remaining", "absent", "negative-reset", "zero-limit"],
)
def test_absent_or_garbled_headers_leave_our_own_count_in_charge(simulator, organization, rewrite):
    elsewhere(simulator, 7)
    with RewritingProxy(simulator.root_url, rewrite_headers=rewrite) as proxy:
        point_at(organization, base_url=proxy.base_url)
        with client_for(organization) as background:
            background.list_encodings(limit=1)
            background.list_encodings(limit=1)

        budget = ApiBudget(budget_fingerprint(organization))
        assert budget.api_word(LIST_ENDPOINT) is None
        assert budget.used(LIST_ENDPOINT) == 2
