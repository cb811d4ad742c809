"""After Bitmovin accepts an action, the pages show the state it leads to at once, marked as pending, and
offer what that state allows; the mirror's next read settles the mark, and a mark nobody settles expires.

Against the simulator over HTTP. The refresh an action queues is held back (the ``enqueued`` fixture), which
is the moment the issue is about: Bitmovin has said yes, the mirror has not read the change yet.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from encodings_app.models import AuditEvent, Encoding
from encodings_app.services import sync
from tests.api.helpers import ApiCaller, result_of, token_for
from tests.views.test_actions import act, flash

pytestmark = pytest.mark.django_db


def detail_of(client, encoding) -> str:
    return client.get(f"/o/acme/encodings/{encoding.bitmovin_id}/").content.decode()


def status_header(page: str) -> str:
    return page.split('<section class="card status-header')[1].split("</section>")[0]


def list_row(page: str, encoding) -> str:
    return next(row for row in page.split("<tr>") if f'"enc-id">{encoding.bitmovin_id}<' in row)


def offered(page: str) -> set[str]:
    return set(re.findall(r"/actions/([a-z-]+)/", status_header(page)))


def test_after_start_the_page_says_starting_and_offers_no_second_start(world, login, in_api, enqueued):
    encoding = in_api("CREATED")
    client = login(world.operator)
    assert "start" in offered(detail_of(client, encoding))

    response = act(client, encoding, "start")

    assert "Start requested" in flash(client, response["Location"])
    page = detail_of(client, encoding)
    header = status_header(page)
    assert "status-pending" in header and "Starting…" in header
    assert "requested <time" in header and "data-ago" in header
    assert "the last status read said" in header and "Created" in header
    # What a queued encoding allows, and no second start.
    assert offered(page) == {"stop", "reprioritize"}
    assert enqueued == [(world.acme.pk, encoding.bitmovin_id)]
    # The list row says so as well.
    row = list_row(client.get("/o/acme/encodings/").content.decode(), encoding)
    assert "Starting…" in row
    # Asking again anyway: the confirmation says Bitmovin has already accepted a start.
    confirm = client.get(f"/o/acme/encodings/{encoding.bitmovin_id}/actions/start/").content.decode()
    assert "Bitmovin has already accepted a start of this encoding" in confirm


def test_the_mark_is_written_with_the_audit_entry(world, login, in_api, enqueued):
    encoding = in_api("CREATED")
    act(login(world.operator), encoding, "start")
    encoding.refresh_from_db()
    event = AuditEvent.objects.get(target=encoding.bitmovin_id, action=AuditEvent.Action.ENCODING_START)
    assert event.outcome == AuditEvent.Outcome.OK
    assert (encoding.pending_action, encoding.pending_status, encoding.pending_from) == (
        "start",
        "QUEUED",
        "CREATED",
    )
    assert encoding.status == "CREATED"  # the mirror's own status is still what it read
    assert abs(encoding.pending_since - event.created_at) < timedelta(seconds=5)


def test_after_stop_every_page_says_stopping(world, login, in_api, enqueued):
    encoding = in_api("RUNNING", progress=40)
    client = login(world.operator)

    act(client, encoding, "stop")

    page = detail_of(client, encoding)
    assert "Stopping…" in status_header(page)
    assert "stop" not in offered(page)
    running = client.get("/o/acme/").content.decode().split('id="running-title"')[1].split("</section>")[0]
    assert encoding.name in running and "Stopping…" in running
    wall = client.get("/o/acme/wall/").content.decode()
    assert "Stopping…" in wall


def test_after_delete_the_list_says_deleting(world, login, in_api, enqueued):
    encoding = in_api("FINISHED")
    client = login(world.operator)

    response = act(client, encoding, "delete")

    row = list_row(client.get(response["Location"]).content.decode(), encoding)
    # (the row still has a "Finished" column: it is the status that must not say it)
    assert "Deleting…" in row and '<span class="status-text">Finished</span>' not in row
    # Nothing but a fresh read is offered for an encoding on its way out.
    assert offered(detail_of(client, encoding)) == set()


def test_a_read_of_the_expected_state_clears_the_mark(world, login, in_api, simulator, acme, enqueued):
    encoding = in_api("CREATED")
    client = login(world.operator)
    act(client, encoding, "start")
    simulator.force_state(encoding.bitmovin_id, "RUNNING", progress=10)

    run = sync.organization_sync(organization_id=acme.pk)

    assert run is not None and run.outcome == "ok"
    encoding.refresh_from_db()
    assert (encoding.status, encoding.pending_action, encoding.pending_since) == ("RUNNING", "", None)
    header = status_header(detail_of(client, encoding))
    assert "status-pending" not in header and "Running" in header


def test_a_read_that_still_shows_the_old_state_keeps_the_mark(
    world, login, in_api, simulator, acme, enqueued
):
    """Bitmovin takes a while to stop a real encoding: a read in between still says RUNNING."""
    encoding = in_api("RUNNING", progress=40, agoSeconds=120)
    client = login(world.operator)
    act(client, encoding, "stop")
    # As if the stop had not taken effect yet: Bitmovin still reports the run it had.
    simulator.force_state(encoding.bitmovin_id, "RUNNING", progress=45, agoSeconds=120)

    assert sync.encoding_sync(organization_id=acme.pk, bitmovin_id=encoding.bitmovin_id) is not None

    encoding.refresh_from_db()
    assert (encoding.status, encoding.pending_action) == ("RUNNING", "stop")
    assert "Stopping…" in status_header(detail_of(client, encoding))


def test_an_expired_mark_shows_the_truth_again(world, login, in_api, settings, enqueued):
    """An action lost on the way must not pin a state that never comes."""
    encoding = in_api("CREATED")
    client = login(world.operator)
    act(client, encoding, "start")
    assert "Starting…" in status_header(detail_of(client, encoding))

    Encoding.objects.filter(pk=encoding.pk).update(
        pending_since=Encoding.objects.get(pk=encoding.pk).pending_since
        - timedelta(seconds=settings.PENDING_ACTION_SECONDS + 1)
    )

    page = detail_of(client, encoding)
    header = status_header(page)
    assert "status-pending" not in header and "Created" in header
    assert "start" in offered(page)


def test_a_refused_action_leaves_no_mark(world, login, in_api, enqueued):
    encoding = in_api("FINISHED")
    client = login(world.operator)

    response = act(client, encoding, "stop")

    assert "Bitmovin did not stop" in flash(client, response["Location"])
    encoding.refresh_from_db()
    assert encoding.pending_action == "" and encoding.pending_mark() is None
    assert "status-pending" not in status_header(detail_of(client, encoding))


def test_an_unconfirmed_action_leaves_no_mark(world, login, in_api, simulator, enqueued):
    """Nobody knows whether it took effect: the page keeps the state last read."""
    encoding = in_api("RUNNING", progress=20)
    simulator.set_faults("504=1,method=POST,path=/encoding/encodings/*/stop,max=1")
    try:
        act(login(world.operator), encoding, "stop")
    finally:
        simulator.clear_faults()
    encoding.refresh_from_db()
    assert encoding.pending_action == ""


def test_the_api_shows_the_pending_action(world, in_api, enqueued):
    encoding = in_api("CREATED")
    api = ApiCaller(token_for(world.operator))
    path = f"/organizations/acme/encodings/{encoding.bitmovin_id}"
    assert result_of(api.get(path))["pending"] is None

    result_of(api.post(f"{path}/start"))

    shown = result_of(api.get(path))
    assert shown["status"] == "CREATED"
    pending = shown["pending"]
    assert (pending["action"], pending["expectedStatus"], pending["statusBefore"]) == (
        "start",
        "QUEUED",
        "CREATED",
    )
    assert pending["requestedAt"] < pending["expiresAt"]
    listed = result_of(api.get("/organizations/acme/encodings", {"limit": 100}))
    assert next(item for item in listed["items"] if item["id"] == encoding.bitmovin_id)["pending"] == pending
