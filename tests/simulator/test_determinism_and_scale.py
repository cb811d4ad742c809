"""Same seed, same world; and a world of 100,000 encodings starts in seconds."""

from __future__ import annotations

import time
from typing import Any

from tests.simulator.conftest import Http
from tests.support.simulator import RunningSimulator

STABLE_KEYS = ("id", "name", "labels", "type", "cloudRegion", "encoderVersion", "description")


def snapshot(sim: RunningSimulator) -> dict[str, Any]:
    assert sim.api_key is not None
    client = Http(sim.base_url, sim.api_key)
    orgs = [o["id"] for a in sim.accounts()["accounts"] for o in a["organizations"]]
    pages = {}
    for org in orgs:
        items = client.result(
            "GET",
            "/encoding/encodings",
            params={"limit": 100, "sort": "id:asc"},
            headers={"X-Tenant-Org-Id": org},
        )["items"]
        pages[org] = [{k: i.get(k) for k in STABLE_KEYS} for i in items]
    return {"keys": sim.generated_keys, "accounts": sim.accounts(), "pages": pages}


def test_same_seed_gives_the_same_world_and_another_seed_a_different_one() -> None:
    with RunningSimulator(encodings=150, seed=99) as first:
        one = snapshot(first)
    with RunningSimulator(encodings=150, seed=99) as second:
        two = snapshot(second)
    with RunningSimulator(encodings=150, seed=100) as third:
        other = snapshot(third)

    assert one == two
    assert one["keys"] != other["keys"]
    assert set(one["pages"]).isdisjoint(other["pages"])


def test_api_created_ids_follow_the_seed() -> None:
    ids = []
    for _ in range(2):
        with RunningSimulator(encodings=5, seed=21) as running:
            assert running.api_key is not None
            ids.append(Http(running.base_url, running.api_key).create_encoding()["id"])

    assert ids[0] == ids[1]


def test_hundred_thousand_encodings_start_quickly_and_list_fast() -> None:
    with RunningSimulator(encodings=100_000, seed=1, args=["--rate-limits", "off"]) as big:
        assert big.api_key is not None
        client = Http(big.base_url, big.api_key)
        timings = {}
        for label, params in {
            "newest page": {"limit": 100},
            "total count": {"includeTotalCount": "true", "limit": 100},
            "status filter": {"status": "ERROR", "limit": 100},
            "search": {"search": "name:sintel* AND labels:4k", "limit": 100},
            "sort by name": {"sort": "name:asc", "limit": 100},
        }.items():
            began = time.monotonic()
            page = client.result("GET", "/encoding/encodings", params=params)
            timings[label] = time.monotonic() - began
            assert page["items"], label
        total = client.result("GET", "/encoding/encodings", params={"includeTotalCount": "true"})[
            "totalCount"
        ]
        health = big.health()

    print(f"\n100,000 encodings: ready in {big.startup_seconds:.2f} s; root organization holds {total}")
    print("list timings: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in timings.items()))
    assert health["encodings"] == 100_000
    assert big.startup_seconds is not None and big.startup_seconds < 30
    assert max(timings.values()) < 5
