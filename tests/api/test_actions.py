"""Actions through the API against the simulator over HTTP: what Bitmovin did, or why it refused, in the
envelope. Role checks and body validation happen before anything is sent."""

import pytest
import requests
from django.core.cache import cache

from dashboard.celery import app as celery_app
from encodings_app.api.views.actions import OUTCOME_ANSWERS, action_error
from encodings_app.bitmovin import explain
from encodings_app.models import AuditEvent, Role
from encodings_app.services import actions, clients, sync
from encodings_app.services.action_outcomes import AUDIT_OUTCOMES, ActionOutcome
from tests.api.helpers import ApiCaller, error_of, fields_named, result_of, token_for
from tests.factories import make_encoding, make_member, make_organization, make_user
from tests.support.api_client import point_at
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


def created_in_bitmovin(simulator, organization, kind: str, status: str) -> str:
    """An encoding created in the simulator, put in ``status`` and mirrored; returns its id."""
    response = requests.post(
        f"{simulator.base_url}/encoding/encodings",
        json={"name": f"{kind} target", "type": kind, "cloudRegion": "AWS_EU_WEST_1"},
        headers={"X-Api-Key": simulator.api_key, "X-Tenant-Org-Id": organization.tenant_org_id},
        timeout=30,
    )
    response.raise_for_status()
    encoding_id = response.json()["data"]["result"]["id"]
    simulator.force_state(encoding_id, status)
    run = sync.organization_sync(organization_id=organization.pk)
    assert run is not None and run.outcome == "ok", run
    return encoding_id


@pytest.mark.slow
def test_restarting_a_running_live_encoding_reaches_bitmovin_and_is_audited(simulator, mirrored):
    organization, api, _ = mirrored
    encoding_id = created_in_bitmovin(simulator, organization, "LIVE", "RUNNING")

    response = api.post(f"/organizations/sim/encodings/{encoding_id}/live/restart")

    result = result_of(response)
    assert (result["id"], result["action"]) == (encoding_id, "restart-live")
    assert result["bitmovinRequestId"]
    assert "Restart requested" in response.json()["data"]["messages"][0]["text"]
    entry = AuditEvent.objects.get(target=encoding_id)
    assert (entry.action, entry.outcome) == ("encoding.restart_live", "ok")
    assert entry.request_id == result["bitmovinRequestId"]


@pytest.mark.slow
def test_restarting_a_vod_encoding_is_refused_with_bitmovins_2029(simulator, mirrored):
    organization, api, _ = mirrored
    encoding_id = some_encoding(organization)
    simulator.force_state(encoding_id, "RUNNING", progress=10)

    data = error_of(api.post(f"/organizations/sim/encodings/{encoding_id}/live/restart"), 409, 2029)

    assert "Bitmovin did not restart" in data["message"]
    assert AuditEvent.objects.get(target=encoding_id).outcome == "refused"


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
    simulator, mirrored, monkeypatch, enqueued
):
    organization, api, _ = mirrored
    encoding_id = some_encoding(organization)
    simulator.force_state(encoding_id, "RUNNING", progress=10)
    monkeypatch.setattr(clients, "INTERACTIVE_RETRY_BUDGET_S", 1.0)
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
    assert enqueued == [(organization.pk, encoding_id)], "a fresh read is asked for, to learn what happened"


def test_an_unreachable_bitmovin_is_a_502(world, api_for, monkeypatch):
    monkeypatch.setattr(clients, "INTERACTIVE_RETRY_BUDGET_S", 0.2)
    point_at(world.acme, base_url="http://127.0.0.1:9/v1")
    encoding = make_encoding(world.acme, status="RUNNING")

    data = error_of(
        api_for(world.operator).post(f"/organizations/acme/encodings/{encoding.bitmovin_id}/stop"),
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
        ("post", "live/restart", None),
        ("delete", "", None),
    ],
)
def test_a_viewer_cannot_act(world, api_for, method, action, body):
    encoding = make_encoding(world.acme, status="QUEUED")
    path = f"/organizations/acme/encodings/{encoding.bitmovin_id}" + (f"/{action}" if action else "")
    api = api_for(world.viewer)
    response = api.delete(path) if method == "delete" else api.post(path, body)
    data = error_of(response, 403, 1003)
    assert "operator" in data["message"]


@pytest.mark.parametrize("action", ["start", "stop", "reprioritize", "live/restart"])
def test_another_organizations_encoding_cannot_be_acted_on(world, api_for, action):
    foreign = make_encoding(world.globex, status="QUEUED")
    api = api_for(world.admin)
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
def test_reprioritize_needs_a_priority_from_0_to_100(world, api_for, body, status_code, code):
    encoding = make_encoding(world.acme, status="QUEUED")
    response = api_for(world.operator).post(
        f"/organizations/acme/encodings/{encoding.bitmovin_id}/reprioritize", body
    )
    data = error_of(response, status_code, code)
    if isinstance(body, dict):
        assert fields_named(data) == ["priority"]


def test_an_encoding_whose_stored_id_cannot_be_sent_is_a_400_and_never_reaches_bitmovin(world, api_for):
    # Only a row stored before ids were checked can hold such an id; the closed port would answer 502
    # if anything were sent.
    point_at(world.acme, base_url="http://127.0.0.1:9/v1")
    encoding = make_encoding(world.acme, bitmovin_id="bad id", status="RUNNING")

    data = error_of(api_for(world.operator).post("/organizations/acme/encodings/bad%20id/stop"), 400, 1001)

    assert fields_named(data) == ["encodingId"]
    assert "nothing was sent" in data["message"]
    assert "API key" not in data["message"] + data["developerMessage"], "not the missing-key answer"
    entry = AuditEvent.objects.get(target=encoding.bitmovin_id)
    assert (entry.action, entry.outcome) == ("encoding.stop", "refused")


def test_a_priority_the_client_refuses_is_an_invalid_argument_not_a_missing_key(world, api_for):
    """The serializer stops an out-of-range priority before the service; a caller that skipped it still
    gets INVALID, which the API answers 400 with code 1001 naming the field."""
    encoding = make_encoding(world.acme, status="QUEUED")
    encoding.organization = world.acme

    result = actions.encoding_action_perform(
        action="reprioritize", encoding=encoding, user=world.operator, arguments={"priority": 500}
    )

    assert result.outcome == ActionOutcome.INVALID and result.field == "priority"
    error = action_error(result)
    assert (error.status_code, error.data["code"]) == (400, 1001)
    assert [detail["field"] for detail in error.data["details"]] == ["priority"]
    assert "from 0 to 100" in error.data["message"]
    entry = AuditEvent.objects.get(target=encoding.bitmovin_id)
    assert (entry.outcome, entry.detail.startswith("Priority 500.")) == ("refused", True)


def test_every_outcome_has_an_http_answer_and_an_audit_outcome():
    assert set(OUTCOME_ANSWERS) == set(ActionOutcome) == set(AUDIT_OUTCOMES)
    successes = {outcome for outcome, answer in OUTCOME_ANSWERS.items() if answer.status == 200}
    assert successes == {ActionOutcome.ACCEPTED, ActionOutcome.ALREADY_QUEUED}


@pytest.mark.slow
def test_a_key_bitmovin_rejects_is_a_502_with_bitmovins_code_and_audited_as_refused(
    simulator, transactional_db
):
    cache.clear()
    tenant = simulator.accounts()["accounts"][0]["organizations"][0]
    organization = make_organization(
        "rejected",
        api_key="not-the-simulators-key",
        api_base_url=simulator.base_url,
        tenant_org_id=tenant["id"],
    )
    operator = make_member(organization, Role.OPERATOR, user=make_user("rejected-operator"))
    encoding = make_encoding(organization, status="RUNNING")

    response = ApiCaller(token_for(operator)).post(
        f"/organizations/rejected/encodings/{encoding.bitmovin_id}/stop"
    )

    data = error_of(response, 502, 1002)  # Bitmovin's own code for a key it does not know
    assert "HTTP 401, code 1002" in data["developerMessage"]
    assert "Bitmovin did not stop" in data["message"]
    assert AuditEvent.objects.get(target=encoding.bitmovin_id).outcome == "refused"
