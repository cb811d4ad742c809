"""The planner's arithmetic: shares of a key's budget, stretched intervals, who goes first, what fits."""

import itertools

import pytest

from encodings_app.services.sync_planner import (
    UNKNOWN_WALK_PAGES,
    Cadence,
    Candidate,
    SyncCost,
    plan,
    planned_cost,
    stretch,
    wished_interval,
)

CADENCE = Cadence(interval=15.0, safety_net=300.0, span=70.0)
BUDGET = SyncCost(list_calls=48, status_calls=4374)
STEADY = SyncCost(list_calls=4, status_calls=10)


def candidate(organization_id: int, *, key: str = "a", waited: float | None = 100.0, **fields) -> Candidate:
    fields.setdefault("cost", STEADY)
    return Candidate(organization_id=organization_id, key=key, waited=waited, **fields)


def planned_ids(candidates, committed=None, budgets=None) -> list[int]:
    keys = {c.key for c in candidates}
    chosen = plan(
        candidates,
        budgets=budgets or dict.fromkeys(keys, BUDGET),
        committed=committed or {},
        cadence=CADENCE,
    )
    return [p.organization_id for p in chosen]


def test_a_key_with_room_to_spare_keeps_the_wished_interval():
    assert stretch([candidate(1)], BUDGET, CADENCE) == 1.0


def test_organizations_sharing_a_short_key_are_stretched_alike():
    # Four organizations wish 4 list calls every 15 s: 74.7 calls per 70 s span, where the key affords 48.
    group = [candidate(i) for i in range(4)]
    factor = stretch(group, BUDGET, CADENCE)

    assert factor == pytest.approx(4 * 4 * 70 / 15 / 48)
    chosen = plan(group, budgets={"a": BUDGET}, committed={}, cadence=CADENCE)
    assert [p.interval for p in chosen] == [pytest.approx(15 * factor)] * 4


def test_the_status_budget_stretches_too_when_it_is_the_shorter():
    busy = [candidate(i, cost=SyncCost(list_calls=1, status_calls=500)) for i in range(3)]
    assert stretch(busy, BUDGET, CADENCE) == pytest.approx(3 * 500 * 70 / 15 / 4374)


def test_a_quiet_organization_whose_webhooks_work_is_polled_as_a_safety_net():
    assert wished_interval(candidate(1, webhooks_working=True), CADENCE) == 300.0
    assert wished_interval(candidate(1, webhooks_working=True, likely_changed=True), CADENCE) == 15.0
    assert wished_interval(candidate(1), CADENCE) == 15.0, "without webhooks only polling tells"

    assert planned_ids([candidate(1, webhooks_working=True, waited=120.0)]) == []
    assert planned_ids([candidate(1, webhooks_working=True, waited=301.0)]) == [1]


def test_only_organizations_whose_interval_has_passed_are_due():
    group = [candidate(1, waited=14.0), candidate(2, waited=15.0), candidate(3, waited=None)]
    assert stretch(group, BUDGET, CADENCE) > 1, "three of them cost more than the key affords every 15 s"

    assert planned_ids(group, budgets={"a": SyncCost(list_calls=480, status_calls=4374)}) == [3, 2]


def test_admission_stops_where_the_budget_ends_and_the_most_overdue_go_first():
    group = [candidate(1, waited=20.0), candidate(2, waited=60.0), candidate(3, waited=40.0)]

    assert planned_ids(group, committed={"a": SyncCost(list_calls=40)}) == [2, 3]


def test_the_most_overdue_is_never_overtaken_by_a_cheaper_one():
    group = [
        candidate(1, waited=90.0, cost=SyncCost(list_calls=10)),
        candidate(2, waited=30.0, cost=SyncCost(list_calls=2)),
    ]

    assert planned_ids(group, committed={"a": SyncCost(list_calls=40)}) == []
    assert planned_ids(group, committed={"a": SyncCost(list_calls=30)}) == [1, 2]


def test_likely_changes_win_a_tie_and_never_synced_organizations_go_first():
    group = [
        candidate(1, waited=30.0),
        candidate(2, waited=30.0, likely_changed=True),
        candidate(3, waited=None),
    ]

    assert planned_ids(group) == [3, 2, 1]


def test_keys_do_not_share_their_budgets():
    group = [candidate(1, key="a"), candidate(2, key="b")]

    assert planned_ids(group, committed={"a": SyncCost(list_calls=48)}) == [2]


def test_a_walk_of_every_encoding_takes_at_most_half_the_key():
    small, large = candidate(1, full_pass_pages=3), candidate(2, full_pass_pages=UNKNOWN_WALK_PAGES)

    assert planned_cost(small, BUDGET) == (SyncCost(list_calls=7, status_calls=10), 3)
    assert planned_cost(large, BUDGET) == (SyncCost(list_calls=28, status_calls=10), 24)
    assert planned_cost(candidate(3), BUDGET) == (STEADY, None)


def test_a_sync_dearer_than_the_whole_budget_runs_when_its_key_is_idle():
    dear = candidate(1, cost=SyncCost(list_calls=4, status_calls=9000), waited=1000.0)

    assert planned_ids([dear], committed={"a": SyncCost(status_calls=1)}) == []
    chosen = plan([dear], budgets={"a": BUDGET}, committed={}, cadence=CADENCE)
    assert [p.cost for p in chosen] == [SyncCost(list_calls=4, status_calls=4374)]


def test_two_organizations_on_one_key_share_it_evenly_for_a_quarter_of_an_hour():
    """The sweep every 5 s, each sync spending its cost at once; together they wish for more than the key
    affords. No 70-second span spends more than the budget, both organizations sync equally often, and
    most of the budget is used."""
    costs = {1: SyncCost(list_calls=10, status_calls=5), 2: SyncCost(list_calls=5, status_calls=5)}
    started: dict[int, list[float]] = {1: [], 2: []}
    spent: list[tuple[float, SyncCost]] = []
    for tick in range(0, 15 * 60, 5):
        now = float(tick)
        in_span = [cost for at, cost in spent if at > now - CADENCE.span]
        committed = sum(in_span, SyncCost())
        group = [
            candidate(i, cost=costs[i], waited=now - started[i][-1] if started[i] else None) for i in costs
        ]
        for chosen in plan(group, budgets={"a": BUDGET}, committed={"a": committed}, cadence=CADENCE):
            started[chosen.organization_id].append(now)
            spent.append((now, costs[chosen.organization_id]))

    assert stretch(group, BUDGET, CADENCE) > 1.4
    for at, _ in spent:
        window = sum((cost for t, cost in spent if at <= t < at + CADENCE.span), SyncCost())
        assert window.fits(BUDGET)
    runs = {i: len(times) for i, times in started.items()}
    assert abs(runs[1] - runs[2]) <= 1, runs
    gaps = [b - a for times in started.values() for a, b in itertools.pairwise(times)]
    assert max(gaps) <= 2 * 15 * stretch(group, BUDGET, CADENCE), "nobody waits much past its interval"
    lists_used = sum(cost.list_calls for _, cost in spent)
    assert lists_used >= 0.8 * BUDGET.list_calls * 15 * 60 / CADENCE.span


def test_organizations_added_by_the_dozen_take_their_first_walks_beside_the_others_syncs():
    """Fifty organizations added at once to a key whose ten others are syncing: each first walk takes 20
    pages, so the walks take many spans, at most half of the key together. Meanwhile the ten keep syncing
    with what the walks leave, the new ones sync (without their walk) while they wait for it, and every walk
    is done by the end."""
    cadence = Cadence(interval=30.0, safety_net=300.0, span=70.0)
    started: dict[int, list[float]] = {i: [-float(i)] for i in range(60)}
    pages_left = {i: 20 if i >= 10 else 0 for i in range(60)}
    spent: list[tuple[float, SyncCost, int]] = []  # when, what, and the pages of its walk
    for tick in range(0, 90 * 60, 5):
        now = float(tick)
        in_span = [(cost, pages) for at, cost, pages in spent if at > now - cadence.span]
        group = [
            candidate(i, waited=now - times[-1], full_pass_pages=pages_left[i] or None)
            for i, times in started.items()
        ]
        factor = stretch(group, BUDGET, cadence)
        for chosen in plan(
            group,
            budgets={"a": BUDGET},
            committed={"a": sum((cost for cost, _ in in_span), SyncCost())},
            walks_committed={"a": sum(pages for _, pages in in_span)},
            cadence=cadence,
        ):
            started[chosen.organization_id].append(now)
            pages_left[chosen.organization_id] -= chosen.full_pass_allowance or 0
            spent.append((now, chosen.cost, chosen.full_pass_allowance or 0))
        if not any(pages_left.values()):
            break

    assert not any(pages_left.values()), "every new organization's walk is done"
    assert now > 20 * 60, "the walks took many spans"
    for at, _, _ in spent:
        assert sum(p for t, _, p in spent if at <= t < at + cadence.span) <= BUDGET.list_calls // 2
    # The walks take half of the key: the syncs, the other half, come about half as often as the stretched
    # interval says (which counts the whole key), and none waits much longer.
    for i in range(60):
        longest = max(b - a for a, b in itertools.pairwise([*started[i], now]))
        assert longest <= 3 * 30 * factor, f"organization {i} waited {longest} s while the new ones walked"


def test_a_sync_whose_walk_finds_the_keys_share_for_walks_spent_goes_without_it():
    walking = candidate(1, waited=None, full_pass_pages=20)
    behind = candidate(2, waited=100.0)

    assert planned_ids([walking, behind]) == [1, 2]
    spent_on_walks = plan(
        [walking, behind],
        budgets={"a": BUDGET},
        committed={"a": SyncCost(list_calls=20)},
        walks_committed={"a": 20},
        cadence=CADENCE,
    )
    assert [(p.organization_id, p.full_pass_allowance) for p in spent_on_walks] == [(1, 4), (2, None)]
    walks_had_their_share = plan(
        [walking, behind],
        budgets={"a": BUDGET},
        committed={"a": SyncCost(list_calls=24)},
        walks_committed={"a": 24},
        cadence=CADENCE,
    )
    assert [(p.organization_id, p.full_pass_allowance, p.cost) for p in walks_had_their_share] == [
        (1, 0, STEADY),
        (2, None, STEADY),
    ]
