"""Each API key's request budget: shared by every client of the key, sliding, a share kept for operators."""

import logging
import socket

import pytest

from encodings_app.bitmovin import RateLimitedError, RateLimitWindow
from encodings_app.services.key_budget import (
    UNCOUNTABLE_PAUSE_SECONDS,
    ApiBudget,
    budget_for,
    key_fingerprint,
)
from encodings_app.services.ratelimit import SLOTS, SlidingCount

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


@pytest.mark.slow
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


# --- the API's own count (x-ratelimit-* headers) ------------------------------------------------------------


def said(budget: ApiBudget, remaining: int, *, limit: int = 60, reset_s: float = 40.0) -> None:
    budget.seen("GET", LIST, RateLimitWindow(limit=limit, remaining=remaining, reset_s=reset_s))


def test_the_apis_count_refuses_background_calls_once_only_the_reserve_and_headroom_are_left():
    clock = Clock(8_000_000.0)
    sweep = ApiBudget("k", clock=clock)
    operator = ApiBudget("k", interactive=True, clock=clock)

    said(sweep, remaining=13)
    assert allowed(sweep), "47 used by the API's count: the sweep's 48th call still fits"
    said(sweep, remaining=12)
    with pytest.raises(RateLimitedError) as refused:
        sweep("GET", LIST)
    assert refused.value.retry_after == 40.0, "until the API's window resets"
    assert "Bitmovin says 12 of its 60 requests" in str(refused.value)
    assert sweep.count(LIST).used() == 1, "a refused call takes nothing from our own count"
    assert allowed(operator), "operators may go on down to the headroom"
    said(operator, remaining=6)
    assert not allowed(operator)
    assert allowed(sweep, STATUS), "the API's word is per endpoint"


def test_the_apis_word_lapses_when_its_window_resets():
    clock = Clock(8_000_000.0)
    budget = ApiBudget("k", clock=clock)
    said(budget, remaining=0, reset_s=5)

    assert not allowed(budget)
    clock.now += 5
    assert allowed(budget)


def test_the_apis_word_is_believed_for_one_window_at_most():
    clock = Clock(8_000_000.0)
    budget = ApiBudget("k", clock=clock)
    said(budget, remaining=0, reset_s=3600)

    assert budget.api_word(LIST).reset_at == clock.now + 60
    clock.now += 60
    assert allowed(budget)


def test_an_answer_overtaken_on_its_way_does_not_raise_the_count_left_but_a_new_window_does():
    clock = Clock(8_000_000.0)
    budget = ApiBudget("k", clock=clock)
    said(budget, remaining=10, reset_s=30)
    said(budget, remaining=20, reset_s=31)
    assert budget.api_word(LIST).remaining == 10

    said(budget, remaining=59, reset_s=60)
    assert budget.api_word(LIST).remaining == 59


def test_used_is_the_larger_of_our_count_and_the_apis_scaled_to_our_limit():
    clock = Clock(8_000_000.0)
    budget = ApiBudget("k", clock=clock)
    for _ in range(5):
        budget("GET", LIST)
    assert budget.used(LIST) == 5
    said(budget, remaining=40)
    assert budget.used(LIST) == 20
    said(budget, remaining=5, limit=10, reset_s=50)
    assert budget.used(LIST) == 30, "half of the API's smaller limit is half of ours"


@pytest.mark.parametrize(
    "record", ["garbage", {"limit": "x", "remaining": 1, "reset_at": 9e9}, {"remaining": 0}, {"limit": 0}]
)
def test_a_garbled_record_of_the_apis_word_is_ignored(record):
    clock = Clock(8_000_000.0)
    budget = ApiBudget("k", clock=clock)
    budget.cache.set(budget._word_key(LIST), record)

    assert budget.api_word(LIST) is None
    assert allowed(budget)


def unreachable_cache():
    """A real Redis cache whose server is not there, as during a Redis restart."""
    from django.core.cache.backends.redis import RedisCache

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return RedisCache(f"redis://127.0.0.1:{port}/0", {"OPTIONS": {"socket_connect_timeout": 1}})


def test_a_call_that_cannot_be_counted_is_refused_for_a_short_pause_and_says_why(caplog):
    budget = ApiBudget("k" * 16, cache=unreachable_cache())
    with caplog.at_level(logging.WARNING), pytest.raises(RateLimitedError) as refused:
        budget("GET", LIST)
    assert refused.value.retry_after == UNCOUNTABLE_PAUSE_SECONDS
    assert "could not be read (the shared cache is unavailable)" in str(refused.value)
    assert refused.value.endpoint == LIST
    assert "budget could not be read (ConnectionError)" in caplog.text
    assert "127.0.0.1" not in caplog.text, "no address of the cache in the log"


def test_the_apis_word_that_cannot_be_kept_is_dropped_without_breaking_the_answer(caplog):
    budget = ApiBudget("k" * 16, cache=unreachable_cache())
    with caplog.at_level(logging.WARNING):
        budget.seen("GET", LIST, RateLimitWindow(limit=60, remaining=3, reset_s=20))
    assert "was not recorded: the cache failed (ConnectionError)" in caplog.text


def test_what_was_planned_counts_over_the_span_and_what_was_not_taken_is_given_back():
    clock = Clock(9_000_000.0)
    planned = SlidingCount("walk-pages-of-k", window_seconds=60, clock=clock)
    planned.add(24, at=clock.now)
    clock.now += 30
    planned.add(10, at=clock.now)
    assert planned.used() == 34

    planned.give_back(20, at=clock.now - 30)
    assert planned.used() == 14
    clock.now += (
        45  # 75 s after the first plan: its slot has left the span of SLOTS + 2 slots, not the second's
    )
    assert planned.used() == 10, "the first plan's slot has left the span"
    planned.give_back(5, at=clock.now - 300)  # a slot long expired: nothing to take back, no error
    assert planned.used() == 10
