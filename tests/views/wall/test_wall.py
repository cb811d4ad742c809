"""Wall displays: display links (scope, revocation, no login, a token traded for a cookie), conditional
polls, and the member wall."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from encodings_app.models import DisplayToken, Encoding, Organization, Role
from encodings_app.selectors.wall import ROWS_PER_LIST, page_sizes
from encodings_app.services.display_links import display_link_create, display_link_revoke
from encodings_app.services.mirror import bump_data_version
from encodings_app.views.wall import WALL_COOKIE
from tests.factories import (
    TEST_API_KEY,
    make_encoding,
    make_incident,
    make_member,
    make_organization,
    make_user,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def open_link(client: Client, token: str) -> str:
    """Open a display link as a TV does; returns the token-free address the browser is sent on to."""
    response = client.get(f"/wall/{token}/")
    assert response.status_code == 303
    return response["Location"]


def test_display_link_shows_its_organizations_without_login(client, link, globex):
    _, token = link
    response = client.get(f"/wall/{token}/", follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    for expected in (
        "Acme Media",
        "Evening news",
        "37%",
        "Late show",
        "Broken ladder",
        "Input file not found",
    ):
        assert expected in html
    assert "code 2100" in html
    assert "stuck" in html
    assert "Globex" not in html, "only the link's organizations"


def test_wall_shows_nothing_that_identifies_users_or_keys_and_no_developer_details(client, link, acme):
    user = make_member(acme, Role.ADMIN, make_user("wanda"))
    _, token = link
    html = client.get(f"/wall/{token}/", follow=True).content.decode()
    assert TEST_API_KEY not in html and TEST_API_KEY[-4:] not in html
    assert user.username not in html
    assert "developer" not in html.lower()
    assert "input file not found" not in html, "the encoder's raw text is a developer detail"
    assert "Log out" not in html


def test_wall_page_carries_freshness_and_is_never_cached(client, link, acme):
    _, token = link
    response = client.get(open_link(client, token))
    assert response["Cache-Control"] == "no-store"
    assert response["X-Wall-Synced-At"].startswith(str(acme.last_sync_succeeded_at.year))
    assert response["X-Wall-Behind"] == "0"
    assert response["ETag"].startswith('"')
    assert 'data-poll-seconds="10"' in response.content.decode()


@pytest.mark.parametrize("open_incidents", [0, 5])
def test_unchanged_poll_costs_one_query_and_returns_no_body(
    client, link, acme, django_assert_num_queries, held_clock, open_incidents
):
    for number in range(open_incidents):
        make_incident(acme, title=f"Incident {number}")
    _, token = link
    wall = open_link(client, token)
    etag = client.get(wall, **HTMX)["ETag"]
    with django_assert_num_queries(1):
        response = client.get(wall, HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert response.status_code == 304
    assert response.content == b""
    assert response["X-Wall-Synced-At"]


def test_a_change_the_wall_shows_makes_the_next_poll_render(
    client, link, acme, held_clock, renders_every_change
):
    _, token = link
    wall = open_link(client, token)
    etag = client.get(wall, **HTMX)["ETag"]
    Encoding.objects.filter(organization=acme, name="Evening news").update(progress=52)
    bump_data_version(acme.pk)
    response = client.get(wall, HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert "52%" in response.content.decode()
    assert response.content.decode().lstrip().startswith("<main"), "a poll gets the board, not the page"


def test_full_render_query_count_does_not_grow_with_the_data(
    client, link, acme, django_assert_num_queries, renders_every_change
):
    _, token = link
    wall = open_link(client, token)
    # scope, organizations, seven per organization, and the link's last-seen stamp
    with django_assert_num_queries(10):
        client.get(wall, **HTMX)
    for number in range(30):
        make_encoding(acme, name=f"extra {number}", status="RUNNING", progress=number)
    bump_data_version(acme.pk)  # as the mirror's writes do: the board is rendered again
    DisplayToken.objects.update(last_seen_at=None)
    with django_assert_num_queries(10):
        client.get(wall, **HTMX)


def test_showing_the_wall_stamps_its_link_as_seen(client, link):
    made, token = link
    assert made.last_seen_at is None
    client.get(open_link(client, token))
    made.refresh_from_db()
    assert made.last_seen_at is not None
    assert timezone.now() - made.last_seen_at < timedelta(minutes=1)


def test_several_organizations_are_shown_worst_first(client, acme, globex):
    _, token = display_link_create(label="Both", organizations=[globex, acme])
    html = client.get(f"/wall/{token}/", follow=True).content.decode()
    assert html.index("Acme Media") < html.index("Globex"), "Acme has failures and is listed first"
    assert "wall-page-2" in html, "two organizations share one screen"


def test_revoked_link_says_so_and_stops_polling(client, link):
    row, token = link
    wall = open_link(client, token)
    assert client.get(wall, **HTMX).status_code == 200
    display_link_revoke(link=row)
    poll = client.get(wall, **HTMX)
    assert poll.status_code == 286, "the very next poll sees the revocation, and htmx stops polling on 286"
    assert "This display link was revoked" in poll.content.decode()
    assert "Evening news" not in poll.content.decode()
    page = client.get(f"/wall/{token}/", follow=True)
    assert page.status_code == 410
    assert "This display link was revoked" in page.content.decode()


def test_unknown_token_is_404_and_sets_no_cookie(client, link):
    response = client.get("/wall/wall_not-a-real-token/")
    assert response.status_code == 404
    assert WALL_COOKIE not in response.cookies


def test_opening_the_link_trades_the_token_for_an_httponly_cookie_and_a_token_free_address(client, link):
    row, token = link
    response = client.get(f"/wall/{token}/")
    assert response.status_code == 303
    wall = response["Location"]
    assert wall == f"/wall/d/{row.pk}/"
    assert token not in wall
    cookie = response.cookies[WALL_COOKIE]
    assert cookie.value == token
    assert cookie["httponly"] is True
    assert cookie["path"] == wall, "sent only to this screen's own address"
    assert cookie["samesite"] == "Lax"
    assert cookie["secure"] == "", "plain HTTP here; Secure when the request came over HTTPS"
    assert int(cookie["max-age"]) > 300 * 24 * 3600, "survives a restart of the TV"
    assert "no-store" in response["Cache-Control"]


def test_the_cookie_is_secure_when_the_link_is_opened_over_https(settings, link):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    _, token = link
    response = Client().get(f"/wall/{token}/", HTTP_X_FORWARDED_PROTO="https")
    assert response.cookies[WALL_COOKIE]["secure"] is True


def test_the_page_and_its_polls_work_with_the_cookie_alone_and_never_carry_the_token(link):
    _, token = link
    tv = Client()
    wall = open_link(tv, token)
    page = tv.get(wall)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Evening news" in html
    assert token not in html
    assert f'hx-get="{wall}"' in html, "the page polls its own token-free address"
    poll = tv.get(wall, **HTMX)
    assert poll.status_code == 200
    assert token not in poll.content.decode()
    assert all(token not in value for value in poll.headers.values())


def test_the_token_free_address_without_the_cookie_asks_for_the_link(client, link, acme):
    row, _ = link
    bare = client.get(f"/wall/d/{row.pk}/")
    assert bare.status_code == 403
    html = bare.content.decode()
    assert "Open this screen's display link once more" in html
    assert "Evening news" not in html
    poll = client.get(f"/wall/d/{row.pk}/", **HTMX)
    assert poll.status_code == 286, "a poll without the cookie stops polling and says why"
    assert "Evening news" not in poll.content.decode()


def test_a_cookie_opens_only_its_own_link(link, acme):
    row, token = link
    other, _ = display_link_create(label="Other room", organizations=[acme])
    tv = Client()
    open_link(tv, token)
    assert tv.get(f"/wall/d/{other.pk}/").status_code == 403
    forged = Client()
    forged.cookies[WALL_COOKIE] = "wall_forged-token"
    assert forged.get(f"/wall/d/{row.pk}/").status_code == 403


def test_a_bookmarked_link_works_again_after_the_tv_forgets_its_cookies(link):
    _, token = link
    tv = Client()
    wall = open_link(tv, token)
    tv.cookies.clear()  # a restart that clears cookies
    assert tv.get(wall).status_code == 403
    assert open_link(tv, token) == wall
    assert tv.get(wall).status_code == 200


def test_an_old_page_polling_the_token_address_is_sent_to_the_new_one(client, link):
    row, token = link
    poll = client.get(f"/wall/{token}/", **HTMX)
    assert poll["HX-Redirect"] == f"/wall/d/{row.pk}/"
    assert poll.cookies[WALL_COOKIE].value == token


def test_token_is_stored_hashed(link):
    row, token = link
    assert token not in (row.token_hash, row.hint)
    assert DisplayToken.objects.filter(token_hash__contains=token[5:15]).count() == 0


def test_token_opens_nothing_but_the_wall(link, acme):
    _, token = link
    client = Client()
    for url in ("/", "/o/acme/", "/o/acme/encodings/", "/o/acme/wall/", "/o/acme/settings/"):
        for attempt in (f"{url}?token={token}", url):
            response = client.get(attempt, HTTP_X_API_KEY=token, HTTP_AUTHORIZATION=f"Bearer {token}")
            assert response.status_code == 302 and "/login/" in response["Location"], attempt
    assert client.get("/api/v1/organizations", HTTP_X_API_KEY=token).status_code in (401, 404)


def test_member_wall_needs_a_login_and_a_membership(acme, globex):
    viewer = make_member(acme, Role.VIEWER)
    outsider = make_member(globex, Role.ADMIN)
    anonymous = Client()
    assert anonymous.get("/o/acme/wall/").status_code == 302
    member = Client()
    member.force_login(viewer)
    response = member.get("/o/acme/wall/")
    assert response.status_code == 200
    assert "Evening news" in response.content.decode()
    other = Client()
    other.force_login(outsider)
    assert other.get("/o/acme/wall/").status_code == 404


def test_member_wall_poll_answers_304_when_unchanged(acme, django_assert_num_queries, held_clock):
    viewer = make_member(acme, Role.VIEWER)
    member = Client()
    member.force_login(viewer)
    etag = member.get("/o/acme/wall/", **HTMX)["ETag"]
    # session, user, membership, and the wall's scope (the organization's open incidents among it)
    with django_assert_num_queries(4):
        response = member.get("/o/acme/wall/", HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert response.status_code == 304


def test_sync_behind_is_flagged(client, acme):
    Organization.objects.filter(pk=acme.pk).update(last_sync_succeeded_at=timezone.now() - timedelta(hours=1))
    _, token = display_link_create(label="Late", organizations=[acme])
    response = client.get(f"/wall/{token}/", follow=True)
    assert response["X-Wall-Behind"] == "1"
    assert "sync behind" in response.content.decode()


def test_failure_whose_details_are_not_read_yet_says_so(client, acme):
    make_encoding(acme, name="Fresh failure", status="ERROR", finished_at=timezone.now())
    _, token = display_link_create(label="x", organizations=[acme])
    html = client.get(f"/wall/{token}/", follow=True).content.decode()
    assert "Fresh failure" in html
    assert "No error details read yet" in html
    assert "None" not in html


def test_a_long_list_is_cut_to_what_fits_and_says_how_many_more(client, acme):
    for number in range(20):
        make_encoding(
            acme,
            name=f"Running job {number:02d}",
            status="RUNNING",
            progress=number,
            running_at=timezone.now(),
        )
    _, token = display_link_create(label="One", organizations=[acme])
    html = client.get(f"/wall/{token}/", follow=True).content.decode()
    shown = ROWS_PER_LIST[1]
    assert html.count("Running job") == shown
    assert f"+{21 - shown} more" in html, "20 new and Evening news are running"


@pytest.mark.parametrize(
    ("count", "sizes"), [(1, [1]), (4, [4]), (5, [3, 2]), (9, [3, 3, 3]), (12, [4, 4, 4])]
)
def test_organizations_are_split_into_even_pages_of_at_most_four(count, sizes):
    assert page_sizes(count) == sizes


def test_more_organizations_than_fit_come_in_pages_worst_first(client, acme):
    calm = [make_organization(f"calm-{number}", name=f"Calm {number}") for number in range(4)]
    _, token = display_link_create(label="Many", organizations=[*calm, acme], rotate_seconds=7)
    html = client.get(f"/wall/{token}/", follow=True).content.decode()
    assert 'data-rotate-seconds="7"' in html
    first, second = html.split(
        '<div class="wall-page wall-page-2" data-wall-page="2" data-wall-pages="2" hidden>'
    )
    assert '<div class="wall-page wall-page-3" data-wall-page="1" data-wall-pages="2">' in first
    assert "Acme Media" in first, "the one with failures is on the first page"
    assert second.count('class="wall-org"') == 2
    assert html.count('data-wall-page="') == 2
