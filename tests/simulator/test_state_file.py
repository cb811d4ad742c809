"""--state FILE keeps the world between restarts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.simulator.conftest import Http
from tests.support.simulator import RunningSimulator, SimulatorError

HOOKS = "/notifications/webhooks/encoding/encodings"


def test_world_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "world.json"
    with RunningSimulator(encodings=60, seed=4, args=["--state", str(state)]) as first:
        assert first.api_key is not None
        client = Http(first.base_url, first.api_key)
        created = client.create_encoding(name="kept across restarts", labels=["keep"])
        client.result("POST", f"/encoding/encodings/{created['id']}/start")
        hook = client.result("POST", f"{HOOKS}/finished", json={"url": "http://127.0.0.1:9/kept"})
        count = first.health()["encodings"]
        keys = first.generated_keys
    assert json.loads(state.read_text())["version"] == 1

    with RunningSimulator(encodings=5, seed=999, args=["--state", str(state)]) as second:
        assert second.api_key is not None
        client = Http(second.base_url, second.api_key)
        again = client.result("GET", f"/encoding/encodings/{created['id']}")
        assert again["name"] == "kept across restarts" and again["labels"] == ["keep"]
        assert again["status"] != "CREATED"
        assert second.health()["encodings"] == count
        assert second.generated_keys == keys
        assert client.result("GET", f"{HOOKS}/finished/{hook['id']}")["url"] == "http://127.0.0.1:9/kept"
        assert "loaded from" in second.output


def test_unreadable_state_file_stops_the_start(tmp_path: Path) -> None:
    state = tmp_path / "broken.json"
    state.write_text("{not json")

    with pytest.raises(SimulatorError, match="cannot load state"):
        RunningSimulator(encodings=5, args=["--state", str(state)]).start()

    assert state.read_text() == "{not json"
