"""The per-caller window counter (services/ratelimit.py): a sliding window, so no burst straddles an edge."""

import pytest
from django.core.cache import cache

from encodings_app.services.ratelimit import window_spend

START = 1_800_000_000.0  # a window's first second (a multiple of 60)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def spend(at: float, *, limit: int = 3, name: str = "caller"):
    return window_spend(name, limit=limit, window_seconds=60, now=at)


def test_the_limit_holds_across_a_windows_edge():
    for second in (57, 58, 59):
        assert not spend(START + second).over_limit
    # One second later a fixed window would start again from nothing.
    refused = spend(START + 61)
    assert refused.over_limit
    assert refused.first_refusal
    assert not spend(START + 61).first_refusal, "one first refusal per window"


def test_a_caller_that_waits_as_told_is_let_through_then_and_not_before():
    for second in (3, 2, 1):
        spend(START - second)
    refused = spend(START)
    # The three sit in the 5-s slot before START; the check spans 14 slots, so that slot leaves it 65 s on.
    assert refused.retry_after == pytest.approx(65.0)
    # Asking again meanwhile does not push the wait further: refused units are not counted.
    for second in range(1, 65, 4):
        assert spend(START + second).over_limit
    assert not spend(START + 65).over_limit


def test_a_full_window_waits_until_its_first_units_have_left_the_span():
    for second in (0, 1, 2):
        assert not spend(START + second).over_limit
    refused = spend(START + 30)
    assert refused.over_limit
    assert refused.retry_after == pytest.approx(40.0)
    assert spend(START + 69.9).over_limit
    assert not spend(START + 70).over_limit


def test_callers_count_apart_and_the_wait_is_at_least_a_second():
    assert not spend(START, limit=1).over_limit
    refused = spend(START + 59.9, limit=1)
    assert refused.over_limit and refused.retry_after >= 1.0
    assert not spend(START, limit=1, name="someone else").over_limit
