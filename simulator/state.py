"""Keeping the world between restarts: one JSON file, written atomically."""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from simulator.clock import Clock
from simulator.records import ROW_FIELDS, Account, ApiKey, EncodingRecord, Organization
from simulator.webhooks import Registry, Webhook
from simulator.world import World

VERSION = 1


def snapshot(world: World, registry: Registry) -> dict[str, Any]:
    """Everything needed to rebuild the world. Call with the world lock held."""
    return {
        "version": VERSION,
        "seed": world.seed,
        "clockOffset": world.clock.offset,
        "accounts": [asdict(a) for a in world.accounts.values()],
        "organizations": [asdict(o) for o in world.orgs.values()],
        # Keys from the command line are not saved: they come from the flags of each run.
        "apiKeys": [asdict(k) for k in world.keys.values() if not k.everywhere],
        "encodingFields": list(ROW_FIELDS),
        "encodings": [rec.to_row() for rec in world.encodings.values()],
        "webhooks": [h.to_state() for h in registry.hooks.values()],
        "nextArrival": {k: (v if math.isfinite(v) else None) for k, v in world.next_arrival.items()},
        "rng": _rng_state(world.rng.getstate()),
        "arrivalRng": _rng_state(world.arrival_rng.getstate()),
    }


def _rng_state(state: tuple[Any, ...]) -> list[Any]:
    version, internal, gauss = state
    return [version, list(internal), gauss]


def write(path: str, data: dict[str, Any]) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".simulator-state-", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, separators=(",", ":"))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: str, *, speed: float, arrival_rate: float) -> tuple[World, Registry]:
    """Rebuild a saved world. Raises ValueError when the file is not a state this version wrote."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise ValueError(f"{path} is not a simulator state file (version {VERSION})")
    if data.get("encodingFields") != list(ROW_FIELDS):
        raise ValueError(f"{path} was written by a different simulator version")
    clock = Clock(float(data.get("clockOffset", 0.0)))
    world = World(seed=int(data["seed"]), speed=speed, clock=clock, arrival_rate=arrival_rate)
    for item in data["accounts"]:
        world.add_account(Account(**{**item, "org_ids": [], "key_ids": []}))
    for item in data["organizations"]:
        world.add_org(Organization(**item))
    for item in data["apiKeys"]:
        world.add_key(ApiKey(**item))
    by_org: dict[str, list[EncodingRecord]] = {}
    for row in data["encodings"]:
        rec = EncodingRecord.from_row(row)
        by_org.setdefault(rec.org_id, []).append(rec)
    for org_id, records in by_org.items():
        world.add_many(org_id, records)
    registry = Registry()
    for item in data.get("webhooks", []):
        hook = Webhook(**item)
        registry.hooks[hook.id] = hook
    now = world.now()
    for org_id in world.orgs:
        saved = (data.get("nextArrival") or {}).get(org_id)
        world.next_arrival[org_id] = max(now, saved) if saved is not None else now
    for key, rng in (("rng", world.rng), ("arrivalRng", world.arrival_rng)):
        if data.get(key):
            version, internal, gauss = data[key]
            rng.setstate((version, tuple(internal), gauss))
    return world, registry
