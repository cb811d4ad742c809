"""The project's one fixed-window counter, shared by every process through the cache.

Budgets that count per user or per address over a window spend from it: the actions one user may ask for
(services/actions.py), the webhook deliveries one address may post (services/webhooks.py). The API keys'
budgets, which must never let a burst straddle two windows, count in sliding slots instead (key_budget.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache as default_cache

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class WindowSpend:
    """One unit taken from a fixed-window counter: how many the window has used, and when it ends."""

    used: int
    limit: int
    retry_after: float

    @property
    def over_limit(self) -> bool:
        return self.used > self.limit


def window_spend(
    name: str, *, limit: int, window_seconds: int = WINDOW_SECONDS, now: float, cache=None
) -> WindowSpend:
    """Take one unit from the counter `name` for the window `now` falls in, shared through the cache."""
    cache = cache or default_cache
    window = int(now // window_seconds)
    used = counter_incr(cache, window_key(name, window), timeout=window_seconds * 2)
    return WindowSpend(used=used, limit=limit, retry_after=max(1.0, (window + 1) * window_seconds - now))


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
