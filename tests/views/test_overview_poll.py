"""The overview's poll is conditional, like the detail page's and the wall's: it sends the ETag of what its
live part shows and gets a 304 without a body, after the access check and one query, until something the
part shows changes: an encoding, the sync's state or its latest run, an incident or a silence, the syncs'
processes, or the minute."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.test import Client

from encodings_app.bitmovin import types as api
from encodings_app.bitmovin.enums import Status
from encodings_app.models import AlertKind, Encoding, Incident, Organization, SyncRun
from encodings_app.services import lease
from encodings_app.services.alerts.silences import silence_end
from encodings_app.services.liveness import BEAT, heartbeat_record, watched_processes
from encodings_app.services.mirror import apply_task
from encodings_app.services.sync_state import record_failure, record_success
from tests.factories import make_incident, make_silence, make_sync_run, running_encoding
from tests.support import polls
from tests.views.test_actions import act

pytestmark = pytest.mark.django_db

URL = "/o/acme/"
# session, user, membership and organization, then one query: the organization's open incidents, active
# silences and latest sync run (selectors/overview_etag.py); nothing else is read and nothing rendered
NOT_MODIFIED_QUERIES = 4
FAILED_FROM = "2026-12-07T09:00"


@pytest.fixture
def shown(world, clock):
    """An overview with something in every part: a running encoding, a sync running, an open incident."""
    Organization.objects.filter(pk=world.acme.pk).update(
        last_sync_succeeded_at=clock.now - timedelta(minutes=2),
        last_sync_started_at=clock.now - timedelta(seconds=5),
    )
    running = running_encoding(world.acme, name="Evening news", progress_changed_at=clock.now)
    # A status read, so that a read bringing nothing new finds the row as it left it.
    apply_task(running, api.Task(status=Status.RUNNING, progress=37, eta=252.0, request_id="req-1"))
    run = make_sync_run(
        world.acme, outcome=SyncRun.Outcome.RUNNING, started_at=clock.now - timedelta(seconds=5)
    )
    incident = make_incident(
        world.acme,
        AlertKind.FAILED,
        title="3 encodings failed: Input file not found",
        details={"list_query": {"failed_from": FAILED_FROM, "code": "2100"}},
    )
    return SimpleNamespace(running=running, run=run, incident=incident)


def page_tag(page: str) -> str:
    return polls.live_tag(page, "overview-live")


def first_tag(client) -> str:
    return page_tag(client.get(URL).content.decode())


def test_the_page_carries_the_tag_its_first_poll_would_get(world, login, shown):
    client = login(world.operator)
    tag = first_tag(client)

    first = polls.poll(client, URL)

    assert first.status_code == 200 and first["ETag"] == tag
    assert page_tag(first.content.decode()) == tag
    assert "HX-Request" in first["Vary"]


def test_an_unchanged_poll_is_a_304_without_a_body_or_a_render(
    world, login, shown, django_assert_num_queries
):
    client = login(world.operator)
    tag = first_tag(client)

    with django_assert_num_queries(NOT_MODIFIED_QUERIES):
        answer = polls.poll(client, URL, tag)

    polls.assert_not_modified(answer, tag)


# --- each thing the live part shows, changed --------------------------------------------------------------


def an_encoding_finishing(world, shown, clock, settings):
    apply_task(Encoding.objects.get(pk=shown.running.pk), api.Task(status=Status.FINISHED, progress=100))
    return "Nothing is running."


def progress_read_by_the_mirror(world, shown, clock, settings):
    apply_task(Encoding.objects.get(pk=shown.running.pk), api.Task(status=Status.RUNNING, progress=81))
    return "81%"


def the_sync_run_succeeding(world, shown, clock, settings):
    record_success(world.acme, shown.run)
    shown.run.api_calls = {"GET /encoding/encodings": 7}
    shown.run.finished_at = clock.now
    shown.run.save()
    return "Succeeded, 7 API calls"


def the_sync_run_failing(world, shown, clock, settings):
    record_failure(world.acme, shown.run, message="internal error: OperationalError")
    shown.run.finished_at = clock.now
    shown.run.save()
    return "<dt>Failures in a row</dt><dd>1</dd>"


def a_rate_limit_pausing_the_sync(world, shown, clock, settings):
    Organization.objects.filter(pk=world.acme.pk).update(
        sync_paused_until=clock.now + timedelta(minutes=5), rate_limited_at=clock.now
    )
    return "(rate limit)"


def the_key_rejected(world, shown, clock, settings):
    Organization.objects.filter(pk=world.acme.pk).update(key_rejected=True)
    return "Key rejected"


def an_incident_opening(world, shown, clock, settings):
    make_incident(world.acme, AlertKind.STUCK, title="2 encodings stuck")
    return "2 encodings stuck"


def an_incident_resolving(world, shown, clock, settings):
    Incident.objects.filter(pk=shown.incident.pk).update(resolved_at=clock.now)
    return "No open incidents"


def an_incidents_encodings_moving_on(world, shown, clock, settings):
    # The same title and count, from a later first failure: the panel's link to the encodings changes.
    Incident.objects.filter(pk=shown.incident.pk).update(
        details={"list_query": {"failed_from": "2026-12-07T10:30", "code": "2100"}}
    )
    return "failed_from=2026-12-07T10%3A30"


def a_silence_starting(world, shown, clock, settings):
    make_silence(world.acme, reason="planned maintenance")
    return "planned maintenance"


def the_syncs_processes_stopping(world, shown, clock, settings):
    heartbeat_record(processes=watched_processes(), machine="tests", now=clock.now)
    stopped_since = clock.now - timedelta(seconds=settings.PROCESS_STOPPED_SECONDS + 60)
    heartbeat_record(processes=(BEAT,), machine="tests", now=stopped_since)
    return "Sync stopped"


def a_minute_later(world, shown, clock, settings):
    clock.advance(60)
    return "Evening news"


@pytest.mark.parametrize(
    "change",
    [
        an_encoding_finishing,
        progress_read_by_the_mirror,
        the_sync_run_succeeding,
        the_sync_run_failing,
        a_rate_limit_pausing_the_sync,
        the_key_rejected,
        an_incident_opening,
        an_incident_resolving,
        an_incidents_encodings_moving_on,
        a_silence_starting,
        the_syncs_processes_stopping,
        a_minute_later,
    ],
)
def test_after_a_change_the_poll_gets_the_new_content_and_a_new_tag(
    world, login, shown, clock, settings, change
):
    client = login(world.operator)
    tag = first_tag(client)
    assert polls.poll(client, URL, tag).status_code == 304

    expected = change(world, shown, clock, settings)

    polls.assert_new_content(client, URL, tag, "overview-live", expected)


def test_a_runs_own_record_changes_the_tag_after_the_organizations(world, login, shown, clock):
    """A sync records its outcome on the organization first and on its run last (services/sync.py): a poll
    in between shows the run still running, and the run's record alone must change the tag again."""
    client = login(world.operator)
    tag = first_tag(client)
    record_success(world.acme, shown.run)
    between = polls.poll(client, URL, tag)
    assert between.status_code == 200 and "Incremental: Running" in between.content.decode()

    SyncRun.objects.filter(pk=shown.run.pk).update(outcome=SyncRun.Outcome.OK, finished_at=clock.now)

    answer = polls.poll(client, URL, between["ETag"])
    assert answer.status_code == 200 and "Incremental: Succeeded" in answer.content.decode()


@pytest.mark.parametrize("ends", ["early", "by itself"])
def test_a_silence_that_ends_changes_the_tag(world, login, shown, clock, ends):
    silence = make_silence(world.acme, hours=10 / 3600, reason="planned maintenance")
    client = login(world.operator)
    tag = first_tag(client)
    assert polls.poll(client, URL, tag).status_code == 304

    if ends == "early":
        silence_end(silence=silence)
    else:
        clock.advance(15)  # within the minute, past its end

    answer = polls.poll(client, URL, tag)
    assert answer.status_code == 200 and "planned maintenance" not in answer.content.decode()


def test_a_rate_limit_pause_running_out_changes_the_tag_by_itself(world, login, shown, clock):
    Organization.objects.filter(pk=world.acme.pk).update(sync_paused_until=clock.now + timedelta(seconds=10))
    client = login(world.operator)
    tag = first_tag(client)
    assert polls.poll(client, URL, tag).status_code == 304

    clock.advance(15)  # the same minute, past the pause

    answer = polls.poll(client, URL, tag)
    assert answer.status_code == 200 and "(rate limit)" not in answer.content.decode()


def test_a_pending_action_changes_the_tag(world, login, in_api, clock, enqueued):
    encoding = in_api("RUNNING", progress=40)
    # Past the simulator's own times, which a clock held at 20 s past the minute may trail: a phase that
    # began after the action would settle its mark at once (Encoding.pending_mark).
    clock.advance(60)
    client = login(world.operator)
    tag = first_tag(client)
    assert polls.poll(client, URL, tag).status_code == 304

    assert act(client, encoding, "stop").status_code == 302

    answer = polls.poll(client, URL, tag)
    assert answer.status_code == 200 and "Stopping…" in answer.content.decode()


def test_what_changes_nothing_shown_leaves_the_tag(world, login, shown, clock):
    client = login(world.operator)
    tag = first_tag(client)

    # A status read that brings nothing new, an evaluation that finds the incident as it was, a sync's
    # lease taken and given back, and a full pass moving on.
    apply_task(
        Encoding.objects.get(pk=shown.running.pk),
        api.Task(status=Status.RUNNING, progress=37, eta=252.0, request_id="req-2"),
    )
    Incident.objects.filter(pk=shown.incident.pk).update(last_seen_at=clock.now)
    lease.release(world.acme.pk, lease.acquire(world.acme.pk))
    Organization.objects.filter(pk=world.acme.pk).update(full_sync_cursor=clock.now)

    assert polls.poll(client, URL, tag).status_code == 304


def test_the_tag_depends_on_who_asks(world, login, shown):
    # A rejected key: an admin is sent to the settings, anyone else to an admin.
    Organization.objects.filter(pk=world.acme.pk).update(key_rejected=True)
    admin, viewer = login(world.admin), login(world.viewer)
    tag = first_tag(admin)

    answer = polls.poll(viewer, URL, tag)

    assert answer.status_code == 200 and "an admin must enter a valid key" in answer.content.decode()
    assert polls.poll(admin, URL, tag).status_code == 304


def test_a_plain_request_is_never_answered_304(world, login, shown):
    client = login(world.operator)
    polls.assert_only_polls_are_conditional(client, URL, first_tag(client))


def test_who_may_not_see_the_organization_never_gets_a_304(world, login, shown):
    tag = first_tag(login(world.operator))
    polls.assert_no_304_without_access(login(world.outsider), Client(), URL, tag)
