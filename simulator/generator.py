"""Seeding a world: accounts, organizations, keys, history and a lively present.

The same seed always gives the same accounts, keys, ids, names and plans; timestamps are placed
relative to the moment the simulator starts.
"""

from __future__ import annotations

import random
from typing import Any

from simulator import planner, vocab
from simulator.ids import seeded_uuid
from simulator.planner import PlanOptions
from simulator.records import (
    CANCELED,
    CREATED,
    ERROR,
    FINISHED,
    LIVE,
    QUEUED,
    RUNNING,
    TRANSFER_ERROR,
    VOD,
    Account,
    ApiKey,
    EncodingRecord,
    Organization,
)
from simulator.world import World

DAY = 86400.0
HISTORY_DAYS = 90  # the API keeps 90 days of encodings
HISTORY_GAP = 8 * 3600.0  # history ends this long before now, so no historical plan reaches today
LIVE_SHARE = 0.06
NEVER_STARTED_SHARE = 0.03

# The recent cohort of each organization, in the order it is filled: (status, stuck, outcome).
COHORT: tuple[tuple[str, bool, str | None], ...] = (
    (RUNNING, False, FINISHED),
    (QUEUED, False, FINISHED),
    (FINISHED, False, None),
    (RUNNING, False, FINISHED),
    (CREATED, False, None),
    (ERROR, False, None),
    (RUNNING, True, None),
    (QUEUED, True, None),
    (RUNNING, False, ERROR),
    (QUEUED, False, FINISHED),
    (FINISHED, False, None),
    (TRANSFER_ERROR, False, None),
    (RUNNING, False, FINISHED),
    (CANCELED, False, None),
)


def build(world: World, *, encodings: int, organizations: int, accounts: int, api_keys: list[str]) -> None:
    rng = random.Random(f"{world.seed}:world")
    now = world.now()
    org_ids: list[str] = []
    for index in range(max(1, accounts)):
        org_ids.extend(_account(world, rng, now, index, max(1, organizations)))
    first = next(iter(world.accounts.values()))
    for value in api_keys:
        world.add_key(ApiKey(seeded_uuid(rng), value, first.id, now - 30 * DAY, everywhere=True))
    weights = [3 if world.orgs[o].type == "ROOT_ORGANIZATION" else 2 for o in org_ids]
    shares = [encodings * w // sum(weights) for w in weights]
    shares[0] += encodings - sum(shares)
    for org_id, share in zip(org_ids, shares, strict=True):
        org_rng = random.Random(f"{world.seed}:org:{org_id}")
        world.add_many(org_id, _encodings_for(world, org_rng, org_id, share, now))
        for rec in world.by_org[org_id]:
            world.settle(rec)
        world.next_arrival[org_id] = now + next_arrival_gap(world, org_rng)


def _account(world: World, rng: random.Random, now: float, index: int, organizations: int) -> list[str]:
    company, domain = vocab.COMPANIES[index % len(vocab.COMPANIES)]
    if index >= len(vocab.COMPANIES):
        company, domain = f"{company} {index + 1}", f"{domain}{index + 1}"
    first, last = rng.choice(vocab.FIRST_NAMES), rng.choice(vocab.LAST_NAMES)
    account = Account(
        id=seeded_uuid(rng),
        email=f"{first.lower()}.{last.lower()}@{domain}.example.com",
        first_name=first,
        last_name=last,
        company=company,
        created_at=now - rng.uniform(400, 1500) * DAY,
        user_id=seeded_uuid(rng),
    )
    world.add_account(account)
    root = Organization(
        id=seeded_uuid(rng),
        name=company,
        account_id=account.id,
        type="ROOT_ORGANIZATION",
        created_at=account.created_at,
        description=f"Root organization of {company}",
        label_color=vocab.LABEL_COLORS[index % len(vocab.LABEL_COLORS)],
    )
    world.add_org(root)
    ids = [root.id]
    for sub in range(organizations - 1):
        label = vocab.SUB_ORGS[sub % len(vocab.SUB_ORGS)]
        if sub >= len(vocab.SUB_ORGS):
            label = f"{label} {sub + 1}"
        org = Organization(
            id=seeded_uuid(rng),
            name=f"{company} {label}",
            account_id=account.id,
            type="SUB_ORGANIZATION",
            created_at=account.created_at + rng.uniform(10, 300) * DAY,
            parent_id=root.id,
            description=f"{label} team",
            label_color=vocab.LABEL_COLORS[(index + sub + 1) % len(vocab.LABEL_COLORS)],
        )
        world.add_org(org)
        ids.append(org.id)
    world.add_key(ApiKey(seeded_uuid(rng), seeded_uuid(rng), account.id, account.created_at + DAY))
    return ids


def new_record(
    world: World, rng: random.Random, org_id: str, created_at: float, live: bool
) -> EncodingRecord:
    name = vocab.live_name(rng) if live else vocab.vod_name(rng)
    custom: dict[str, Any] | None = None
    if rng.random() < 0.3:
        custom = {
            "externalId": f"job-{rng.randint(10000, 99999)}",
            "requestedBy": rng.choice(vocab.FIRST_NAMES),
        }
    description = f"Ingest of {name}" if rng.random() < 0.4 else None
    return EncodingRecord(
        id=seeded_uuid(rng),
        org_id=org_id,
        name=name,
        type=LIVE if live else VOD,
        cloud_region=vocab.pick_region(rng),
        encoder_version=vocab.pick_version(rng),
        created_at=created_at,
        seed=rng.getrandbits(63),
        labels=vocab.labels_for(rng, live),
        description=description,
        custom_data=custom,
    )


def _encodings_for(
    world: World, rng: random.Random, org_id: str, count: int, now: float
) -> list[EncodingRecord]:
    is_root = world.orgs[org_id].type == "ROOT_ORGANIZATION"
    cohort = min(count, len(COHORT))
    live_now = 1 if is_root and count > cohort else 0
    history = count - cohort - live_now
    oldest, newest = now - HISTORY_DAYS * DAY, now - HISTORY_GAP
    # Denser towards the present, as an account that grows would look.
    times = sorted(newest - (newest - oldest) * rng.random() ** 1.3 for _ in range(history))
    records = [_historical(world, rng, org_id, created) for created in times]
    scale = world.speed
    for status, stuck, outcome in COHORT[:cohort]:
        records.append(_recent(world, rng, org_id, now, scale, status, stuck, outcome))
    if live_now:
        rec = new_record(world, rng, org_id, 0.0, live=True)
        planner.plan_in_state(rec, rng, now, RUNNING, scale=scale)
        rec.created_at = (rec.started_at or now) - rng.uniform(30, 600)
        rec.edited_at = rec.created_at
        records.append(rec)
    return records


def _historical(world: World, rng: random.Random, org_id: str, created: float) -> EncodingRecord:
    live = rng.random() < LIVE_SHARE
    rec = new_record(world, rng, org_id, created, live)
    if rng.random() < NEVER_STARTED_SHARE:
        return rec
    start = created + rng.uniform(1.0, 120.0)
    if live:
        planner.plan_live(rec, rng, start, 1.0, lasts=rng.uniform(1800.0, 6 * 3600.0))
    else:
        outcome = planner.draw_outcome(rng, planner.HISTORY_OUTCOMES)
        planner.plan_vod(rec, rng, start, PlanOptions(outcome, 1.0))
    return rec


def _recent(
    world: World,
    rng: random.Random,
    org_id: str,
    now: float,
    scale: float,
    status: str,
    stuck: bool,
    outcome: str | None,
) -> EncodingRecord:
    rec = new_record(world, rng, org_id, 0.0, live=False)
    ago = rng.uniform(60.0, 1200.0) / scale
    if stuck:
        ago = rng.uniform(1500.0, 3000.0) / scale
    planner.plan_in_state(rec, rng, now, status, scale=scale, outcome=outcome, stuck=stuck, ago=ago)
    if status == CREATED:
        rec.created_at = now - rng.uniform(60.0, 1800.0)
        if rng.random() < 0.5:
            planner.plan_vod(rec, rng, now + rng.uniform(5.0, 60.0) / scale, PlanOptions(FINISHED, scale))
    else:
        assert rec.started_at is not None
        rec.created_at = rec.started_at - rng.uniform(2.0, 90.0) / scale
    rec.edited_at = rec.created_at
    return rec


def next_arrival_gap(world: World, rng: random.Random) -> float:
    if world.arrival_rate <= 0:
        return float("inf")
    return rng.expovariate(world.arrival_rate * world.speed / 3600.0)


def arrive(world: World, org_id: str, now: float) -> EncodingRecord:
    """A new encoding appears, as a user's script would create and (mostly) start it."""
    rng = world.arrival_rng
    rec = new_record(world, rng, org_id, now, live=rng.random() < 0.02)
    if rng.random() < 0.97:
        start = now + rng.uniform(1.0, 20.0) / world.speed
        if rec.type == LIVE:
            planner.plan_live(rec, rng, start, world.speed)
        else:
            planner.plan_vod(rec, rng, start, PlanOptions(planner.draw_outcome(rng), world.speed))
        rec.start_request = {"encodingMode": "STANDARD", "scheduling": {"priority": 50}}
    world.add_encoding(rec)
    return rec
