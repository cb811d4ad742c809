"""Actions and their preconditions, with the seed's error codes."""

from __future__ import annotations

from tests.simulator.conftest import Http, error_of
from tests.support.simulator import RunningSimulator


def test_start_replies_with_the_id_and_workflow_messages(http: Http) -> None:
    created = http.create_encoding()

    body = http.post(f"/encoding/encodings/{created['id']}/start", {"encodingMode": "TWO_PASS"}).json()

    assert body["data"]["result"] == {"id": created["id"]}
    assert body["data"]["messages"][0]["type"] == "INFO" and body["data"]["messages"][0]["text"]
    assert http.result("GET", f"/encoding/encodings/{created['id']}")["selectedEncodingMode"] == "TWO_PASS"


def test_start_is_only_for_created_encodings(http: Http, sim: RunningSimulator) -> None:
    created = http.create_encoding()
    sim.force_state(created["id"], "FINISHED")

    assert error_of(http.post(f"/encoding/encodings/{created['id']}/start")) == (409, 2000)


def test_start_rejects_a_priority_out_of_range(http: Http) -> None:
    created = http.create_encoding()

    response = http.post(f"/encoding/encodings/{created['id']}/start", {"scheduling": {"priority": 101}})

    assert error_of(response) == (400, 1001)


def test_start_request_of_a_never_started_encoding_is_2047(http: Http) -> None:
    created = http.create_encoding()

    assert error_of(http.get(f"/encoding/encodings/{created['id']}/start")) == (409, 2047)


def test_delete_of_queued_or_running_encoding_is_2021(http: Http, sim: RunningSimulator) -> None:
    for state in ("QUEUED", "RUNNING"):
        created = http.create_encoding()
        sim.force_state(created["id"], state)
        assert error_of(http.delete(f"/encoding/encodings/{created['id']}")) == (409, 2021)


def test_delete_of_finished_encoding_succeeds(http: Http, sim: RunningSimulator) -> None:
    created = http.create_encoding()
    sim.force_state(created["id"], "FINISHED")

    assert http.result("DELETE", f"/encoding/encodings/{created['id']}") == {"id": created["id"]}
    assert error_of(http.get(f"/encoding/encodings/{created['id']}")) == (404, 1001)


def test_stop_is_only_for_queued_or_running_encodings(http: Http) -> None:
    created = http.create_encoding()

    assert error_of(http.post(f"/encoding/encodings/{created['id']}/stop")) == (409, 2000)


def test_reprioritize_is_only_for_queued_encodings_with_priority_0_to_100(
    http: Http, sim: RunningSimulator
) -> None:
    created = http.create_encoding()
    path = f"/encoding/encodings/{created['id']}/reprioritize"
    sim.force_state(created["id"], "RUNNING")
    assert error_of(http.post(path, {"priority": 60})) == (409, 2030)

    sim.force_state(created["id"], "QUEUED")
    assert error_of(http.post(path, {"priority": 101})) == (400, 1001)
    assert error_of(http.post(path, {"priority": "high"})) == (400, 1001)
    assert error_of(http.post(path, {})) == (400, 1000)
    assert http.result("POST", path, json={"priority": 100}) == {"id": created["id"]}


def test_higher_priority_runs_sooner(http: Http, sim: RunningSimulator) -> None:
    created = http.create_encoding()
    sim.force_state(created["id"], "QUEUED", outcome="FINISHED")
    before = sim.plan(created["id"])["runningAt"]

    http.result("POST", f"/encoding/encodings/{created['id']}/reprioritize", json={"priority": 100})

    assert sim.plan(created["id"])["runningAt"] <= before


def test_reschedule_needs_an_infrastructure_and_a_queued_encoding(http: Http, sim: RunningSimulator) -> None:
    created = http.create_encoding()
    path = f"/encoding/encodings/{created['id']}/reschedule"
    assert error_of(http.post(path, {"infrastructureId": "infra-1"})) == (409, 2027)

    sim.force_state(created["id"], "QUEUED", stuck=True)
    assert error_of(http.post(path, {})) == (400, 1000)
    assert http.result("POST", path, json={"infrastructureId": "infra-1"}) == {"id": created["id"]}
    sim.advance(60)
    assert http.result("GET", f"/encoding/encodings/{created['id']}")["status"] in ("RUNNING", "FINISHED")


def test_live_actions_on_a_vod_encoding_are_2029(http: Http) -> None:
    created = http.create_encoding()
    base = f"/encoding/encodings/{created['id']}/live"

    assert error_of(http.get(base)) == (400, 2029)
    assert error_of(http.post(f"{base}/restart")) == (400, 2029)
    assert error_of(http.post(f"{base}/stop")) == (400, 2029)


def test_live_restart_needs_running_or_error_status_2028(http: Http, sim: RunningSimulator) -> None:
    live = http.create_encoding(type="LIVE")
    restart = f"/encoding/encodings/{live['id']}/live/restart"
    assert error_of(http.post(restart)) == (409, 2028)

    sim.force_state(live["id"], "FINISHED")
    assert error_of(http.post(restart)) == (409, 2028)

    sim.force_state(live["id"], "RUNNING")
    assert http.result("POST", restart) == {"id": live["id"]}


def test_live_start_validates_the_stream_key(http: Http) -> None:
    live = http.create_encoding(type="LIVE")
    start = f"/encoding/encodings/{live['id']}/live/start"

    assert error_of(http.post(start, {})) == (400, 1000)
    assert error_of(http.post(start, {"streamKey": "no spaces!"})) == (400, 1001)
    assert http.result("POST", start, json={"streamKey": "goodKey"}) == {"id": live["id"]}
    assert error_of(http.get(f"/encoding/encodings/{live['id']}/live")) == (409, 2023)


def test_stopping_a_finished_live_encoding_is_2022(http: Http, sim: RunningSimulator) -> None:
    live = http.create_encoding(type="LIVE")
    sim.force_state(live["id"], "FINISHED")

    assert error_of(http.post(f"/encoding/encodings/{live['id']}/live/stop")) == (409, 2022)


def test_create_validates_region_version_and_type(http: Http) -> None:
    assert error_of(http.post("/encoding/encodings", {"cloudRegion": "MOON_1"})) == (400, 1001)
    assert error_of(http.post("/encoding/encodings", {"encoderVersion": "latest-greatest"})) == (400, 2020)
    assert error_of(http.post("/encoding/encodings", {"type": "PODCAST"})) == (400, 1001)
    assert error_of(http.post("/encoding/encodings", {"labels": "not-a-list"})) == (400, 1001)


def test_create_returns_201_and_the_encoding_with_custom_data(http: Http) -> None:
    response = http.post("/encoding/encodings", {"name": "n", "customData": {"a": 1}, "labels": ["x"]})
    item = response.json()["data"]["result"]

    assert response.status_code == 201
    assert item["status"] == "CREATED" and item["customData"] == {"a": 1} and item["cloudRegion"] == "AUTO"
    custom = http.result("GET", f"/encoding/encodings/{item['id']}/customData")
    assert custom["customData"] == {"a": 1} and custom["createdAt"] == item["createdAt"]
