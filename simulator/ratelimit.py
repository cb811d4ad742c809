"""Per-key, per-endpoint request budgets over one-minute windows of real (unscaled) time.

Tests may shorten the window (``--rate-limit-window``), so that a quarter of an hour of traffic against the
limits takes seconds; the limits stay per window.

Each key's use of each endpoint is also counted (requests let through, requests refused, the most let through
in one window), so that a benchmark can hold a client's traffic against the limits as the API saw it.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

WINDOW_S = 60.0
DEFAULT_LIMIT = 1000


def default_limit(method: str, pattern: str) -> int:
    """Requests per minute, from the reference's table (official rows first, then the rest)."""
    if pattern == "/encoding/encodings":
        return 60 if method == "GET" else 600
    if pattern == "/encoding/encodings/{encoding_id}/start":
        return 600
    if pattern == "/encoding/encodings/{encoding_id}/status":
        return 6000
    if pattern.startswith("/encoding/statistics"):
        return 60
    if pattern.startswith("/encoding/encodings/{encoding_id}"):
        return 20000
    if pattern.startswith(
        ("/encoding/inputs", "/encoding/outputs", "/encoding/configurations", "/encoding/filters")
    ):
        return 4000 if method == "GET" else 1000
    if pattern.startswith("/encoding/manifests"):
        return 10000
    return DEFAULT_LIMIT


@dataclass(slots=True)
class Usage:
    """One key's requests to one endpoint since the last reset of the counts."""

    allowed: int = 0
    refused: int = 0
    peak: int = 0  # the most let through in one window

    def as_dict(self) -> dict[str, int]:
        return {"allowed": self.allowed, "refused": self.refused, "peakPerWindow": self.peak}


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_s: int

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(self.reset_s),
        }


class RateLimiter:
    def __init__(self, enabled: bool = True, window_s: float = WINDOW_S) -> None:
        if window_s <= 0:
            raise ValueError("the rate-limit window must be longer than 0 s")
        self.enabled = enabled
        self.window_s = window_s
        self.overrides: dict[str, int] = {}
        self._windows: dict[tuple[str, str], list[float]] = {}
        self._lock = threading.Lock()
        self.rejected = 0
        self._usage: dict[tuple[str, str], Usage] = {}

    def limit_for(self, method: str, pattern: str) -> int:
        return self.overrides.get(f"{method} {pattern}", default_limit(method, pattern))

    def check(self, api_key: str, method: str, pattern: str) -> Verdict:
        limit = self.limit_for(method, pattern)
        now = time.monotonic()
        bucket = (api_key, f"{method} {pattern}")
        with self._lock:
            window = self._windows.get(bucket)
            if window is None or now - window[0] >= self.window_s:
                window = [now, 0.0]
                self._windows[bucket] = window
            reset = max(1, math.ceil(window[0] + self.window_s - now))
            usage = self._usage.setdefault(bucket, Usage())
            if window[1] >= limit:
                self.rejected += 1
                usage.refused += 1
                return Verdict(False, limit, 0, reset)
            window[1] += 1
            usage.allowed += 1
            usage.peak = max(usage.peak, int(window[1]))
            return Verdict(True, limit, int(limit - window[1]), reset)

    def configure(
        self, *, enabled: bool | None = None, limits: dict[str, int] | None = None, reset: bool = False
    ) -> None:
        with self._lock:
            if enabled is not None:
                self.enabled = enabled
            if limits is not None:
                self.overrides = dict(limits)
            if reset:
                self._windows.clear()

    def usage(self) -> list[dict[str, object]]:
        """Each key's use of each endpoint with its limit: {key, endpoint, limit, allowed, refused,
        peakPerWindow}. (Keys are shown as they are: every key of the simulator is a throwaway.)"""
        with self._lock:
            rows = list(self._usage.items())
        return [
            {
                "key": key,
                "endpoint": endpoint,
                "limit": self.limit_for(*endpoint.split(" ", 1)),
                **u.as_dict(),
            }
            for (key, endpoint), u in sorted(rows)
        ]

    def reset_usage(self) -> None:
        """Start the counts afresh; the windows themselves go on (the API's limits do not reset)."""
        with self._lock:
            self._usage.clear()

    def snapshot(self) -> dict[str, object]:
        return {
            "enabled": self.enabled,
            "windowSeconds": self.window_s,
            "overrides": dict(self.overrides),
            "rejected": self.rejected,
            "defaultLimit": DEFAULT_LIMIT,
        }
