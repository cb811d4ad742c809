"""The wall's board is tagged by what it shows, not by the data versions behind it, and rendered once per
change for every screen that shows the same organizations (encodings_app/views/wall_board.py)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from encodings_app import cache_once
from encodings_app.bitmovin import types as api
from encodings_app.models import AlertKind, DisplayToken, Encoding, Organization, Role
from encodings_app.services import liveness
from encodings_app.services.display_links import SEEN_STAMP_EVERY, display_link_create
from encodings_app.services.mirror import apply_task, bump_data_version
from tests.factories import make_encoding, make_incident, make_member, make_organization
from tests.support.web_server import free_port

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
SHARED_BOARD = "wall/_shared_board.html"


def screen(token: str) -> tuple[Client, str]:
    """A TV that opened its display link: its client (with the link's cookie) and the address it polls."""
    client = Client()
    response = client.get(f"/wall/{token}/")
    assert response.status_code == 303
    return client, response["Location"]


def rendered_the_board(response) -> bool:
    return SHARED_BOARD in [template.name for template in response.templates]


def version_of(organization: Organization) -> int:
    return Organization.objects.values_list("data_version", flat=True).get(pk=organization.pk)


@pytest.fixture
def clock(monkeypatch):
    """Django's clock, set by the test: [moment]."""
    held = [timezone.now()]
    monkeypatch.setattr(timezone, "now", lambda: held[0])
    return held


def test_a_status_read_that_changes_nothing_shown_leaves_the_tag_and_the_next_poll_is_304(
    link, acme, held_clock, renders_every_change
):
    client, wall = screen(link[1])
    etag = client.get(wall, **HTMX)["ETag"]
    before = version_of(acme)

    # What a webhook's refresh often brings: the same status, progress and ETA, and a new message.
    evening_news = Encoding.objects.get(organization=acme, name="Evening news")
    message = api.Message(id="msg-1", type="INFO", text="Encoding is running")
    assert (
        apply_task(evening_news, api.Task(status="RUNNING", progress=37, eta=252, messages=(message,))) == 1
    )
    assert version_of(acme) > before, "the mirror changed"

    response = client.get(wall, HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert response.status_code == 304, "nothing the wall shows changed"
    assert rendered_the_board(response), "rendered once for the new version, and found to look the same"

    again = client.get(wall, HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert again.status_code == 304 and not rendered_the_board(again)


def test_a_status_read_that_changes_what_is_shown_changes_the_tag(
    link, acme, held_clock, renders_every_change
):
    client, wall = screen(link[1])
    etag = client.get(wall, **HTMX)["ETag"]

    evening_news = Encoding.objects.get(organization=acme, name="Evening news")
    apply_task(evening_news, api.Task(status="RUNNING", progress=52, eta=120))

    response = client.get(wall, HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert response.status_code == 200 and response["ETag"] != etag
    assert "52%" in response.content.decode()


def test_screens_showing_the_same_organizations_share_one_render(
    link, acme, globex, held_clock, renders_every_change
):
    first, first_wall = screen(link[1])
    second, second_wall = screen(display_link_create(label="Lobby", organizations=[acme])[1])
    member = Client()
    member.force_login(make_member(acme, Role.VIEWER))
    both, both_wall = screen(display_link_create(label="Both", organizations=[acme, globex])[1])

    shown = first.get(first_wall, **HTMX)
    assert rendered_the_board(shown)
    other_link = second.get(second_wall, **HTMX)
    assert other_link.status_code == 200 and not rendered_the_board(other_link)
    assert f'hx-get="{second_wall}"' in other_link.content.decode(), "each screen polls its own address"
    member_wall = member.get("/o/acme/wall/", **HTMX)
    assert member_wall.status_code == 200 and not rendered_the_board(member_wall)
    assert rendered_the_board(both.get(both_wall, **HTMX)), "other organizations, another board"

    # A change in the mirror: rendered by the first screen to poll, taken from the cache by the others.
    tags = {"first": shown["ETag"], "second": other_link["ETag"]}
    bump_data_version(acme.pk)
    polls = {
        "first": first.get(first_wall, HTTP_IF_NONE_MATCH=tags["first"], **HTMX),
        "second": second.get(second_wall, HTTP_IF_NONE_MATCH=tags["second"], **HTMX),
    }
    assert [rendered_the_board(response) for response in polls.values()] == [True, False]


def test_a_board_settles_data_changes_for_a_few_seconds_then_shows_them(link, acme, clock, settings):
    settle = settings.WALL_BOARD_SETTLE_SECONDS
    assert settle > 0, "the product's default settles"
    minute = (timezone.now() + timedelta(minutes=1)).replace(second=0, microsecond=0)
    clock[0] = minute + timedelta(seconds=1)
    client, wall = screen(link[1])
    first = client.get(wall, **HTMX)
    assert rendered_the_board(first)

    # The progress moves, twice, within the settling seconds: the board rendered at first still stands.
    for progress, after in ((52, 1), (58, settle - 1)):
        Encoding.objects.filter(organization=acme, name="Evening news").update(progress=progress)
        bump_data_version(acme.pk)
        clock[0] = minute + timedelta(seconds=1 + after)
        settling = client.get(wall, HTTP_IF_NONE_MATCH=first["ETag"], **HTMX)
        assert settling.status_code == 304 and not rendered_the_board(settling)

    clock[0] = minute + timedelta(seconds=1 + settle)
    settled = client.get(wall, HTTP_IF_NONE_MATCH=first["ETag"], **HTMX)
    assert settled.status_code == 200 and rendered_the_board(settled)
    assert "58%" in settled.content.decode()


def test_an_incident_shows_at_the_next_poll_while_the_board_settles(link, acme, clock):
    clock[0] = (timezone.now() + timedelta(minutes=1)).replace(second=0, microsecond=0)
    client, wall = screen(link[1])
    first = client.get(wall, **HTMX)
    bump_data_version(acme.pk)
    make_incident(acme, AlertKind.STUCK, title="2 encodings stuck in the queue", minutes_ago=0)

    clock[0] += timedelta(seconds=1)
    response = client.get(wall, HTTP_IF_NONE_MATCH=first["ETag"], **HTMX)

    assert response.status_code == 200 and rendered_the_board(response)
    assert "2 encodings stuck in the queue" in response.content.decode()


def test_relative_times_are_written_as_of_the_first_render_of_the_minute(link, acme, clock):
    minute = (timezone.now() + timedelta(minutes=1)).replace(second=0, microsecond=0)
    clock[0] = minute + timedelta(seconds=5)
    # Nothing but the words about time changes within the test: synced, and moving, as of the minute.
    Organization.objects.filter(pk=acme.pk).update(last_sync_succeeded_at=minute)
    Encoding.objects.filter(organization=acme, name="Evening news").update(progress_changed_at=minute)
    late_show = Encoding.objects.filter(organization=acme, name="Late show")
    late_show.update(queued_at=minute - timedelta(minutes=3))
    client, wall = screen(link[1])
    first = client.get(wall, **HTMX)
    assert "queued 3 min 5 s" in first.content.decode()

    # Later in the same minute, a change nothing shows: rendered again, as of the minute's first render.
    clock[0] = minute + timedelta(seconds=40)
    bump_data_version(acme.pk)
    assert client.get(wall, HTTP_IF_NONE_MATCH=first["ETag"], **HTMX).status_code == 304

    clock[0] = minute + timedelta(seconds=62)
    next_minute = client.get(wall, HTTP_IF_NONE_MATCH=first["ETag"], **HTMX)
    assert next_minute.status_code == 200, "time moved what the board says"
    assert "queued 4 min 2 s" in next_minute.content.decode()


def test_a_screen_answered_304_across_minutes_still_counts_as_showing_its_link(clock):
    calm = make_organization("calm", name="Calm Studio")
    Organization.objects.filter(pk=calm.pk).update(last_sync_succeeded_at=clock[0])
    for number in range(3):
        make_encoding(
            calm, name=f"Done {number}", status="FINISHED", finished_at=clock[0] - timedelta(days=2)
        )
    made, token = display_link_create(label="Calm room", organizations=[calm])
    client, wall = screen(token)
    etag = client.get(wall, **HTMX)["ETag"]
    assert DisplayToken.objects.get(pk=made.pk).last_seen_at == clock[0]

    # A minute on, the board says the same (nothing on it tells the time): the screen keeps it, and is seen.
    clock[0] += SEEN_STAMP_EVERY + timedelta(seconds=1)
    assert client.get(wall, HTTP_IF_NONE_MATCH=etag, **HTMX).status_code == 304
    assert DisplayToken.objects.get(pk=made.pk).last_seen_at == clock[0], "the sweep counts it as watched"


@pytest.fixture
def cache_down(settings, monkeypatch):
    """The shared cache is a Redis that is not there; neither the wall nor the liveness check has seen it
    fail yet (each leaves a failed cache alone a few seconds)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    monkeypatch.setattr(cache_once, "_unusable_until", 0.0)
    monkeypatch.setattr(liveness, "_unreadable_until", 0.0)


def test_with_the_cache_down_every_poll_renders_its_board_and_unchanged_ones_still_get_304(
    link, acme, cache_down, held_clock, caplog
):
    client, wall = screen(link[1])
    shown = client.get(wall, **HTMX)
    assert shown.status_code == 200 and "Evening news" in shown.content.decode()
    assert "the cache failed (ConnectionError)" in caplog.text

    again = client.get(wall, HTTP_IF_NONE_MATCH=shown["ETag"], **HTMX)
    assert again.status_code == 304
    assert rendered_the_board(again), "rendered here: there is no cache to share it through"

    page = client.get(wall)
    assert page.status_code == 200 and "<title>Acme Media · wall</title>" in page.content.decode()
