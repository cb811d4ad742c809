"""Actions through the API against the simulator over HTTP: what Bitmovin did, or why it refused, in the
envelope. Role checks and body validation happen before anything is sent."""

import pytest
from django.core.cache import cache

from dashboard.celery import app as celery_app
from encodings_app.bitmovin import explain
from encodings_app.models import Role
from encodings_app.services import actions, sync
from encodings_app.tasks import sync_encoding
from tests.api.helpers import ApiCaller, error_of, fields_named, result_of, token_for
from tests.factories import make_encoding, make_member, make_organization, make_user
from tests.support.simulator import RunningSimulator


@pytest.fixture(scope="module")
def simulator():
    with RunningSimulator(encodings=30, seed=7) as running:
        yield running


@pytest.fixture
def eager_tasks():
    # The refresh an action asks for runs in the request, so the test can read the mirror right after.
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def mirrored(simulator, transactional_db):
    """An organization on the simulator, mirrored by a real sync, and an operator's API caller."""
    cache.clear()  # request budgets of earlier tests must not carry over
    tenant = simulator.accounts()["accounts"][0]["organizations"][0]
    organization = make_organization(
        "sim", api_key=simulator.api_key, api_base_url=simulator.base_url, tenant_org_id=tenant["id"]
    )
    run = sync.organization_sync(organization_id=organization.pk)
    assert run is not None and run.outcome == "ok", run
    operator = make_member(organization, Role.OPERATOR, user=make_user("sim-operator"))
    sdk = simulator.sdk(tenant_org_id=tenant["id"])
    return organization, ApiCaller(token_for(operator)), sdk


def some_encoding(organization) -> str:
    return (
        organization.encodings.filter(type="VOD")
        .order_by("bitmovin_id")
        .values_list("bitmovin_id", flat=True)[0]
    )


@pytest.mark.slow
def test_stopping_a_running_encoding_reaches_bitmovin_and_the_mirror(simulator, mirrored, eager_tasks):
    organization, api, sdk = mirrored
    encoding_id = some_encoding(organization)
    simulator.force_state(encoding_id, "RUNNING", progress=40)

    response = api.post(f"/organizations/sim/encodings/{encoding_id}/stop")

    body = response.json()
    result = result_of(response)
    assert result["id"] == encoding_id and result["action"] == "stop"
    assert result["bitmovinRequestId"] and result["bitmovinRequestId"] != body["requestId"]
    assert body["data"]["messages"][0]["type"] == "INFO"
    assert "Stop requested" in body["data"]["messages"][0]["text"]
    assert sdk.encoding.encodings.status(encoding_id).status.value == "CANCELED"
    status = result_of(api.get(f"/organizations/sim/encodings/{encoding_id}/status"))
    assert status["status"] == "CANCELED", "the action's refresh brought the mirror up to date"


@pytest.mark.slow
def test_reprioritizing_a_finished_encoding_explains_bitmovins_refusal(simulator, mirrored):
    organization, api, sdk = mirrored
    encoding_id = some_encoding(organization)
    simulator.force_state(encoding_id, "FINISHED")

    response = api.post(f"/organizations/sim/encodings/{encoding_id}/reprioritize", {"priority": 80})

    data = error_of(response, 409, 2030)
    assert "Bitmovin did not reprioritize" in data["message"]
    assert explain(2030).title in data["message"], "the catalogue's plain words"
    assert "Reprioritization not allowed" in data["developerMessage"], "Bitmovin's own words"
    explained = data["details"][-1]
    bitmovin_request_id = explained["more"]["bitmovinRequestId"]
    assert bitmovin_request_id and bitmovin_request_id != response.json()["requestId"]
    assert f"Bitmovin requestId: {bitmovin_request_id}" in data["developerMessage"]
    assert "HTTP 409, code 2030" in data["developerMessage"]
    assert explained["more"]["bitmovinHttpStatus"] == 409
    assert any(link["href"].startswith("https://") for link in data["links"])
    assert sdk.encoding.encodings.status(encoding_id).status.value == "FINISHED"


@pytest.mark.slow
def test_deleting_a_running_encoding_is_refused_with_bitmovins_2021(simulator, mirrored):
    organization, api, sdk = mirrored
    encoding_id = some_encoding(organization)
    simulator.force_state(encoding_id, "RUNNING", progress=10)
    error_of(api.delete(f"/organizations/sim/encodings/{encoding_id}"), 409, 2021)
    assert sdk.encoding.encodings.status(encoding_id).status.value == "RUNNING"


@pytest.mark.slow
def test_an_action_without_an_answer_from_bitmovin_is_a_504_and_not_sent_twice(
    simulator, mirrored, monkeypatch
):
    organization, api, _ = mirrored
    encoding_id = some_encoding(organization)
    simulator.force_state(encoding_id, "RUNNING", progress=10)
    refreshes = []
    monkeypatch.setattr(sync_encoding, "delay_on_commit", lambda *args: refreshes.append(args))
    monkeypatch.setattr(actions, "ACTION_RETRY_BUDGET_S", 1.0)
    simulator.reset_stats()
    simulator.set_faults("504=1")
    try:
        response = api.post(f"/organizations/sim/encodings/{encoding_id}/stop")
    finally:
        simulator.clear_faults()

    data = error_of(response, 504, 1004)
    assert "could not confirm" in data["message"]
    assert "not sent again" in data["message"]
    # Injected faults are counted without their endpoint: every API POST in this window is the stop.
    posts = [
        row["count"]
        for row in simulator.stats()["endpoints"]
        if (row["area"], row["method"]) == ("api", "POST")
    ]
    assert sum(posts) == 1
    assert refreshes == [(organization.pk, encoding_id)], "a fresh read is asked for, to learn what happened"


def test_an_unreachable_bitmovin_is_a_502(people, monkeypatch):
    monkeypatch.setattr(actions, "ACTION_RETRY_BUDGET_S", 0.2)
    people.acme.api_base_url = "http://127.0.0.1:9/v1"
    people.acme.save()
    encoding = make_encoding(people.acme, status="RUNNING")

    data = error_of(
        people.api(people.operator).post(f"/organizations/acme/encodings/{encoding.bitmovin_id}/stop"),
        502,
        1004,
    )

    assert "Bitmovin did not stop" in data["message"]
    assert "no usable HTTP answer" in data["developerMessage"]
    assert "Bitmovin requestId: none" in data["developerMessage"]


def test_an_organization_without_a_key_cannot_act(db):
    organization = make_organization("keyless", api_key=None)
    operator = make_member(organization, Role.OPERATOR)
    encoding = make_encoding(organization, status="QUEUED")
    data = error_of(
        ApiCaller(token_for(operator)).post(f"/organizations/keyless/encodings/{encoding.bitmovin_id}/start"),
        409,
        1000,
    )
    assert fields_named(data) == ["apiKey"]


@pytest.mark.parametrize(
    ("method", "action", "body"),
    [
        ("post", "start", None),
        ("post", "stop", None),
        ("post", "reprioritize", {"priority": 5}),
        ("delete", "", None),
    ],
)
def test_a_viewer_cannot_act(people, method, action, body):
    encoding = make_encoding(people.acme, status="QUEUED")
    path = f"/organizations/acme/encodings/{encoding.bitmovin_id}" + (f"/{action}" if action else "")
    api = people.api(people.viewer)
    response = api.delete(path) if method == "delete" else api.post(path, body)
    data = error_of(response, 403, 1003)
    assert "operator" in data["message"]


@pytest.mark.parametrize("action", ["start", "stop", "reprioritize"])
def test_another_organizations_encoding_cannot_be_acted_on(people, action):
    foreign = make_encoding(people.globex, status="QUEUED")
    api = people.api(people.admin)
    error_of(
        api.post(f"/organizations/globex/encodings/{foreign.bitmovin_id}/{action}", {"priority": 1}),
        404,
        1005,
    )
    error_of(
        api.post(f"/organizations/acme/encodings/{foreign.bitmovin_id}/{action}", {"priority": 1}), 404, 1005
    )
    error_of(api.delete(f"/organizations/acme/encodings/{foreign.bitmovin_id}"), 404, 1005)


@pytest.mark.parametrize(
    ("body", "status_code", "code"),
    [
        ({}, 400, 1000),
        ({"priority": None}, 400, 1000),
        ({"priority": 101}, 400, 1001),
        ({"priority": -1}, 400, 1001),
        ({"priority": "high"}, 400, 1001),
        ([1, 2], 400, 1001),
    ],
)
def test_reprioritize_needs_a_priority_from_0_to_100(people, body, status_code, code):
    encoding = make_encoding(people.acme, status="QUEUED")
    response = people.api(people.operator).post(
        f"/organizations/acme/encodings/{encoding.bitmovin_id}/reprioritize", body
    )
    data = error_of(response, status_code, code)
    if isinstance(body, dict):
        assert fields_named(data) == ["priority"]
