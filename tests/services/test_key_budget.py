"""Each API key's request budget: shared by every client of the key, sliding, a share kept for operators."""

import pytest

from encodings_app.bitmovin import RateLimitedError
from encodings_app.services.key_budget import SLOTS, ApiBudget, budget_for, key_fingerprint

pytestmark = pytest.mark.usefixtures("published_limits")

LIST = "GET /encoding/encodings"
STATUS = "GET /encoding/encodings/{id}/status"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def allowed(budget: ApiBudget, endpoint: str = LIST) -> bool:
    try:
        budget("GET", endpoint)
    except RateLimitedError:
        return False
    return True


def test_the_list_budget_leaves_headroom_and_keeps_a_share_for_operators():
    budget = budget_for(LIST)
    assert (budget.total, budget.background) == (54, 48), "60 less 10 %, of which 10 % kept for operators"
    assert budget_for(STATUS).total == 5400


def test_a_busy_sweep_leaves_the_reserve_to_interactive_calls():
    clock = Clock(6_000_000.0)
    sweep = ApiBudget("k", clock=clock)
    operator = ApiBudget("k", interactive=True, clock=clock)

    assert sum(allowed(sweep) for _ in range(60)) == 48
    # The twelve refused sweep calls reached nobody: they took nothing from the reserve.
    assert sum(allowed(operator) for _ in range(10)) == 6
    assert sweep.used(LIST) == 54
    # Other endpoints have budgets of their own.
    assert allowed(sweep, STATUS)


def test_a_refusal_says_when_a_call_fits_again():
    clock = Clock(6_000_000.0)
    budget = ApiBudget("k", clock=clock)
    for _ in range(48):
        budget("GET", LIST)
    clock.now += 20
    with pytest.raises(RateLimitedError) as refused:
        budget("GET", LIST)
    assert "kept for operators" in str(refused.value)

    clock.now += refused.value.retry_after - 0.5
    assert not allowed(budget), "not a moment before"
    clock.now += 0.5
    assert allowed(budget)


def test_no_window_long_span_ever_holds_more_than_the_budget():
    """Calls as fast as the budget lets them through, for five minutes: wherever the API's one-minute
    windows begin, none of them sees more than the budget, yet most of it is used."""
    clock = Clock(6_000_007.3)
    budget = ApiBudget("k", clock=clock)
    times = []
    while clock.now < 6_000_307.3:
        if allowed(budget):
            times.append(clock.now)
        clock.now += 0.25
    busiest = max(sum(1 for t in times if start <= t < start + 60) for start in times)

    assert busiest <= 48
    assert len(times) >= 5 * 48 * SLOTS / (SLOTS + 2) - 48


def test_every_client_of_the_same_key_spends_from_one_budget():
    clock = Clock(7_000_000.0)
    fingerprint = key_fingerprint("shared-key", "https://api.bitmovin.com/v1")
    first, second = ApiBudget(fingerprint, clock=clock), ApiBudget(fingerprint, clock=clock)
    for _ in range(24):
        first("GET", LIST)
        second("GET", LIST)

    assert not allowed(first)
    assert second.used(LIST) == 48
    assert allowed(ApiBudget(key_fingerprint("shared-key", "http://127.0.0.1:8765/v1"), clock=clock)), (
        "the same key at another API has a budget of its own"
    )


def test_fingerprint_names_key_and_address_without_revealing_the_key():
    key = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    fingerprint = key_fingerprint(key, "https://api.bitmovin.com/v1")
    assert key not in fingerprint and len(fingerprint) == 16
    assert fingerprint == key_fingerprint(key, "https://api.bitmovin.com/v1/")
    assert fingerprint != key_fingerprint("another-key", "https://api.bitmovin.com/v1")
