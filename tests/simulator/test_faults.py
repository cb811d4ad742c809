"""Injected faults, each kind on its own, seen with plain requests."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from tests.simulator.conftest import Http, error_of
from tests.support.simulator import RunningSimulator

TARGET = "/account/information"


@pytest.fixture(scope="module")
def faulty() -> Iterator[RunningSimulator]:
    with RunningSimulator(encodings=20, seed=5, args=["--rate-limits", "off"]) as running:
        yield running


@pytest.fixture
def client(faulty: RunningSimulator) -> Iterator[Http]:
    assert faulty.api_key is not None
    yield Http(faulty.base_url, faulty.api_key)
    faulty.clear_faults()


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_come_in_error_envelopes(faulty: RunningSimulator, client: Http, status: int) -> None:
    faulty.set_faults(f"{status}=1,path={TARGET}")

    response = client.get(TARGET)

    assert error_of(response) == (status, 1004)
    assert client.get("/encoding/encodings", limit=1).status_code == 200


def test_injected_429_looks_like_a_rate_limit(faulty: RunningSimulator, client: Http) -> None:
    faulty.set_faults("429=1")

    response = client.get("/encoding/encodings")

    assert error_of(response) == (429, 8000)
    assert response.headers["x-ratelimit-limit"] == "60" and response.headers["x-ratelimit-remaining"] == "0"
    assert response.headers["x-ratelimit-reset"] == "30", "half the window of a minute"


def test_html_gateway_page(faulty: RunningSimulator, client: Http) -> None:
    faulty.set_faults("html=1")

    response = client.get(TARGET)

    assert response.status_code == 502 and response.headers["Content-Type"].startswith("text/html")
    assert "Bad Gateway" in response.text
    with pytest.raises(ValueError):
        response.json()


def test_truncated_body_is_not_valid_json(faulty: RunningSimulator, client: Http) -> None:
    faulty.set_faults("truncate=1")

    response = client.get(TARGET)

    assert response.status_code == 200 and response.text.startswith('{"requestId"')
    with pytest.raises(ValueError):
        response.json()


def test_dropped_connection_breaks_the_body(faulty: RunningSimulator, client: Http) -> None:
    faulty.set_faults("drop=1")

    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        client.get(TARGET)


def test_non_json_body_with_200(faulty: RunningSimulator, client: Http) -> None:
    faulty.set_faults("nonjson=1")

    response = client.get(TARGET)

    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
    with pytest.raises(ValueError):
        response.json()


def test_reset_connection(faulty: RunningSimulator, client: Http) -> None:
    faulty.set_faults("reset=1")

    with pytest.raises(requests.exceptions.ConnectionError):
        client.get(TARGET)


def test_hung_request_outlasts_the_client_timeout(faulty: RunningSimulator, client: Http) -> None:
    faulty.set_faults("hang=1,hang_s=2")

    with pytest.raises(requests.exceptions.Timeout):
        client.request("GET", TARGET, timeout=0.5)


def test_latency_delays_every_request(faulty: RunningSimulator, client: Http) -> None:
    faulty.set_faults("", latency_ms=300)

    began = time.monotonic()
    response = client.get(TARGET)

    assert response.status_code == 200 and time.monotonic() - began >= 0.3


def test_same_seed_gives_the_same_fault_sequence(faulty: RunningSimulator, client: Http) -> None:
    def sequence() -> list[int]:
        faulty.set_faults("503=0.3,500=0.2,seed=42")
        return [client.get(TARGET).status_code for _ in range(30)]

    first, second = sequence(), sequence()

    assert first == second
    assert {200, 500, 503} <= set(first)


def test_max_bounds_the_number_of_faults(faulty: RunningSimulator, client: Http) -> None:
    faulty.set_faults("503=1,max=2")

    statuses = [client.get(TARGET).status_code for _ in range(4)]

    assert statuses == [503, 503, 200, 200]


def test_control_endpoints_are_never_faulted(faulty: RunningSimulator) -> None:
    faulty.set_faults("503=1")

    assert faulty.health()["status"] == "ok"
    assert faulty.control("GET", "faults")["injected"]["503"] >= 1
    faulty.clear_faults()


def test_bad_spec_is_rejected(faulty: RunningSimulator) -> None:
    for spec in ("503=2", "teapot=0.1", "503", "503=0.6,500=0.6"):
        response = requests.post(f"{faulty.root_url}/_sim/faults", json={"spec": spec}, timeout=10)
        assert error_of(response) == (400, 1001)


def test_faults_flag_applies_from_start_with_a_path_filter() -> None:
    with RunningSimulator(encodings=10, args=["--faults", "503=1,path=/account/*"]) as running:
        assert running.api_key is not None
        client = Http(running.base_url, running.api_key)
        assert client.get("/account/information").status_code == 503
        assert client.get("/encoding/encodings").status_code == 200
        assert running.stats()["faultsInjected"] == {"503": 1}


def test_the_write_log_tells_an_injected_failure_from_a_write_the_api_processed(
    faulty: RunningSimulator, client: Http
) -> None:
    faulty.reset_stats()
    encoding = client.create_encoding(name="Logged")
    client.get(f"/encoding/encodings/{encoding['id']}")
    faulty.set_faults("500=1,path=/encoding/encodings/*/start")
    refused = client.post(f"/encoding/encodings/{encoding['id']}/start")
    faulty.clear_faults()
    started = client.post(f"/encoding/encodings/{encoding['id']}/start")

    assert (refused.status_code, started.status_code) == (500, 200)
    writes = faulty.writes(path="/encoding/encodings/*/start")
    assert [(w["method"], w["status"], w["fault"]) for w in writes] == [
        ("POST", 500, "500"),
        ("POST", 200, None),
    ]
    assert {w["path"] for w in writes} == {f"/encoding/encodings/{encoding['id']}/start"}
    assert [w["method"] for w in faulty.writes()] == ["POST", "POST", "POST"], "reads are not logged"
    faulty.reset_stats()
    assert faulty.writes() == []
