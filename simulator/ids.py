"""Deterministic identifiers: from a seeded RNG, or derived from a record's seed and a name."""

from __future__ import annotations

import hashlib
import random
import uuid


def seeded_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def derived_uuid(*parts: object) -> str:
    """The same parts always give the same id, so lazily generated messages keep their ids."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=16).digest()
    return str(uuid.UUID(bytes=digest, version=4))


def derived_int(seed: int, salt: int, modulo: int) -> int:
    """A cheap well-mixed number in [0, modulo) for per-encoding figures that must not cost an RNG."""
    x = (seed ^ (salt * 0x9E3779B97F4A7C15)) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 31)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return (x ^ (x >> 33)) % modulo
