"""The project's one sliding counter, shared by every process through the cache, and the per-caller limits
built on it.

A SlidingCount cuts its window into SLOTS slots and counts each in the cache; a unit is allowed only when
the last SLOTS + 2 slots hold less than the limit. Any window-long span of time, even seen a slot late (a
slow request), lies within SLOTS + 2 consecutive slots, so no window anywhere sees more than the limit. A
fixed window would let a caller spend its limit twice across the window's edge (at 12:00:59 and again at
12:01:00); a refused unit is not counted, so a caller that waits as told is let through then.

Users of it: each API key's budget per endpoint (key_budget.py), the pages the sweep plans to walk
(sweep.py), and window_spend's per-caller limits: the actions one user may ask for (services/actions.py),
the webhook deliveries one address may post (services/webhooks.py).
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache as default_cache

WINDOW_SECONDS = 60
# Slots per window: more slots waste less of the limit (the check spans SLOTS + 2 of them), fewer cost
# fewer cache reads per unit.
SLOTS = 12


@dataclass(frozen=True)
class SlotSpend:
    allowed: bool
    used: int  # units in the span, this one included when allowed
    retry_after: float  # seconds until enough of the span has passed for one more unit (when refused)


class SlidingCount:
    """Units of one counter over a sliding window, in slots of window_seconds / SLOTS kept in the cache."""

    def __init__(
        self,
        name: str,
        *,
        window_seconds: float,
        cache=None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.window_seconds = window_seconds
        self.length = window_seconds / SLOTS
        self.timeout = math.ceil(window_seconds * 2) + 1
        self.cache = cache or default_cache
        self.clock = clock

    def spend(self, limit: int) -> SlotSpend:
        """Take one unit when the span holds fewer than `limit`; otherwise take nothing."""
        now = self.clock()
        slot = int(now // self.length)
        current = self._key(slot)
        mine = counter_incr(self.cache, current, timeout=self.timeout)
        older = self._counts(range(slot - SLOTS - 1, slot))
        used = sum(older) + mine
        if used <= limit:
            return SlotSpend(allowed=True, used=used, retry_after=0.0)
        # A refused unit reaches nobody: it must not count, or refusals would eat the budget (and a caller
        # asking again meanwhile would only push its own wait further).
        with contextlib.suppress(ValueError):  # the slot expired meanwhile: nothing left to take back
            self.cache.decr(current)
        return SlotSpend(
            allowed=False, used=used - 1, retry_after=self._wait(older, mine - 1, limit, slot, now)
        )

    def add(self, count: int, *, at: float) -> None:
        """Count `count` at once in the slot of `at`, without a limit: what was planned rather than called
        (sweep.py)."""
        counter_incr(self.cache, self._key(int(at // self.length)), timeout=self.timeout, delta=count)

    def give_back(self, count: int, *, at: float) -> None:
        """Take back `count` of what was added in the slot of `at`, if that slot is still kept."""
        with contextlib.suppress(ValueError):  # the slot expired: nothing left to take back
            self.cache.decr(self._key(int(at // self.length)), count)

    def used(self) -> int:
        """Units in the span that ends now (what the next unit is checked against, less itself)."""
        slot = int(self.clock() // self.length)
        return sum(self._counts(range(slot - SLOTS - 1, slot + 1)))

    def _wait(self, older: list[int], current: int, limit: int, slot: int, now: float) -> float:
        """Seconds until the oldest slots have left the span and one more unit fits."""
        remaining = sum(older) + current
        first = slot - SLOTS - 1
        for index, count in enumerate(older):
            remaining -= count
            if remaining < limit:
                # Slot first + index leaves the span when slot first + index + SLOTS + 2 begins.
                return max(self.length / 2, (first + index + SLOTS + 2) * self.length - now)
        return max(self.length / 2, (slot + SLOTS + 2) * self.length - now)

    def _counts(self, slots: range) -> list[int]:
        keys = [self._key(slot) for slot in slots]
        found = self.cache.get_many(keys)
        return [int(found.get(key, 0)) for key in keys]

    def _key(self, slot: int) -> str:
        return window_key(self.name, slot)


@dataclass(frozen=True)
class WindowSpend:
    """One unit asked of a per-caller limit: what the last window held with it, and when one more fits."""

    used: int
    limit: int
    retry_after: float
    # True for the first refusal of a window only: what logs or audits a refusal does it once per window,
    # not once per request of a flood.
    first_refusal: bool = False

    @property
    def over_limit(self) -> bool:
        return self.used > self.limit


def window_spend(
    name: str, *, limit: int, window_seconds: int = WINDOW_SECONDS, now: float, cache=None
) -> WindowSpend:
    """Take one unit of the caller `name`'s limit at `now`; over_limit when the last window held `limit`."""
    cache = cache or default_cache
    spent = SlidingCount(name, window_seconds=window_seconds, cache=cache, clock=lambda: now).spend(limit)
    if spent.allowed:
        return WindowSpend(used=spent.used, limit=limit, retry_after=0.0)
    refusals = window_key(f"{name}:refused", int(now // window_seconds))
    first = bool(cache.add(refusals, 1, timeout=window_seconds * 2))
    return WindowSpend(
        used=spent.used + 1, limit=limit, retry_after=max(1.0, spent.retry_after), first_refusal=first
    )


def counter_incr(cache, counter: str, *, timeout: int, delta: int = 1) -> int:
    """Add `delta` (one) to a counter in the shared cache, creating it if need be; the count after."""
    # add() only creates the counter; incr() is atomic on Redis, so concurrent processes share one count.
    cache.add(counter, 0, timeout=timeout)
    try:
        return cache.incr(counter, delta)
    except ValueError:  # expired between add() and incr()
        cache.add(counter, delta, timeout=timeout)
        return delta


def window_key(name: str, window: int) -> str:
    # No spaces in cache keys: some backends refuse them.
    return f"{name.replace(' ', '_')}:{window}"
