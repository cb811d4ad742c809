"""Fixtures: one simulator shared by the session, the official SDK and a plain HTTP client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.support.simulator import RunningSimulator


class Http:
    """Plain requests against the API, for what the SDK hides (headers, raw bodies, bad values)."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.headers["X-Api-Key"] = api_key

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.base_url + path, **kwargs)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: dict[str, Any] | None = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, json=body, **kwargs)

    def delete(self, path: str) -> requests.Response:
        return self.request("DELETE", path)

    def result(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        assert response.status_code < 300, response.text
        return response.json()["data"]["result"]

    def create_encoding(self, **fields: Any) -> dict[str, Any]:
        body = {"name": "test encoding", "cloudRegion": "AUTO", "encoderVersion": "STABLE", **fields}
        return self.result("POST", "/encoding/encodings", json=body)


def error_of(response: requests.Response) -> tuple[int, int]:
    body = response.json()
    assert body["status"] == "ERROR", body
    return response.status_code, body["data"]["code"]


@pytest.fixture(scope="session")
def sim() -> Iterator[RunningSimulator]:
    with RunningSimulator(encodings=300, seed=7, args=["--rate-limits", "off"]) as running:
        yield running


@pytest.fixture(scope="session")
def http(sim: RunningSimulator) -> Http:
    assert sim.api_key is not None
    return Http(sim.base_url, sim.api_key)


@pytest.fixture(scope="session")
def sdk(sim: RunningSimulator) -> Any:
    return sim.sdk()
