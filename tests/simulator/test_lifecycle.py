"""Encodings move on their own: statuses, progress, subtasks, messages and timestamps over time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.simulator.conftest import Http
from tests.support.simulator import RunningSimulator

MESSAGE_TYPES = {"INFO", "WARNING", "ERROR", "DEBUG", "TRACE"}


def status(http: Http, encoding_id: str) -> dict[str, Any]:
    return http.result("GET", f"/encoding/encodings/{encoding_id}/status")


def encoding(http: Http, encoding_id: str) -> dict[str, Any]:
    return http.result("GET", f"/encoding/encodings/{encoding_id}")


@pytest.fixture(scope="module")
def fresh() -> Iterator[RunningSimulator]:
    """A world nobody has advanced yet: what a demo sees right after start-up."""
    with RunningSimulator(encodings=200, seed=11, args=["--rate-limits", "off"]) as running:
        yield running


def test_a_new_world_shows_queued_running_and_finished_encodings(fresh: RunningSimulator) -> None:
    assert fresh.api_key is not None
    client = Http(fresh.base_url, fresh.api_key)
    counts = {
        s: client.result("GET", "/encoding/encodings", params={"status": s, "includeTotalCount": "true"})[
            "totalCount"
        ]
        for s in ("QUEUED", "RUNNING", "FINISHED", "ERROR")
    }

    assert counts["QUEUED"] >= 2 and counts["RUNNING"] >= 3
    assert counts["FINISHED"] > counts["ERROR"] > 0


def test_the_control_listing_gives_every_encoding_with_the_status_the_api_shows(
    fresh: RunningSimulator,
) -> None:
    assert fresh.api_key is not None
    statuses = fresh.encoding_statuses()
    organization = next(iter(statuses.values()))[0]
    client = Http(fresh.base_url, fresh.api_key)
    client.session.headers["X-Tenant-Org-Id"] = organization
    listed = {}
    for offset in range(0, 1000, 100):
        page = client.result("GET", "/encoding/encodings", params={"offset": offset, "limit": 100})["items"]
        listed.update({item["id"]: item["status"] for item in page})
        if len(page) < 100:
            break

    narrowed = fresh.encoding_statuses(organization)

    assert narrowed == {i: (o, s) for i, (o, s) in statuses.items() if o == organization}
    assert {encoding_id: status for encoding_id, (_, status) in narrowed.items()} == listed


def test_new_encodings_keep_arriving(fresh: RunningSimulator) -> None:
    before = fresh.health()["encodings"]
    fresh.set_arrival_rate(3600)

    fresh.advance(30)
    fresh.tick()

    assert fresh.health()["encodings"] > before
    fresh.set_arrival_rate(0)


def test_started_encoding_runs_through_queued_running_and_finished(http: Http, sim: RunningSimulator) -> None:
    created = http.create_encoding()
    assert created["status"] == "CREATED" and created["progress"] == 0
    sim.force_state(created["id"], "QUEUED", outcome="FINISHED")
    queued = encoding(http, created["id"])
    assert queued["status"] == "QUEUED" and "runningAt" not in queued

    sim.advance(900)
    running = status(http, created["id"])
    if running["status"] == "RUNNING":
        assert running["eta"] > 0 and running["subtasks"]
    sim.advance(3600)

    done = encoding(http, created["id"])
    assert done["status"] == "FINISHED" and done["progress"] == 100
    assert done["createdAt"] <= done["startedAt"] <= done["runningAt"] <= done["finishedAt"]
    task = status(http, created["id"])
    assert [s["name"] for s in task["subtasks"]] == ["Download", "Analysis", "Encoding", "Muxing", "Transfer"]
    assert all(s["status"] == "FINISHED" and s["progress"] == 100 for s in task["subtasks"])


def test_progress_eta_and_subtasks_move_with_the_clock(http: Http, sim: RunningSimulator) -> None:
    created = http.create_encoding()
    sim.force_state(created["id"], "RUNNING", progress=10, outcome="FINISHED")
    before = status(http, created["id"])

    sim.advance(60)
    after = status(http, created["id"])

    assert before["status"] == after["status"] == "RUNNING"
    assert after["progress"] > before["progress"]
    assert after["eta"] < before["eta"]
    assert len(after["subtasks"]) >= len(before["subtasks"])
    current = after["subtasks"][-1]
    assert current["status"] == "RUNNING" and 0 <= current["progress"] < 100
    assert all(s["status"] == "FINISHED" for s in after["subtasks"][:-1])


def test_modified_at_changes_with_each_status_change(http: Http, sim: RunningSimulator) -> None:
    created = http.create_encoding()
    sim.advance(2)
    http.result("POST", f"/encoding/encodings/{created['id']}/start")
    queued = encoding(http, created["id"])
    sim.advance(2)
    sim.force_state(created["id"], "FINISHED")
    finished = encoding(http, created["id"])

    assert created["modifiedAt"] < queued["modifiedAt"] < finished["modifiedAt"]
    assert finished["modifiedAt"] == finished["finishedAt"]


def test_failed_encoding_explains_itself(http: Http, sim: RunningSimulator) -> None:
    created = http.create_encoding()
    sim.force_state(created["id"], "ERROR", errorCode=2100)

    task = status(http, created["id"])
    item = encoding(http, created["id"])

    assert task["status"] == "ERROR" and item["errorAt"] == item["finishedAt"]
    assert task["error"]["code"] == 2100 and task["error"]["category"] == "INPUT"
    assert task["error"]["retryHint"] == "NO_RETRY" and "s3://" in task["error"]["text"]
    errors = [m for m in task["messages"] if m["type"] == "ERROR"]
    assert errors and errors[0]["links"] and errors[0]["field"] == "inputPath"
    assert errors[0]["more"]["errorCode"] == 2100
    assert task["subtasks"][-1]["status"] == "ERROR" and task["subtasks"][-1]["name"] == "Download"


def test_transfer_error_fails_in_the_transfer_phase(http: Http, sim: RunningSimulator) -> None:
    created = http.create_encoding()
    sim.force_state(created["id"], "TRANSFER_ERROR")

    task = status(http, created["id"])

    assert task["status"] == "TRANSFER_ERROR"
    assert task["error"]["category"] == "TRANSFER" and task["subtasks"][-1]["name"] == "Transfer"


def test_running_encoding_that_fails_later_turns_error(http: Http, sim: RunningSimulator) -> None:
    created = http.create_encoding()
    sim.force_state(created["id"], "RUNNING", progress=20, outcome="ERROR", errorCode=2016)

    sim.advance(4 * 3600)

    task = status(http, created["id"])
    assert task["status"] == "ERROR" and task["error"]["code"] == 2016 and task["progress"] >= 20


def test_messages_of_all_five_types_appear(http: Http, sim: RunningSimulator) -> None:
    seen: set[str] = set()
    for forced in ({"status": "ERROR"}, {"status": "RUNNING", "stuck": True, "agoSeconds": 3600}):
        created = http.create_encoding(encoderVersion="2.150.0")
        sim.force_state(created["id"], **forced)
        for message in status(http, created["id"])["messages"]:
            assert message["id"] and message["date"] and message["text"]
            seen.add(message["type"])

    assert seen == MESSAGE_TYPES


def test_messages_keep_their_ids_and_only_grow(http: Http, sim: RunningSimulator) -> None:
    created = http.create_encoding()
    sim.force_state(created["id"], "RUNNING", progress=5, outcome="FINISHED")
    before = status(http, created["id"])["messages"]

    sim.advance(120)
    after = status(http, created["id"])["messages"]

    assert after[: len(before)] == before
    assert len(after) > len(before)
    dates = [m["date"] for m in after]
    assert dates == sorted(dates)


def test_stuck_encodings_stop_moving(http: Http, sim: RunningSimulator) -> None:
    queued = http.create_encoding()
    running = http.create_encoding()
    sim.force_state(queued["id"], "QUEUED", stuck=True)
    sim.force_state(running["id"], "RUNNING", stuck=True, progress=40)

    sim.advance(1200)

    assert status(http, queued["id"])["status"] == "QUEUED"
    stalled = status(http, running["id"])
    assert stalled["status"] == "RUNNING" and stalled["progress"] == 40
    assert any(
        m["type"] == "WARNING" and "queued for" in m["text"] for m in status(http, queued["id"])["messages"]
    )
    assert any(m["type"] == "WARNING" and "No progress" in m["text"] for m in stalled["messages"])


def test_stopped_encoding_is_canceled(http: Http, sim: RunningSimulator) -> None:
    created = http.create_encoding()
    sim.force_state(created["id"], "RUNNING", progress=50)

    http.result("POST", f"/encoding/encodings/{created['id']}/stop")
    sim.advance(3600)

    item = encoding(http, created["id"])
    assert item["status"] == "CANCELED" and 50 <= item["progress"] < 100 and "finishedAt" in item
    assert status(http, created["id"])["subtasks"][-1]["status"] == "CANCELED"


def test_live_encoding_runs_until_stopped_and_restarts_after_an_error(
    http: Http, sim: RunningSimulator
) -> None:
    live = http.create_encoding(type="LIVE", name="live test")
    http.result("POST", f"/encoding/encodings/{live['id']}/live/start", json={"streamKey": "teststream"})
    sim.advance(3 * 3600)
    assert encoding(http, live["id"])["status"] == "RUNNING"
    assert http.result("GET", f"/encoding/encodings/{live['id']}/live")["streamKey"] == "teststream"

    http.result("POST", f"/encoding/encodings/{live['id']}/live/stop")
    assert encoding(http, live["id"])["status"] == "FINISHED"

    sim.force_state(live["id"], "ERROR")
    http.result("POST", f"/encoding/encodings/{live['id']}/live/restart")
    sim.advance(300)
    assert encoding(http, live["id"])["status"] == "RUNNING"


def test_links_the_simulator_sends_are_checked_documentation_pages(http: Http, sim: RunningSimulator) -> None:
    checked = {
        line.strip()
        for line in (Path(__file__).resolve().parents[1] / "fixtures/bitmovin-doc-links.txt")
        .read_text()
        .splitlines()
        if line.strip() and not line.startswith("#")
    }
    hrefs: list[str] = []
    for code in (2100, 2200, 2300, 8004, 2018):
        created = http.create_encoding()
        sim.force_state(created["id"], "ERROR", errorCode=code)
        task = status(http, created["id"])
        hrefs += [link["href"] for link in task["error"].get("links", [])]
        hrefs += [link["href"] for message in task["messages"] for link in message.get("links", [])]
    hrefs += [link["href"] for link in http.get("/encoding/encodings/unknown-id").json()["data"]["links"]]

    assert len(hrefs) >= 6
    assert set(hrefs) <= checked
