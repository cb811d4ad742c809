"""Rate limits per key and endpoint: 429 with x-ratelimit-* headers and an ERROR envelope."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.simulator.conftest import Http, error_of
from tests.support.simulator import RunningSimulator


@pytest.fixture(scope="module")
def limited() -> Iterator[RunningSimulator]:
    with RunningSimulator(encodings=50, seed=3) as running:
        yield running


@pytest.fixture
def client(limited: RunningSimulator) -> Http:
    limited.set_rate_limits(enabled=True, limits={}, reset=True)
    assert limited.api_key is not None
    return Http(limited.base_url, limited.api_key)


def test_list_allows_60_requests_a_minute_then_answers_429(client: Http) -> None:
    remaining = [
        int(client.get("/encoding/encodings", limit=1).headers["x-ratelimit-remaining"]) for _ in range(60)
    ]
    refused = client.get("/encoding/encodings", limit=1)

    assert remaining == list(range(59, -1, -1))
    assert error_of(refused) == (429, 8000)
    assert refused.headers["x-ratelimit-limit"] == "60"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert 1 <= int(refused.headers["x-ratelimit-reset"]) <= 60
    assert refused.json()["data"]["developerMessage"]


def test_limits_differ_by_endpoint_and_method(client: Http) -> None:
    created = client.create_encoding()

    assert client.get("/encoding/encodings").headers["x-ratelimit-limit"] == "60"
    assert client.post("/encoding/encodings", {"name": "x"}).headers["x-ratelimit-limit"] == "600"
    assert client.get(f"/encoding/encodings/{created['id']}/status").headers["x-ratelimit-limit"] == "6000"
    assert client.get("/encoding/statistics").headers["x-ratelimit-limit"] == "60"
    assert client.get(f"/encoding/encodings/{created['id']}").headers["x-ratelimit-limit"] == "20000"


def test_each_key_has_its_own_budget(limited: RunningSimulator, client: Http) -> None:
    limited.set_rate_limits(limits={"GET /encoding/encodings": 2})
    other = Http(limited.base_url, limited.generated_keys[0])
    for _ in range(2):
        client.get("/encoding/encodings")

    assert client.get("/encoding/encodings").status_code == 429
    assert other.get("/encoding/encodings").status_code == 200


def test_rate_limits_can_be_switched_off(limited: RunningSimulator, client: Http) -> None:
    limited.set_rate_limits(limits={"GET /encoding/encodings": 1})
    client.get("/encoding/encodings")
    assert client.get("/encoding/encodings").status_code == 429

    limited.set_rate_limits(enabled=False)

    response = client.get("/encoding/encodings")
    assert response.status_code == 200 and "x-ratelimit-limit" not in response.headers
    assert limited.stats()["rateLimited"] >= 1


def test_cli_flag_turns_rate_limits_off() -> None:
    with RunningSimulator(encodings=10, args=["--rate-limits", "off"]) as running:
        assert running.api_key is not None
        client = Http(running.base_url, running.api_key)
        statuses = {client.get("/encoding/encodings").status_code for _ in range(70)}

    assert statuses == {200}


def test_a_shortened_window_keeps_its_limit_and_opens_again_after_its_length() -> None:
    with RunningSimulator(encodings=5, args=["--rate-limit-window", "1.5"]) as running:
        assert running.api_key is not None
        running.set_rate_limits(limits={"GET /encoding/encodings": 3})
        client = Http(running.base_url, running.api_key)
        first_window = [client.get("/encoding/encodings").status_code for _ in range(4)]
        time.sleep(1.6)
        next_window = client.get("/encoding/encodings")

        assert first_window == [200, 200, 200, 429]
        assert next_window.status_code == 200
        assert next_window.headers["x-ratelimit-remaining"] == "2"
        assert running.control("GET", "rate-limits")["windowSeconds"] == 1.5
        running.set_faults("429=1")
        injected = client.get("/encoding/encodings")
        assert injected.status_code == 429
        assert injected.headers["x-ratelimit-reset"] == "2", "an injected 429's wait shortens with the window"


def test_stats_count_each_keys_use_of_each_endpoint_against_its_limit(
    limited: RunningSimulator, client: Http
) -> None:
    limited.set_rate_limits(limits={"GET /encoding/encodings": 3}, reset=True)
    limited.control("DELETE", "stats")
    other = Http(limited.base_url, limited.generated_keys[0])
    for _ in range(4):
        client.get("/encoding/encodings")
    other.get("/encoding/encodings")

    usage = {(row["key"], row["endpoint"]): row for row in limited.control("GET", "stats")["rateLimitUsage"]}
    mine = usage[(limited.api_key, "GET /encoding/encodings")]
    theirs = usage[(limited.generated_keys[0], "GET /encoding/encodings")]
    assert (mine["allowed"], mine["refused"], mine["peakPerWindow"], mine["limit"]) == (3, 1, 3, 3)
    assert (theirs["allowed"], theirs["refused"], theirs["peakPerWindow"]) == (1, 0, 1)

    limited.control("DELETE", "stats")
    assert limited.control("GET", "stats")["rateLimitUsage"] == []
    assert client.get("/encoding/encodings").status_code == 429, (
        "the window goes on after a reset of the counts"
    )
