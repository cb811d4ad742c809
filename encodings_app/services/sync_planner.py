"""Which organizations to sync now, so that every API key stays within its budget: the arithmetic only.

Organizations that share a key (and base URL) share its budget. Each sync has a known cost (list calls and
status calls, from its organization's last runs) and a wished interval: the sweep interval when something
is likely to have changed (encodings active, a webhook just came, a screen is watching) or when polling is
the only way to learn of changes; the longer safety-net interval when the organization is quiet and its
webhooks announce changes anyway. When the wished intervals cost a key more than its budget, every interval
of that key is stretched by the same factor: each organization keeps its share, none is starved.

Each sweep then admits the due organizations of a key, most overdue first, while what the key has spent in
the current span plus what is planned and not yet finished plus their cost fits its budget. An organization
that does not fit stops the admission for its key, so the most overdue is never overtaken and gets the next
room that frees up. Costs are clipped to the budget, so every sync fits an idle key.

Walks of every encoding (an organization's first sync, and one every few hours) take list pages by the
dozen. Together they may take at most FULL_PASS_SHARE of a key's budget per span (what the sweep planned for
walks in the current span is `walks_committed`). A sync whose walk finds that share spent goes without it
(its walk allowance is 0: it reads the active encodings and their status, and walks on in a later run), so
that organizations added by the dozen take their first walks beside the other organizations' syncs rather
than before them all, show what is running at once, and an organization whose walk falls due meanwhile
keeps syncing.

The sweep (sync_sweep.py) feeds this module from the database and the cache; nothing here touches either.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Walks of every encoding (full passes) take at most this share of a key's list budget per span, one walk
# or several together, so that a large organization's walk is spread over several runs, and many new
# organizations' first walks over many spans, while the others sharing the key keep syncing.
FULL_PASS_SHARE = 0.5
# The pages of a walk nobody has finished yet: as many as the planner allows.
UNKNOWN_WALK_PAGES = 10**9


@dataclass(frozen=True)
class SyncCost:
    """API calls of one sync, or of several together."""

    list_calls: int = 0
    status_calls: int = 0

    def __add__(self, other: SyncCost) -> SyncCost:
        return SyncCost(self.list_calls + other.list_calls, self.status_calls + other.status_calls)

    def __sub__(self, other: SyncCost) -> SyncCost:
        return SyncCost(self.list_calls - other.list_calls, self.status_calls - other.status_calls)

    def fits(self, room: SyncCost) -> bool:
        return self.list_calls <= room.list_calls and self.status_calls <= room.status_calls

    def clipped(self, ceiling: SyncCost) -> SyncCost:
        return SyncCost(
            min(self.list_calls, ceiling.list_calls), min(self.status_calls, ceiling.status_calls)
        )


@dataclass(frozen=True)
class Candidate:
    """An organization that may sync, as the planner needs to see it."""

    organization_id: int
    key: str  # the fingerprint of its API key and base URL: who shares a budget
    cost: SyncCost  # an incremental sync's, from the last runs
    waited: float | None  # seconds since its last sync started; None when it never synced
    likely_changed: bool = False  # encodings active, a recent webhook, a screen watching
    webhooks_working: bool = False
    # The list pages a walk of every encoding would take when one is due (the first sync, or every few
    # hours), else None. The walk goes on where it stopped, so it may be cut into several runs.
    full_pass_pages: int | None = None


@dataclass(frozen=True)
class Cadence:
    interval: float  # seconds between syncs when something may have changed, or nothing else would tell
    safety_net: float  # seconds between syncs of a quiet organization whose webhooks work
    span: float  # the span, in seconds, over which a key's budget holds (the limiter's)


@dataclass(frozen=True)
class Planned:
    organization_id: int
    key: str
    cost: SyncCost  # what the sync is expected to spend
    interval: float  # the interval it was planned at (stretched when its key is short)
    # List calls its walk of every encoding may spend in this run; None when no walk is due.
    full_pass_allowance: int | None = None


def wished_interval(candidate: Candidate, cadence: Cadence) -> float:
    if candidate.webhooks_working and not candidate.likely_changed:
        return max(cadence.interval, cadence.safety_net)
    return cadence.interval


def stretch(candidates: Iterable[Candidate], budget: SyncCost, cadence: Cadence) -> float:
    """The factor (1 or more) by which the wished intervals of one key's organizations must grow so that
    their steady syncing costs no more than the key's budget per span."""
    wanted_lists = wanted_statuses = 0.0
    for candidate in candidates:
        per_span = cadence.span / wished_interval(candidate, cadence)
        wanted_lists += candidate.cost.list_calls * per_span
        wanted_statuses += candidate.cost.status_calls * per_span
    ratios = [1.0]
    if budget.list_calls > 0:
        ratios.append(wanted_lists / budget.list_calls)
    if budget.status_calls > 0:
        ratios.append(wanted_statuses / budget.status_calls)
    return max(ratios)


def walk_share(budget: SyncCost) -> int:
    """The list pages walks of every encoding may take per span of a key with this budget."""
    return max(1, math.floor(budget.list_calls * FULL_PASS_SHARE))


def planned_cost(
    candidate: Candidate, budget: SyncCost, walk_room: int | None = None
) -> tuple[SyncCost, int | None]:
    """What a sync of the candidate costs, its walk included, clipped to the budget; and the list pages its
    walk may take: None when no walk is due, 0 when the key's share for walks (`walk_room` pages left in
    the span; the whole share when not given) has none left (the sync then goes without its walk)."""
    cost = candidate.cost.clipped(budget)
    if candidate.full_pass_pages is None:
        return cost, None
    share = walk_share(budget) if walk_room is None else min(walk_room, walk_share(budget))
    if share < 1:
        return cost, 0
    allowance = max(1, min(candidate.full_pass_pages, share))
    with_walk = SyncCost(cost.list_calls + allowance, cost.status_calls)
    return with_walk.clipped(budget), allowance


def plan(
    candidates: Iterable[Candidate],
    *,
    budgets: Mapping[str, SyncCost],
    committed: Mapping[str, SyncCost],
    cadence: Cadence,
    walks_committed: Mapping[str, int] | None = None,
) -> list[Planned]:
    """The syncs to start now. `budgets` is what the sweep may spend per key and span; `committed` what each
    key has spent in the current span plus what is planned and not yet finished; `walks_committed` the list
    pages planned for walks of every encoding in the current span, per key."""
    by_key: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_key[candidate.key].append(candidate)
    chosen: list[Planned] = []
    for key, group in by_key.items():
        budget = budgets[key]
        factor = stretch(group, budget, cadence)
        room = budget - committed.get(key, SyncCost())
        walk_room = walk_share(budget) - (walks_committed or {}).get(key, 0)
        for candidate, interval in _due_most_overdue_first(group, cadence, factor):
            # When walks have had their share of this span, the sync goes without its walk (allowance 0).
            cost, allowance = planned_cost(candidate, budget, walk_room)
            if not cost.fits(room):
                # Nobody overtakes the most overdue: it gets the next room that frees up.
                break
            room -= cost
            walk_room -= allowance or 0
            chosen.append(Planned(candidate.organization_id, key, cost, interval, allowance))
    return chosen


def _due_most_overdue_first(
    group: list[Candidate], cadence: Cadence, factor: float
) -> list[tuple[Candidate, float]]:
    due = []
    for candidate in group:
        interval = wished_interval(candidate, cadence) * factor
        if candidate.waited is None or candidate.waited >= interval:
            # Never synced first, then by how many of its intervals it has waited; likely changes win ties.
            overdue = math.inf if candidate.waited is None else candidate.waited / interval
            due.append(
                (-overdue, not candidate.likely_changed, candidate.organization_id, candidate, interval)
            )
    due.sort(key=lambda row: row[:3])
    return [(row[3], row[4]) for row in due]
