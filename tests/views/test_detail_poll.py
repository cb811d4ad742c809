"""The detail page's poll is conditional, like the wall's: it sends the ETag of what its live part shows and
gets a 304 without a body, after a few queries and no rendering, until something it shows changes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from encodings_app.bitmovin import types as api
from encodings_app.bitmovin.enums import Status
from encodings_app.models import Encoding
from encodings_app.services.mirror import apply_task, mark_seen
from tests.factories import make_message, running_encoding
from tests.support import polls

pytestmark = pytest.mark.django_db

# session, user, membership and organization, the encoding, the count of its messages
NOT_MODIFIED_QUERIES = 5


@pytest.fixture
def running(world, clock):
    encoding = running_encoding(world.acme, progress_changed_at=clock.now - timedelta(seconds=20))
    make_message(encoding, type="INFO", text="Encoding started")
    return encoding


def url_of(encoding) -> str:
    return f"/o/acme/encodings/{encoding.bitmovin_id}/"


def page_tag(page: str) -> str:
    return polls.live_tag(page, "detail-live")


def poll(client, encoding, tag: str | None = None, query: str = ""):
    return polls.poll(client, url_of(encoding) + query, tag)


def test_the_page_carries_the_tag_its_first_poll_would_get(world, login, running):
    client = login(world.operator)
    tag = page_tag(client.get(url_of(running)).content.decode())

    first = poll(client, running)

    assert first.status_code == 200 and first["ETag"] == tag
    assert page_tag(first.content.decode()) == tag
    assert "HX-Request" in first["Vary"]


def test_an_unchanged_poll_is_a_304_without_a_body_or_a_render(
    world, login, running, django_assert_max_num_queries
):
    client = login(world.operator)
    tag = page_tag(client.get(url_of(running)).content.decode())

    with django_assert_max_num_queries(NOT_MODIFIED_QUERIES):
        answer = poll(client, running, tag)

    polls.assert_not_modified(answer, tag)


def changed_progress(encoding, clock):
    apply_task(encoding, api.Task(status=Status.RUNNING, progress=81, eta=60.0))
    return "81%"


def new_message(encoding, clock):
    make_message(encoding, type="WARNING", text="Input has variable frame rate")
    return "Input has variable frame rate"


def accepted_stop(encoding, clock):
    Encoding.objects.filter(pk=encoding.pk).update(
        pending_action="stop", pending_status="CANCELED", pending_from="RUNNING", pending_since=clock.now
    )
    return "Stopping…"


def a_minute_later(encoding, clock):
    clock.advance(60)
    return "Running"


@pytest.mark.parametrize("change", [changed_progress, new_message, accepted_stop, a_minute_later])
def test_after_a_change_the_poll_gets_the_new_content_and_a_new_tag(world, login, running, clock, change):
    client = login(world.operator)
    tag = page_tag(client.get(url_of(running)).content.decode())
    assert poll(client, running, tag).status_code == 304

    shown = change(Encoding.objects.get(pk=running.pk), clock)

    polls.assert_new_content(client, url_of(running), tag, "detail-live", shown)


def a_status_read_with_nothing_new(encoding, clock):
    apply_task(encoding, api.Task(status=Status.RUNNING, progress=37, eta=252.0, request_id="req-2"))


def a_full_pass_finding_it_again(encoding, clock):
    mark_seen(encoding.organization, [encoding.bitmovin_id])


@pytest.mark.parametrize("read", [a_status_read_with_nothing_new, a_full_pass_finding_it_again])
def test_a_read_that_changes_nothing_shown_leaves_the_tag(world, login, running, clock, read):
    # Its subtasks as a status read leaves them, so that the next read can find nothing new.
    apply_task(running, api.Task(status=Status.RUNNING, progress=37, eta=252.0, request_id="req-1"))
    client = login(world.operator)
    tag = page_tag(client.get(url_of(running)).content.decode())
    before = Encoding.objects.values_list("status_synced_at", "last_seen_at").get(pk=running.pk)

    clock.advance(5)
    read(Encoding.objects.get(pk=running.pk), clock)

    assert Encoding.objects.values_list("status_synced_at", "last_seen_at").get(pk=running.pk) != before
    assert poll(client, running, tag).status_code == 304


def test_an_expiring_pending_mark_changes_the_tag_by_itself(world, login, running, clock, settings):
    Encoding.objects.filter(pk=running.pk).update(
        pending_action="stop",
        pending_status="CANCELED",
        pending_from="RUNNING",
        pending_since=clock.now - timedelta(seconds=settings.PENDING_ACTION_SECONDS - 5),
    )
    client = login(world.operator)
    tag = page_tag(client.get(url_of(running)).content.decode())
    assert poll(client, running, tag).status_code == 304

    clock.advance(10)  # the same minute, past the mark's expiry

    answer = poll(client, running, tag)
    assert answer.status_code == 200 and "Stopping…" not in answer.content.decode()


def test_the_tag_depends_on_who_asks_and_what_they_ask_for(world, login, running):
    operator, viewer = login(world.operator), login(world.viewer)
    tag = page_tag(operator.get(url_of(running)).content.decode())

    # A viewer is offered no stop: the same encoding is another fragment for them.
    assert poll(viewer, running, tag).status_code == 200
    # Other message types are another fragment too.
    assert poll(operator, running, tag, "?types=DEBUG").status_code == 200
    assert poll(operator, running, tag).status_code == 304


def test_a_finished_encoding_answers_its_last_fragment_and_stops_the_polling(world, login, running):
    client = login(world.operator)
    tag = page_tag(client.get(url_of(running)).content.decode())
    apply_task(Encoding.objects.get(pk=running.pk), api.Task(status=Status.FINISHED, progress=100))

    answer = poll(client, running, tag)

    assert answer.status_code == 286
    assert "Final state; the page no longer updates." in answer.content.decode()
    assert "data-etag" not in answer.content.decode()


def test_a_plain_request_is_never_answered_304(world, login, running):
    client = login(world.operator)
    tag = page_tag(client.get(url_of(running)).content.decode())
    polls.assert_only_polls_are_conditional(client, url_of(running), tag)
