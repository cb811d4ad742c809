"""Shared helpers for the Bitmovin client tests: a fake clock, envelopes, fixtures and a ready client."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
import responses

from encodings_app.bitmovin import BitmovinClient

API_KEY = "f916b2f5d07f4db89181e479fe099106"
BASE_URL = "https://api.bitmovin.test/v1"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "bitmovin"


class FakeClock:
    """A monotonic clock that only moves when the client sleeps, so no test ever really waits."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class MaxJitter(random.Random):
    """Jitter that always picks the top of the range, which makes backoff values predictable."""

    def uniform(self, a: float, b: float) -> float:
        return b


def success(result: Any, request_id: str = "req-ok", messages: list[dict] | None = None) -> dict:
    data: dict[str, Any] = {"result": result}
    if messages is not None:
        data["messages"] = messages
    return {"requestId": request_id, "status": "SUCCESS", "data": data}


def failure(
    code: int | None,
    message: str = "failed",
    *,
    request_id: str = "req-err",
    developer_message: str = "developer details",
    links: list[dict] | None = None,
    details: list[dict] | None = None,
) -> dict:
    data: dict[str, Any] = {"code": code, "message": message, "developerMessage": developer_message}
    if links is not None:
        data["links"] = links
    if details is not None:
        data["details"] = details
    return {"requestId": request_id, "status": "ERROR", "data": data}


def page(items: list[dict], offset: int = 0, limit: int = 25, total: int | None = None) -> dict:
    result: dict[str, Any] = {"offset": offset, "limit": limit, "items": items}
    if total is not None:
        result["totalCount"] = total
    return result


def load_fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def url(path: str) -> str:
    return BASE_URL + path


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(clock: FakeClock):
    made: list[BitmovinClient] = []

    def make(**kwargs: Any) -> BitmovinClient:
        options: dict[str, Any] = {
            "base_url": BASE_URL,
            "clock": clock,
            "sleep": clock.sleep,
            "rng": MaxJitter(),
        }
        options.update(kwargs)
        client = BitmovinClient(options.pop("api_key", API_KEY), **options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client) -> BitmovinClient:
    return make_client()


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
