"""bench_fleet's arithmetic: what it read from the simulator, the database and the workers' logs, turned into
figures in the API's own (real, not sped-up) minutes and seconds. Nothing here reads or starts anything."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

LIST = "GET /encoding/encodings"
STATUS = "GET /encoding/encodings/{encoding_id}/status"
ENDPOINTS = {"list": LIST, "status": STATUS}
# Celery's line for a finished task: "Task sync.sweep[<id>] succeeded in 0.0421s: 3".
SWEEP_LINE = re.compile(r"Task sync\.sweep\[[^\]]+\] succeeded in ([0-9.]+)s")


def percentiles(values: Iterable[float], *, scale: float = 1.0) -> dict[str, float | None]:
    """p50, p95 and max (nearest rank) of `values` times `scale`, rounded to 0.1; None when empty."""
    ordered = sorted(value * scale for value in values)
    if not ordered:
        return {"p50": None, "p95": None, "max": None, "count": 0}

    def rank(share: float) -> float:
        return round(ordered[max(0, math.ceil(share * len(ordered)) - 1)], 1)

    return {"p50": rank(0.5), "p95": rank(0.95), "max": round(ordered[-1], 1), "count": len(ordered)}


def calls_per_key(
    usage: Iterable[Mapping], *, key_numbers: Mapping[str, int], minutes: float
) -> dict[int, dict[str, dict]]:
    """Per key number and endpoint (list, status), from the simulator's rateLimitUsage rows: the calls it let
    through per API minute (mean over `minutes`, and the most in one of its windows), against its limit, and
    the 429s it answered."""
    found: dict[int, dict[str, dict]] = {number: {} for number in key_numbers.values()}
    rows = {(row["key"], row["endpoint"]): row for row in usage}
    for key, number in key_numbers.items():
        for name, endpoint in ENDPOINTS.items():
            row = rows.get((key, endpoint), {})
            found[number][name] = {
                "limit_per_min": row.get("limit"),
                "mean_per_min": round(row.get("allowed", 0) / minutes, 1) if minutes > 0 else None,
                "peak_per_min": row.get("peakPerWindow", 0),
                "answered_429": row.get("refused", 0),
            }
    return found


def sweep_seconds(log_lines: Iterable[str]) -> list[float]:
    """How long each sweep took, from the refresh worker's log."""
    return [float(match.group(1)) for line in log_lines if (match := SWEEP_LINE.search(line))]


def longest_waits(
    starts: Iterable[tuple[int, datetime]], organizations: Iterable[int], *, since: datetime, until: datetime
) -> list[float]:
    """For each organization, the longest time in seconds it went without a sync starting between `since`
    and `until` (the edges count: an organization never synced waited the whole span)."""
    by_organization: dict[int, list[datetime]] = {organization: [] for organization in organizations}
    for organization, started in starts:
        if organization in by_organization and since <= started <= until:
            by_organization[organization].append(started)
    waits = []
    for times in by_organization.values():
        edges = [since, *sorted(times), until]
        waits.append(max((b - a).total_seconds() for a, b in itertools.pairwise(edges)))
    return waits


def waits_after_first_sync(
    runs: Iterable[tuple[int, datetime, datetime | None]], *, until: datetime
) -> list[float]:
    """For each organization that finished a sync, the seconds from the end of its first to the start of its
    second (or to `until`): how long an organization already mirrored went without news while the others
    took their first walks. `runs` are (organization, started, finished)."""
    by_organization: dict[int, list[tuple[datetime, datetime | None]]] = {}
    for organization, started, finished in runs:
        by_organization.setdefault(organization, []).append((started, finished))
    waits = []
    for own in by_organization.values():
        own.sort()
        first_end = own[0][1]
        if first_end is None:
            continue
        later = [started for started, _ in own[1:] if started >= first_end]
        waits.append(((later[0] if later else until) - first_end).total_seconds())
    return waits


@dataclass
class Probe:
    """A change the bench made at the simulator, and when the mirror showed it."""

    kind: str  # "status": an active encoding forced to FINISHED; "new": an encoding created and started
    encoding_id: str
    organization_id: int
    placed_at: float
    wanted_status: str | None  # None: any row will do
    seen_at: float | None = None

    def seen_in(self, mirrored_status: str | None) -> bool:
        if mirrored_status is None:
            return False
        return self.wanted_status is None or mirrored_status == self.wanted_status


def staleness(probes: Iterable[Probe], *, speed: float) -> dict:
    """Seconds (API time) from each change to the mirror, by kind and overall, and the changes never seen."""
    probes = list(probes)
    result = {}
    for kind in ("status", "new", "all"):
        chosen = [p for p in probes if kind in ("all", p.kind)]
        seen = [p.seen_at - p.placed_at for p in chosen if p.seen_at is not None]
        result[kind] = {**percentiles(seen, scale=speed), "not_seen": len(chosen) - len(seen)}
    return result
