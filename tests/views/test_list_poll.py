"""The encodings list's poll is conditional, like the detail page's and the wall's: it sends the ETag of
what its results show and gets a 304 without a body, after the access check and the read of the user's
view, until something they show changes: an encoding in the mirror, the list's parameters, the user's
columns, or the minute."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from encodings_app.bitmovin import types as api
from encodings_app.bitmovin.enums import Status
from encodings_app.bitmovin.errors import NotFoundError
from encodings_app.models import Encoding, Organization
from encodings_app.services.list_preferences import list_preference_set
from encodings_app.services.mirror import apply_task, mark_seen, upsert_encodings
from encodings_app.services.sync import encoding_status_sync
from tests.services.test_mirror import listed
from tests.support import polls
from tests.views.test_actions import act

pytestmark = pytest.mark.django_db

URL = "/o/acme/encodings/"
# session, user, membership and organization, the user's list view; no count, no rows, nothing rendered
NOT_MODIFIED_QUERIES = 4


@pytest.fixture
def mirrored(world, clock):
    """Three encodings as the mirror wrote them, of which one Bitmovin no longer lists."""
    Organization.objects.filter(pk=world.acme.pk).update(last_sync_succeeded_at=clock.now)
    upsert_encodings(
        world.acme,
        [
            listed("enc-news", name="Evening news", labels=("news",)),
            listed("enc-film", name="Feature film", status=Status.FINISHED, progress=100),
            listed("enc-gone", name="Old trailer", status=Status.FINISHED, progress=100),
        ],
    )
    Encoding.objects.filter(bitmovin_id="enc-gone").update(deleted_at=clock.now - timedelta(days=1))
    return {row.bitmovin_id: row for row in Encoding.objects.all()}


def page_tag(page: str) -> str:
    return polls.live_tag(page, "results")


def first_tag(client, url: str = URL) -> str:
    return page_tag(client.get(url).content.decode())


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?status=RUNNING&status=FINISHED&sort=name",
        "?search=name:Evening*&per_page=25&count=exact",
        "?status=NOPE&sort=nonsense&junk=1",
        "?page=9",  # past the last page: the last one is shown, and its poll asks for it by number
    ],
)
def test_the_page_carries_the_tag_its_poll_would_get(world, login, mirrored, query):
    client = login(world.operator)
    page = client.get(URL + query).content.decode()
    tag = page_tag(page)
    poll_url = polls.poll_address(page, "results")

    answer = polls.poll(client, poll_url, tag)

    assert answer.status_code == 304 and answer["ETag"] == tag


def test_an_unchanged_poll_is_a_304_without_a_body_or_a_render(
    world, login, mirrored, django_assert_num_queries
):
    client = login(world.operator)
    tag = first_tag(client)

    with django_assert_num_queries(NOT_MODIFIED_QUERIES):
        answer = polls.poll(client, URL, tag)

    polls.assert_not_modified(answer, tag)


def test_the_first_poll_of_a_page_gets_the_tag_the_page_carries(world, login, mirrored):
    client = login(world.operator)
    tag = first_tag(client)

    first = polls.poll(client, URL)

    assert first.status_code == 200 and first["ETag"] == tag
    assert page_tag(first.content.decode()) == tag
    assert "HX-Request" in first["Vary"]


# --- each thing the results show, changed -----------------------------------------------------------------


def a_status_read(world, mirrored, clock):
    apply_task(mirrored["enc-news"], api.Task(status=Status.RUNNING, progress=81))
    return "81%"


def an_encoding_listed_for_the_first_time(world, mirrored, clock):
    upsert_encodings(world.acme, [listed("enc-late", name="Late show")])
    return "Late show"


def its_labels_changed(world, mirrored, clock):
    upsert_encodings(world.acme, [listed("enc-news", name="Evening news", labels=("news", "sports"))])
    return ">sports</a>"


def an_encoding_gone_from_bitmovin(world, mirrored, clock):
    class Gone:
        def get_encoding_status(self, bitmovin_id: str):
            raise NotFoundError("not found", http_status=404)

    encoding_status_sync(client=Gone(), encoding=mirrored["enc-film"])
    return "of 1 encoding"


def an_encoding_taken_for_gone_found_again(world, mirrored, clock):
    mark_seen(world.acme, ["enc-news", "enc-film", "enc-gone"])
    return "Old trailer"


def other_columns_chosen(world, mirrored, clock):
    list_preference_set(user=world.operator, columns=["region", "encoder"], page_size=50)
    return 'data-label="Encoder"'


def a_minute_later(world, mirrored, clock):
    clock.advance(60)
    return "Evening news"


@pytest.mark.parametrize(
    "change",
    [
        a_status_read,
        an_encoding_listed_for_the_first_time,
        its_labels_changed,
        an_encoding_gone_from_bitmovin,
        an_encoding_taken_for_gone_found_again,
        other_columns_chosen,
        a_minute_later,
    ],
)
def test_after_a_change_the_poll_gets_the_new_content_and_a_new_tag(world, login, mirrored, clock, change):
    client = login(world.operator)
    tag = first_tag(client)
    assert polls.poll(client, URL, tag).status_code == 304

    expected = change(world, mirrored, clock)

    polls.assert_new_content(client, URL, tag, "results", expected)


@pytest.mark.parametrize(
    "other",
    ["?status=FINISHED", "?sort=-name", "?label=news", "?per_page=25", "?count=exact", "?page=2&per_page=25"],
)
def test_other_filters_sort_or_page_are_another_fragment(world, login, mirrored, other):
    client = login(world.operator)
    tag = first_tag(client)

    assert polls.poll(client, URL + other, tag).status_code == 200
    assert polls.poll(client, URL + "?junk=1&status=NOPE", tag).status_code == 304, "refused values are not"


def test_a_saved_page_size_is_another_fragment(world, login, mirrored):
    client = login(world.operator)
    tag = first_tag(client)

    list_preference_set(
        user=world.operator, columns=["started", "duration", "finished", "created", "labels"], page_size=25
    )

    assert polls.poll(client, URL, tag).status_code == 200


def test_a_pending_action_changes_the_tag(world, login, in_api, clock, enqueued):
    encoding = in_api("RUNNING", progress=40)
    # Past the simulator's own times, which a clock held at 20 s past the minute may trail: a phase that
    # began after the action would settle its mark at once (Encoding.pending_mark).
    clock.advance(60)
    client = login(world.operator)
    url = f"{URL}?search=name:%22Action+target%22"
    tag = first_tag(client, url)
    assert polls.poll(client, url, tag).status_code == 304

    assert act(client, encoding, "stop").status_code == 302

    answer = polls.poll(client, url, tag)
    assert answer.status_code == 200 and "Stopping…" in answer.content.decode()


def test_a_status_read_that_brings_nothing_new_leaves_the_tag(world, login, mirrored, clock):
    news = mirrored["enc-news"]
    apply_task(news, api.Task(status=Status.RUNNING, progress=40, request_id="req-1"))
    client = login(world.operator)
    tag = first_tag(client)
    clock.advance(5)

    apply_task(
        Encoding.objects.get(pk=news.pk), api.Task(status=Status.RUNNING, progress=40, request_id="req-2")
    )
    mark_seen(world.acme, ["enc-news", "enc-film"])

    assert polls.poll(client, URL, tag).status_code == 304


def test_a_plain_request_is_never_answered_304(world, login, mirrored):
    client = login(world.operator)
    polls.assert_only_polls_are_conditional(client, URL, first_tag(client))


def test_who_may_not_see_the_organization_never_gets_a_304(world, login, mirrored):
    tag = first_tag(login(world.operator))
    polls.assert_no_304_without_access(login(world.outsider), Client(), URL, tag)
