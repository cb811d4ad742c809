"""Each API key's request budget, shared by every process through the cache, with a share kept for operators.

Bitmovin counts requests per key, per endpoint and per window (a minute). Each call the client is about to
make takes one unit from the key's counter for its endpoint; a call that would go past its class's budget is
refused with the same RateLimitedError a real 429 raises, so both pause the organization by rescheduling,
never by sleeping in a worker.

Two classes of caller share one count:
- background work (the sweep's syncs, the refreshes webhooks ask for) may fill the budget up to the limit
  less the headroom (SYNC_BUDGET_HEADROOM) less the interactive reserve (INTERACTIVE_RESERVED_SHARE);
- interactive calls (actions, connection tests, webhook registration) may go on to the limit less the
  headroom, so a busy sweep never blocks an operator.

The count is sliding (ratelimit.SlidingCount), not per fixed window: Bitmovin's windows (and the
simulator's, which open with the first request) do not start when ours would, and two fixed windows back to
back can let through almost twice the limit within one of theirs.

The API's own word counts too. Whenever an answer carries x-ratelimit-limit, -remaining and -reset (the
simulator sends them on every rate-limited endpoint; the reference calls them unconfirmed for Bitmovin), the
client's rate_limit_seen hook records for the key and endpoint "R of L left until T" in the shared cache. A
call is then also refused when the API's count, held to the same shares of ITS limit, leaves no room for the
caller's class, until the API's window resets: its window opens with the key's first request, which no count
of ours can know. Absent or garbled headers record nothing, and our own count holds the line alone.

The sweep's planner (sweep.py) reads the same counts (the larger of ours and the API's) to plan within the
budget; this limiter is what holds the line when an estimate was short.

When the cache cannot be read (Redis is restarting), no call can be counted: each is refused like a spent
budget, for a short pause (UNCOUNTABLE_PAUSE_SECONDS), so a sync in progress stops as if rate limited (its
organization pauses, no failure is counted) rather than failing; the API's word, which only adds
caution, is simply not recorded meanwhile.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache as default_cache

from encodings_app.bitmovin import RateLimitWindow, errors
from encodings_app.services.ratelimit import SlidingCount, window_key

logger = logging.getLogger(__name__)

LIST_ENDPOINT = "GET /encoding/encodings"
STATUS_ENDPOINT = "GET /encoding/encodings/{id}/status"

# Requests per window by endpoint key ("METHOD /path/{id}"), from Bitmovin's published limits. The list
# endpoint's comes from BITMOVIN_KEY_LIMIT_PER_MINUTE: it is the tightest, and the one the sweep plans around.
BUDGETS_PER_MINUTE = {
    "POST /encoding/encodings": 600,
    STATUS_ENDPOINT: 6000,
    "POST /encoding/encodings/{id}/start": 600,
    "GET /encoding/encodings/{id}/start": 600,
    "GET /encoding/statistics/encodings/{id}": 60,
    "GET /encoding/statistics/daily/{from}/{to}": 60,
    "GET /encoding/statistics/encodings/vod/daily/{from}/{to}": 60,
    "GET /encoding/statistics/encodings/live/daily/{from}/{to}": 60,
    "GET /encoding/statistics/labels": 60,
    "GET /encoding/statistics/labels/{from}/{to}": 60,
    "GET /encoding/statistics/labels/daily": 60,
    "GET /encoding/statistics/labels/daily/{from}/{to}": 60,
}
# Endpoints without a published figure: sub-resources of an encoding are documented far higher than this.
DEFAULT_BUDGET_PER_MINUTE = 1000
# How long an organization pauses when a call could not be counted because the cache failed.
UNCOUNTABLE_PAUSE_SECONDS = 10.0


def key_fingerprint(api_key: str, base_url: str) -> str:
    """Names a key at one API in cache entries and plans, without revealing it: organizations that share
    both share one budget."""
    material = f"{base_url.strip().rstrip('/')}\n{api_key}".encode()
    return hashlib.sha256(material).hexdigest()[:16]


def window_seconds() -> float:
    return float(settings.BITMOVIN_RATE_WINDOW_SECONDS)


def endpoint_limit(endpoint: str) -> int:
    """The API's own limit per window for an endpoint key."""
    if endpoint == LIST_ENDPOINT:
        return settings.BITMOVIN_KEY_LIMIT_PER_MINUTE
    return BUDGETS_PER_MINUTE.get(endpoint, DEFAULT_BUDGET_PER_MINUTE)


@dataclass(frozen=True)
class EndpointBudget:
    """Calls per window: `total` for every caller together, `background` for the sweep and other work
    nobody waits for; the difference is the interactive reserve."""

    total: int
    background: int

    def limit(self, *, interactive: bool) -> int:
        return self.total if interactive else self.background


def budget_for(endpoint: str) -> EndpointBudget:
    return shares_of(endpoint_limit(endpoint))


def shares_of(limit: int) -> EndpointBudget:
    """A limit less the headroom (total), and that less the interactive reserve (background)."""
    total = max(1, math.floor(limit * (1 - settings.SYNC_BUDGET_HEADROOM)))
    background = max(1, math.floor(total * (1 - settings.INTERACTIVE_RESERVED_SHARE)))
    return EndpointBudget(total=total, background=background)


@dataclass(frozen=True)
class ApiWord:
    """What the API last said of its own count for a key and endpoint: `remaining` of `limit` calls are left
    until `reset_at` (epoch seconds)."""

    limit: int
    remaining: int
    reset_at: float

    @property
    def used(self) -> int:
        return self.limit - self.remaining

    def leaves_room(self, *, interactive: bool) -> bool:
        return self.used < shares_of(self.limit).limit(interactive=interactive)


class ApiBudget:
    """The client's before_request hook: ApiBudget(fingerprint)(method, endpoint) spends one unit of the
    key's budget for the endpoint, from the interactive reserve too when `interactive`; and its
    rate_limit_seen hook (`seen`), which records the API's own count."""

    def __init__(
        self,
        fingerprint: str,
        *,
        interactive: bool = False,
        cache=None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.fingerprint = fingerprint
        self.interactive = interactive
        self.cache = cache or default_cache
        self.clock = clock

    def __call__(self, method: str, endpoint: str) -> None:
        try:
            self._spend(method, endpoint)
        except errors.RateLimitedError:
            raise
        except Exception as exc:
            logger.warning(
                "a call to %s was not made: the budget could not be read (%s)", endpoint, type(exc).__name__
            )
            raise errors.RateLimitedError(
                f"the request budget for {endpoint} could not be read (the shared cache is unavailable); "
                "calls wait until it can be counted again",
                retry_after=UNCOUNTABLE_PAUSE_SECONDS,
                method=method,
                endpoint=endpoint,
            ) from None

    def _spend(self, method: str, endpoint: str) -> None:
        kept = "" if self.interactive else " (the rest is kept for operators' actions)"
        word = self.api_word(endpoint)
        if word is not None and not word.leaves_room(interactive=self.interactive):
            # Checked first: a call the API's count refuses must not take a unit of ours either.
            raise errors.RateLimitedError(
                f"Bitmovin says {word.remaining} of its {word.limit} requests for {endpoint} are left "
                f"until its window resets{kept}",
                retry_after=max(1.0, word.reset_at - self.clock()),
                method=method,
                endpoint=endpoint,
            )
        limit = budget_for(endpoint).limit(interactive=self.interactive)
        spent = self.count(endpoint).spend(limit)
        if not spent.allowed:
            per = f"{window_seconds():g} s"
            raise errors.RateLimitedError(
                f"our own budget of {limit} requests per {per} for {endpoint} is spent{kept}",
                retry_after=spent.retry_after,
                method=method,
                endpoint=endpoint,
            )

    def seen(self, method: str, endpoint: str, window: RateLimitWindow) -> None:
        """The client's rate_limit_seen hook: keep the API's word until its window resets, when the cache
        can take it (an answer the API already gave is never lost for its sake)."""
        try:
            self._keep_word(endpoint, window)
        except Exception as exc:
            logger.warning(
                "the API's count for %s was not recorded: the cache failed (%s)", endpoint, type(exc).__name__
            )

    def _keep_word(self, endpoint: str, window: RateLimitWindow) -> None:
        now = self.clock()
        # Bitmovin's windows last BITMOVIN_RATE_WINDOW_SECONDS: a reset promised for later is not believed,
        # or one garbled header could hold the key back for an hour.
        reset_s = min(window.reset_s, window_seconds())
        reset_at = now + reset_s
        known = self.api_word(endpoint)
        if known is not None and reset_at <= known.reset_at + 1 and window.remaining > known.remaining:
            # Within one window of the API its count only goes down: this answer was overtaken on its way
            # by a later one (another process's). reset_at moves by a second as the API rounds it.
            return
        record = {"limit": window.limit, "remaining": window.remaining, "reset_at": reset_at}
        self.cache.set(self._word_key(endpoint), record, timeout=math.ceil(reset_s) + 1)

    def api_word(self, endpoint: str) -> ApiWord | None:
        """What the API last said of its count for this key and endpoint, while its window lasts."""
        record = self.cache.get(self._word_key(endpoint))
        if not isinstance(record, dict):
            return None
        try:
            word = ApiWord(int(record["limit"]), int(record["remaining"]), float(record["reset_at"]))
        except (KeyError, TypeError, ValueError):
            return None
        return word if word.reset_at > self.clock() and word.limit > 0 else None

    def used(self, endpoint: str) -> int:
        """Calls spent in the span that ends now: our own count, or the API's when it says more (scaled to
        our limit for the endpoint, should the two limits differ)."""
        own = self.count(endpoint).used()
        word = self.api_word(endpoint)
        if word is None:
            return own
        return max(own, math.ceil(endpoint_limit(endpoint) * word.used / word.limit))

    def count(self, endpoint: str) -> SlidingCount:
        return SlidingCount(
            f"api-budget:{self.fingerprint}:{endpoint}",
            window_seconds=window_seconds(),
            cache=self.cache,
            clock=self.clock,
        )

    def _word_key(self, endpoint: str) -> str:
        return window_key(f"api-window:{self.fingerprint}:{endpoint}", "word")
