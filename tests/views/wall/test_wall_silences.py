"""A muted incident on the wall: a compact "muted until HH:MM" on its banner, with neither the reason nor who
muted it (the screen is opened without a login), and a poll tag that changes when a silence starts, is ended
early or runs out, and at no other time, still after one query."""

from __future__ import annotations

import re
from datetime import UTC, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from encodings_app.models import AlertKind, Role
from encodings_app.services.alerts.silences import silence_end
from tests.factories import make_incident, make_member, make_silence, make_user
from tests.views.wall.test_wall import HTMX, open_link
from tests.views.wall.test_wall_incidents import banners_of

pytestmark = pytest.mark.django_db


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def banner_of(banners: str, title: str) -> str:
    return banners.split(title)[1].split("</li>")[0]


@pytest.fixture
def admin(acme):
    return make_member(acme, Role.ADMIN, user=make_user("ada"))


@pytest.fixture
def clock(monkeypatch):
    """Django's clock, held at the start of a minute and moved by hand, so that a tag compared within one
    test stays in the same minute (the tag holds the minute: selectors/etags.py)."""
    moment = {"now": timezone.now().replace(second=0, microsecond=0)}
    monkeypatch.setattr(timezone, "now", lambda: moment["now"])
    return moment


@pytest.mark.parametrize(
    ("hour", "shown"),
    [(10, "muted until 14:00 UTC"), (22, "muted until {tomorrow} 02:00 UTC")],
    ids=["ends-today", "ends-tomorrow"],
)
def test_a_muted_banner_says_until_when_and_nothing_more(client, link, acme, admin, clock, hour, shown):
    # The clock is set, not read: a four-hour silence from the evening ends tomorrow, and the banner then
    # names the day too.
    clock["now"] = clock["now"].astimezone(UTC).replace(hour=hour, minute=0)
    tomorrow = (clock["now"] + timedelta(days=1)).strftime("%d %b")
    make_incident(acme, AlertKind.FAILED, title="4 encodings failed")
    make_incident(acme, AlertKind.SYNC, title="Sync broken")
    make_silence(acme, kind=AlertKind.FAILED, reason="secret maintenance", user=admin)
    _, token = link

    html = client.get(f"/wall/{token}/", follow=True).content.decode()

    banners = banners_of(html)
    assert shown.format(tomorrow=tomorrow) in words(banner_of(banners, "4 encodings failed"))
    assert "muted" not in banner_of(banners, "Sync broken")
    assert "secret maintenance" not in html and admin.get_username() not in html


def test_the_tag_changes_when_a_silence_starts_ends_early_or_runs_out_and_not_otherwise(
    client, link, acme, clock, django_assert_num_queries
):
    make_incident(acme, AlertKind.FAILED, title="4 encodings failed")
    _, token = link
    wall = open_link(client, token)

    def poll(etag: str | None = None):
        headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
        return client.get(wall, **headers, **HTMX)

    before = poll()["ETag"]
    assert poll(before).status_code == 304

    # A silence of an hour, added long enough ago to run out 40 seconds into this minute.
    started = clock["now"] - timedelta(hours=1) + timedelta(seconds=40)
    silence = make_silence(acme, kind=AlertKind.FAILED, hours=1, now=started)
    assert poll(before).status_code == 200, "a silence started"
    muted = poll()
    assert "muted until" in banners_of(muted.content.decode())
    muted_tag = muted["ETag"]
    with django_assert_num_queries(1):
        assert poll(muted_tag).status_code == 304

    # Within the same minute, so that only the silence can move the tag: it runs out, written nowhere.
    clock["now"] += timedelta(seconds=39)
    with django_assert_num_queries(1):
        assert poll(muted_tag).status_code == 304, "still active"
    clock["now"] += timedelta(seconds=1)
    assert silence.ends_at == clock["now"]
    ran_out = poll(muted_tag)
    assert ran_out.status_code == 200, "the silence ran out"
    assert "muted until" not in banners_of(ran_out.content.decode())
    assert ran_out["ETag"] == before, "the screen shows again what it showed before the silence"


def test_the_tag_changes_when_a_silence_is_ended_early(client, link, acme, clock):
    make_incident(acme, AlertKind.SYNC, title="Sync broken")
    silence = make_silence(acme, hours=2)
    _, token = link
    wall = open_link(client, token)
    etag = client.get(wall, **HTMX)["ETag"]

    clock["now"] += timedelta(seconds=10)
    assert client.get(wall, HTTP_IF_NONE_MATCH=etag, **HTMX).status_code == 304
    silence_end(silence=silence, now=clock["now"])
    clock["now"] += timedelta(seconds=10)
    response = client.get(wall, HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert response.status_code == 200
    assert "muted" not in banners_of(response.content.decode())


def test_another_organizations_silence_leaves_the_tag_alone(client, link, acme, globex, clock):
    make_incident(acme, AlertKind.SYNC, title="Sync broken")
    _, token = link
    wall = open_link(client, token)
    etag = client.get(wall, **HTMX)["ETag"]
    make_silence(globex)
    assert client.get(wall, HTTP_IF_NONE_MATCH=etag, **HTMX).status_code == 304


def test_a_full_render_with_a_muted_banner_reads_the_silences_once(
    client, link, acme, django_assert_num_queries
):
    for number in range(10):
        make_incident(acme, title=f"Incident {number}")
    for kind in ("", AlertKind.FAILED, AlertKind.SYNC):
        make_silence(acme, kind=kind)
    _, token = link
    wall = open_link(client, token)
    # scope, the open incidents, the silences muting them, organizations, seven per organization, and the
    # link's last-seen stamp: one more than without a silence (test_wall_incidents.py)
    with django_assert_num_queries(12):
        response = client.get(wall, **HTMX)
    assert "muted until" in banners_of(response.content.decode())


def test_the_member_wall_notes_the_muted_banner_and_its_tag_follows_the_silence(acme, clock):
    make_incident(acme, AlertKind.SYNC, title="Sync broken")
    member = Client()
    member.force_login(make_member(acme, Role.VIEWER))
    etag = member.get("/o/acme/wall/", **HTMX)["ETag"]
    make_silence(acme, kind=AlertKind.SYNC)
    response = member.get("/o/acme/wall/", HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert response.status_code == 200
    assert "muted until" in banners_of(response.content.decode())
