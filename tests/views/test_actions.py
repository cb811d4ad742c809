"""Operator actions against the simulator over HTTP: confirm, act, read Bitmovin's answer in plain words."""

from __future__ import annotations

import re

import pytest

from encodings_app.models import AccountConnection, AuditEvent
from tests.support.api_client import simulator_client

pytestmark = pytest.mark.django_db


def api_status(simulator, tenant, encoding_id: str) -> str:
    with simulator_client(simulator, tenant["id"]) as client:
        return str(client.get_encoding_status(encoding_id).status)


def act(client, encoding, action, data=None, back=""):
    url = f"/o/acme/encodings/{encoding.bitmovin_id}/actions/{action}/"
    return client.post(url, {"back": back, **(data or {})})


def flash(client, location) -> str:
    html = client.get(location).content.decode()
    found = re.search(r'<ul class="flash">(.*?)</ul>', html, re.S)
    return found.group(1) if found else ""


def test_operator_confirms_and_stops_a_running_encoding(world, login, in_api, simulator, tenant, enqueued):
    encoding = in_api("RUNNING", progress=30)
    client = login(world.operator)
    confirm = client.get(f"/o/acme/encodings/{encoding.bitmovin_id}/actions/stop/?back=status%3DRUNNING")
    html = confirm.content.decode()
    assert "Stop this encoding?" in html and "Yes, stop" in html
    assert 'name="back" value="status=RUNNING"' in html

    response = act(client, encoding, "stop", back="status=RUNNING")

    assert response.status_code == 302
    assert response["Location"] == f"/o/acme/encodings/{encoding.bitmovin_id}/?back=status%3DRUNNING"
    assert api_status(simulator, tenant, encoding.bitmovin_id) == "CANCELED"
    assert "Stop requested" in flash(client, response["Location"])
    assert enqueued == [(world.acme.pk, encoding.bitmovin_id)]


def test_operator_starts_a_created_encoding(world, login, in_api, simulator, tenant, enqueued):
    encoding = in_api("CREATED")
    client = login(world.operator)
    response = act(client, encoding, "start")
    assert api_status(simulator, tenant, encoding.bitmovin_id) in ("QUEUED", "RUNNING")
    assert "Start requested" in flash(client, response["Location"])


def test_operator_reprioritizes_a_queued_encoding(world, login, in_api, enqueued):
    encoding = in_api("QUEUED", stuck=True)
    client = login(world.operator)
    response = act(client, encoding, "reprioritize", {"priority": "90"})
    assert f"Priority of “{encoding.name}” set to 90." in flash(client, response["Location"])


def test_a_priority_outside_0_to_100_is_refused_before_calling_the_api(world, login, in_api, enqueued):
    encoding = in_api("QUEUED", stuck=True)
    response = act(login(world.operator), encoding, "reprioritize", {"priority": "101"})
    assert response.status_code == 400
    assert "less than or equal to 100" in response.content.decode()
    assert enqueued == []


def test_admin_deletes_a_finished_encoding_and_returns_to_the_list(world, login, in_api, simulator, tenant):
    encoding = in_api("FINISHED")
    client = login(world.admin)
    response = act(client, encoding, "delete", back="status=FINISHED")
    assert response["Location"] == "/o/acme/encodings/?status=FINISHED"
    assert "was deleted in Bitmovin" in flash(client, response["Location"])
    with pytest.raises(Exception, match="404"):
        api_status(simulator, tenant, encoding.bitmovin_id)


def test_operator_restarts_a_running_live_encoding(world, login, in_api, enqueued):
    encoding = in_api("RUNNING", kind="LIVE")
    client = login(world.operator)
    assert (
        "/actions/restart-live/" in client.get(f"/o/acme/encodings/{encoding.bitmovin_id}/").content.decode()
    )
    response = act(client, encoding, "restart-live")
    assert "Restart requested" in flash(client, response["Location"])


@pytest.mark.parametrize(
    ("status", "kind", "action", "http_status", "code", "title"),
    [
        ("RUNNING", "VOD", "delete", 409, 2021, "Cannot delete a running encoding"),
        ("RUNNING", "VOD", "reprioritize", 409, 2030, "Priority can no longer change"),
        ("RUNNING", "VOD", "restart-live", 400, 2029, "Not a live encoding"),
        ("FINISHED", "LIVE", "restart-live", 409, 2028, "Live encoding cannot be restarted now"),
    ],
)
def test_the_apis_precondition_error_is_what_the_operator_reads(
    world, login, in_api, enqueued, status, kind, action, http_status, code, title
):
    """The page offers buttons by the mirror's state, but Bitmovin decides: when they differ, its answer is
    shown in plain words with the request id, and the raw error one click away."""
    encoding = in_api(status, kind=kind)
    client = login(world.operator)
    confirm = client.get(f"/o/acme/encodings/{encoding.bitmovin_id}/actions/{action}/").content.decode()
    assert "Bitmovin will probably refuse" in confirm

    response = act(client, encoding, action, {"priority": "10"})

    page = client.get(response["Location"]).content.decode()
    message = re.search(r'<ul class="flash">(.*?)</ul>', page, re.S).group(1)
    assert f"{title}." in message
    request_id = re.search(r"request id ([0-9a-f-]+)\)", message).group(1)
    evidence = page.split('<div class="api-error" role="alert">')[1].split("</details>")[0]
    assert f"<dd>{code}</dd>" in evidence and f"<dd>{http_status}</dd>" in evidence
    assert f'data-copy="{request_id}"' in evidence
    assert enqueued == []


def test_stopping_a_finished_encoding_shows_the_apis_refusal(world, login, in_api):
    encoding = in_api("FINISHED")
    client = login(world.operator)
    response = act(client, encoding, "stop")
    message = flash(client, response["Location"])
    assert "Bitmovin did not stop" in message and "request id" in message


def test_an_unanswered_stop_is_reported_as_unconfirmed(world, login, in_api, simulator, enqueued):
    encoding = in_api("RUNNING", progress=20)
    client = login(world.operator)
    simulator.set_faults("504=1,method=POST,path=/encoding/encodings/*/stop,max=1")
    try:
        response = act(client, encoding, "stop")
    finally:
        simulator.clear_faults()
    message = flash(client, response["Location"])
    assert "We could not confirm" in message and "The status will tell" in message
    assert enqueued == [(world.acme.pk, encoding.bitmovin_id)]


def test_an_unreadable_key_is_explained_without_calling_the_api(world, login, acme, enqueued):
    from tests.factories import make_encoding

    encoding = make_encoding(acme, status="RUNNING")
    AccountConnection.objects.filter(pk=acme.connection_id).update(api_key_encrypted="v9:garbage")
    client = login(world.operator)
    response = act(client, encoding, "stop")
    message = flash(client, response["Location"])
    assert "cannot be decrypted" in message and "An admin can enter the key in the settings." in message
    assert enqueued == []


def test_viewer_cannot_act_even_when_the_encoding_allows_it(world, login, in_api, simulator, tenant):
    encoding = in_api("RUNNING", progress=50)
    client = login(world.viewer)
    html = client.get(f"/o/acme/encodings/{encoding.bitmovin_id}/").content.decode()
    assert "/actions/" not in html
    assert act(client, encoding, "stop").status_code == 403
    assert api_status(simulator, tenant, encoding.bitmovin_id) == "RUNNING"


@pytest.mark.parametrize(
    ("action", "status", "kind", "data"),
    [
        ("start", "CREATED", "VOD", {}),
        ("stop", "RUNNING", "VOD", {}),
        ("delete", "FINISHED", "VOD", {}),
        ("reprioritize", "QUEUED", "VOD", {"priority": "90"}),
        ("restart-live", "RUNNING", "LIVE", {}),
    ],
)
def test_each_action_is_audited_with_its_outcome_and_bitmovins_request_id(
    world, login, in_api, enqueued, action, status, kind, data
):
    encoding = in_api(status, kind=kind, **({"stuck": True} if status == "QUEUED" else {}))
    act(login(world.operator), encoding, action, data)
    entry = AuditEvent.objects.get(target=encoding.bitmovin_id)
    assert entry.action == AuditEvent.Action(f"encoding.{action.replace('-', '_')}")
    assert (entry.outcome, entry.username, entry.organization) == ("ok", "otto", world.acme)
    assert re.fullmatch(r"[0-9a-f-]{36}", entry.request_id), "Bitmovin's requestId of the accepted call"


def test_a_refused_and_an_unconfirmed_action_are_audited_as_such(world, login, in_api, simulator, enqueued):
    running = in_api("RUNNING", progress=20)
    client = login(world.operator)
    act(client, running, "delete")
    refused = AuditEvent.objects.get(target=running.bitmovin_id)
    assert refused.outcome == "refused" and "code 2021" in refused.detail and refused.request_id

    simulator.set_faults("504=1,method=POST,path=/encoding/encodings/*/stop,max=1")
    try:
        act(client, running, "stop")
    finally:
        simulator.clear_faults()
    unconfirmed = AuditEvent.objects.filter(target=running.bitmovin_id).latest("pk")
    assert (unconfirmed.action, unconfirmed.outcome) == ("encoding.stop", "unconfirmed")

    client.post(f"/o/acme/encodings/{running.bitmovin_id}/refresh/")
    refresh = AuditEvent.objects.filter(target=running.bitmovin_id).latest("pk")
    assert (refresh.action, refresh.outcome) == ("encoding.refresh", "ok")


def error_panel_of(html: str) -> str:
    return html.split('class="card card-danger error-panel"')[1].split("</section>")[0]


def test_a_failed_live_encodings_error_panel_offers_the_restart_bitmovin_accepts(
    world, login, in_api, enqueued
):
    encoding = in_api("ERROR", kind="LIVE", errorCode=2018)
    client = login(world.operator)

    panel = error_panel_of(client.get(f"/o/acme/encodings/{encoding.bitmovin_id}/").content.decode())

    assert "Probably yes." in panel and "Bitmovin can restart this live encoding" in panel
    restart = re.search(r'<p class="retry-offer">.*?<a [^>]*href="([^"]+)">Restart live</a>', panel, re.S)
    assert restart and restart.group(1) == f"/o/acme/encodings/{encoding.bitmovin_id}/actions/restart-live/"
    assert "Restart this live encoding?" in client.get(restart.group(1)).content.decode()
    response = client.post(restart.group(1), {"back": ""})
    assert "Restart requested" in flash(client, response["Location"])


def test_a_viewer_reads_that_a_restart_is_possible_but_gets_no_button(world, login, in_api):
    encoding = in_api("ERROR", kind="LIVE", errorCode=2018)

    panel = error_panel_of(
        login(world.viewer).get(f"/o/acme/encodings/{encoding.bitmovin_id}/").content.decode()
    )

    assert "an operator or admin can do that here" in panel
    assert "/actions/" not in panel
