"""A per-API-key request budget shared by every worker, so that the sync stays inside Bitmovin's limits.

Bitmovin counts requests per key, per endpoint and per minute. Each call the client is about to make takes
one unit from a counter in the shared cache (Redis in production); when the minute's budget is spent the
call is refused with the same RateLimitedError a real 429 would raise, so both paths pause the organization
by rescheduling, never by sleeping in a worker.

The counter itself, `window_spend`, is the one fixed-window limiter of the project: the per-user limit on
encoding actions (services/actions.py) counts with it too.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache as default_cache

from encodings_app.bitmovin import errors

WINDOW_SECONDS = 60

# Requests per minute by endpoint key ("METHOD /path/{id}"), from Bitmovin's published limits.
BUDGETS_PER_MINUTE = {
    "GET /encoding/encodings": 60,
    "POST /encoding/encodings": 600,
    "GET /encoding/encodings/{id}/status": 6000,
    "POST /encoding/encodings/{id}/start": 600,
    "GET /encoding/encodings/{id}/start": 600,
    "GET /encoding/statistics/encodings/{id}": 60,
    "GET /encoding/statistics/daily/{from}/{to}": 60,
}
# Endpoints without a published figure: sub-resources of an encoding are documented far higher than this.
DEFAULT_BUDGET_PER_MINUTE = 1000
# Keep a margin: the published figures are the API's hard limits, and our counter is per window, not sliding.
SAFETY_FACTOR = 0.9


def key_fingerprint(api_key: str) -> str:
    """Names the key in cache entries without revealing it."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:16]


def budget_for(endpoint: str) -> int:
    return max(1, int(BUDGETS_PER_MINUTE.get(endpoint, DEFAULT_BUDGET_PER_MINUTE) * SAFETY_FACTOR))


class ApiBudget:
    """The client's before_request hook: ApiBudget(fingerprint)(method, endpoint) spends one unit."""

    def __init__(self, fingerprint: str, *, cache=None, clock: Callable[[], float] = time.time) -> None:
        self.fingerprint = fingerprint
        self.cache = cache or default_cache
        self.clock = clock

    def __call__(self, method: str, endpoint: str) -> None:
        limit = budget_for(endpoint)
        spent = window_spend(self._counter_prefix(endpoint), limit=limit, cache=self.cache, clock=self.clock)
        if spent.exceeded:
            raise errors.RateLimitedError(
                f"our own budget of {limit} requests per minute for {endpoint} is spent",
                retry_after=spent.retry_after,
                method=method,
                endpoint=endpoint,
            )

    def used(self, endpoint: str) -> int:
        window = int(self.clock() // WINDOW_SECONDS)
        return self.cache.get(f"{self._counter_prefix(endpoint)}:{window}", 0)

    def _counter_prefix(self, endpoint: str) -> str:
        # No spaces in cache keys: some backends refuse them.
        return f"api-budget:{self.fingerprint}:{endpoint.replace(' ', '_')}"


@dataclass(frozen=True)
class WindowSpend:
    used: int
    limit: int
    retry_after: float  # seconds until the window resets

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit


def window_spend(
    name: str,
    *,
    limit: int,
    window_seconds: int = WINDOW_SECONDS,
    cache=None,
    clock: Callable[[], float] = time.time,
) -> WindowSpend:
    """Spend one unit of the counter `name` in the current fixed window, shared by every process.

    The caller decides what to do past `limit`: the API budget raises, a person gets an answer in words.
    """
    cache = cache or default_cache
    now = clock()
    window = int(now // window_seconds)
    counter = f"{name}:{window}"
    # add() only creates the counter; incr() is atomic on Redis, so concurrent workers share one count.
    cache.add(counter, 0, timeout=window_seconds * 2)
    try:
        used = cache.incr(counter)
    except ValueError:  # expired between add() and incr()
        cache.add(counter, 1, timeout=window_seconds * 2)
        used = 1
    return WindowSpend(used=used, limit=limit, retry_after=max(1.0, (window + 1) * window_seconds - now))
