"""When to try a request again, and how long to wait first."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from ._convert import as_float
from .errors import InvalidArgumentError

# The seed's advice for a 429 without any hint: "Pause requests, wait one minute, and try again."
DEFAULT_RATE_LIMIT_WAIT_S = 60.0
# A broken or hostile header must not park a worker (or a Celery countdown) for days.
MAX_SERVER_WAIT_S = 3600.0
# x-ratelimit-reset values this large are epoch timestamps, not a number of seconds.
_EPOCH_THRESHOLD = 1_000_000_000


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds for retrying idempotent requests: attempts, exponential backoff with full jitter, time budget.

    ``max_retries`` counts the attempts after the first one. ``budget_s`` bounds the whole call, waits and
    attempts included: a wait that would end past the budget is not started, and the last error is raised
    (a ``RateLimitedError`` then carries ``retry_after`` so a task can be rescheduled instead of sleeping).
    """

    max_retries: int = 3
    backoff_base_s: float = 0.5
    backoff_max_s: float = 8.0
    budget_s: float = 30.0
    # The longest 429 wait worth sleeping through; None means "whatever fits in the budget". A Celery
    # worker sets 0: it reschedules the work instead of holding a worker process asleep.
    max_rate_limit_wait_s: float | None = None

    def __post_init__(self) -> None:
        bounds = (self.max_retries, self.backoff_base_s, self.backoff_max_s, self.budget_s)
        if min(bounds) < 0 or (self.max_rate_limit_wait_s is not None and self.max_rate_limit_wait_s < 0):
            raise InvalidArgumentError("retry bounds must not be negative")

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """Full jitter: uniform in [0, min(max, base * 2**n)], so that many workers do not retry in step."""
        ceiling = min(self.backoff_max_s, self.backoff_base_s * (2 ** min(retry_number, 32)))
        return rng.uniform(0.0, ceiling)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from ``Retry-After`` (delta-seconds or an HTTP date), None when absent or unusable."""
    value = _header(headers, "retry-after")
    if value is None:
        return None
    seconds = as_float(value)
    if seconds is None:
        try:
            when = parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    return _bounded(seconds)


def parse_rate_limit_reset(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds until the rate-limit window resets, from ``x-ratelimit-reset``."""
    value = _header(headers, "x-ratelimit-reset")
    seconds = as_float(value) if value is not None else None
    if seconds is None:
        return None
    if seconds >= _EPOCH_THRESHOLD:
        seconds -= time.time() if now is None else now
    return _bounded(seconds)


def rate_limit_wait(headers: Mapping[str, str], *, now: float | None = None) -> float:
    """How long a 429 asks us to wait: Retry-After, else x-ratelimit-reset, else one minute."""
    for wait in (parse_retry_after(headers, now=now), parse_rate_limit_reset(headers, now=now)):
        if wait is not None:
            return wait
    return DEFAULT_RATE_LIMIT_WAIT_S


@dataclass(frozen=True)
class RateLimitWindow:
    """What the API says of its own count for a key and endpoint: ``remaining`` of ``limit`` calls are left
    until its window resets in ``reset_s`` seconds (from the moment the answer was received)."""

    limit: int
    remaining: int
    reset_s: float


def parse_rate_limit_window(
    headers: Mapping[str, str], *, now: float | None = None
) -> RateLimitWindow | None:
    """The ``x-ratelimit-limit``, ``-remaining`` and ``-reset`` headers together, or None.

    The reference marks these headers unconfirmed, so anything short of all three usable values is None: a
    limit that is not a positive whole number, a remaining count outside 0..limit, a reset that is missing,
    not a number or not in the future. The caller then goes by its own count.
    """
    limit = _whole(_header(headers, "x-ratelimit-limit"))
    remaining = _whole(_header(headers, "x-ratelimit-remaining"))
    reset = parse_rate_limit_reset(headers, now=now)
    if limit is None or remaining is None or not reset or limit < 1 or not 0 <= remaining <= limit:
        return None
    return RateLimitWindow(limit=limit, remaining=remaining, reset_s=reset)


def _whole(value: str | None) -> int | None:
    text = (value or "").strip()
    # ASCII digits only ("²" is a digit to str.isdigit), and few enough of them to be a count.
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        return None
    return int(text)


def _bounded(seconds: float) -> float | None:
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_SERVER_WAIT_S)
