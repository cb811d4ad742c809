"""Wall displays: display links (scope, revocation, no login, a token traded for a cookie), conditional
polls, and the member wall."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from encodings_app.models import AuditEvent, DisplayToken, Organization, Role
from encodings_app.selectors.wall import ROWS_PER_LIST, page_sizes
from encodings_app.services.display_links import display_link_create, display_link_revoke
from encodings_app.services.mirror import bump_data_version
from encodings_app.views.wall import WALL_COOKIE
from tests.factories import TEST_API_KEY, make_encoding, make_member, make_organization, make_user

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def acme():
    organization = make_organization("acme", name="Acme Media")
    Organization.objects.filter(pk=organization.pk).update(last_sync_succeeded_at=timezone.now())
    now = timezone.now()
    make_encoding(
        organization, name="Evening news", status="RUNNING", progress=37, running_at=now, eta_seconds=252
    )
    make_encoding(organization, name="Late show", status="QUEUED", progress=0, queued_at=now)
    make_encoding(
        organization,
        name="Broken ladder",
        status="ERROR",
        error_code=2100,
        error_category="Input",
        error_text="input file not found",
        error_retry_hint="NO_RETRY",
        finished_at=now - timedelta(minutes=5),
    )
    make_encoding(organization, name="Old stuck job", status="QUEUED", queued_at=now - timedelta(days=1))
    return Organization.objects.get(pk=organization.pk)


@pytest.fixture
def globex():
    organization = make_organization("globex", name="Globex")
    make_encoding(organization, name="Globex secret project", status="RUNNING", progress=50)
    return organization


@pytest.fixture
def link(acme):
    return display_link_create(label="Ops room", organizations=[acme])


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


def test_unchanged_poll_costs_one_query_and_returns_no_body(client, link, django_assert_num_queries):
    _, token = link
    wall = open_link(client, token)
    etag = client.get(wall, **HTMX)["ETag"]
    with django_assert_num_queries(1):
        response = client.get(wall, HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert response.status_code == 304
    assert response.content == b""
    assert response["X-Wall-Synced-At"]


def test_a_change_in_the_mirror_makes_the_next_poll_render(client, link, acme):
    _, token = link
    wall = open_link(client, token)
    etag = client.get(wall, **HTMX)["ETag"]
    bump_data_version(acme.pk)
    response = client.get(wall, HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert response.content.decode().lstrip().startswith("<main"), "a poll gets the board, not the page"


def test_full_render_query_count_does_not_grow_with_the_data(client, link, acme, django_assert_num_queries):
    _, token = link
    wall = open_link(client, token)
    # scope, organizations, five per organization, and the link's last-seen stamp
    with django_assert_num_queries(8):
        client.get(wall, **HTMX)
    for number in range(30):
        make_encoding(acme, name=f"extra {number}", status="RUNNING", progress=number)
    DisplayToken.objects.update(last_seen_at=None)
    with django_assert_num_queries(8):
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


def test_member_wall_poll_answers_304_when_unchanged(acme, django_assert_num_queries):
    viewer = make_member(acme, Role.VIEWER)
    member = Client()
    member.force_login(viewer)
    etag = member.get("/o/acme/wall/", **HTMX)["ETag"]
    # session, user, membership
    with django_assert_num_queries(3):
        response = member.get("/o/acme/wall/", HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert response.status_code == 304


def test_sync_behind_is_flagged(client, acme):
    Organization.objects.filter(pk=acme.pk).update(last_sync_succeeded_at=timezone.now() - timedelta(hours=1))
    _, token = display_link_create(label="Late", organizations=[acme])
    response = client.get(f"/wall/{token}/", follow=True)
    assert response["X-Wall-Behind"] == "1"
    assert "sync behind" in response.content.decode()


def admin_creates_a_link(acme, poll_seconds=10):
    """An admin of Acme creates the "Lobby TV" link in the settings: the admin, their client, the answer and
    the token it shows."""
    admin = make_member(acme, Role.ADMIN)
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/o/acme/settings/walls/",
        {"label": "Lobby TV", "organizations": [acme.pk], "poll_seconds": poll_seconds},
    )
    assert response.status_code == 200
    url = response.content.decode().split('<code id="new-display-link">', 1)[1].split("</code>", 1)[0]
    return admin, client, response, url.rstrip("/").rsplit("/", 1)[1]


def test_admin_creates_a_link_seen_once_and_revokes_it(acme):
    _admin, client, _response, token = admin_creates_a_link(acme, poll_seconds=5)
    assert Client().get(f"/wall/{token}/", follow=True).status_code == 200
    assert token not in client.get("/o/acme/settings/").content.decode(), "shown once"
    link = DisplayToken.objects.get(label="Lobby TV")
    assert link.poll_seconds == 5
    client.post(f"/o/acme/settings/walls/{link.pk}/revoke/", {"confirm": "yes"})
    assert Client().get(f"/wall/{token}/", follow=True).status_code == 410


def test_revoking_a_link_asks_for_confirmation_first(acme):
    _admin, client, _response, token = admin_creates_a_link(acme)
    link = DisplayToken.objects.get(label="Lobby TV")
    page = client.post(f"/o/acme/settings/walls/{link.pk}/revoke/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Revoke the display link “Lobby TV”?" in text
    assert 'name="confirm" value="yes"' in text
    link.refresh_from_db()
    assert link.revoked_at is None, "the first click only asks"
    assert Client().get(f"/wall/{token}/", follow=True).status_code == 200
    confirmed = client.post(f"/o/acme/settings/walls/{link.pk}/revoke/", {"confirm": "yes"})
    assert confirmed.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_the_answer_that_shows_a_new_link_is_never_stored(acme):
    _admin, _client, response, _token = admin_creates_a_link(acme)
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives


def test_creating_and_revoking_a_link_is_audited_without_its_token(acme):
    admin, client, _response, token = admin_creates_a_link(acme)
    link = DisplayToken.objects.get(label="Lobby TV")
    client.post(f"/o/acme/settings/walls/{link.pk}/revoke/", {"confirm": "yes"})
    events = list(AuditEvent.objects.filter(organization=acme).order_by("pk"))
    assert [event.action for event in events] == [
        AuditEvent.Action.DISPLAY_LINK_CREATE,
        AuditEvent.Action.DISPLAY_LINK_REVOKE,
    ]
    assert all(event.user == admin for event in events)
    for event in events:
        assert token not in f"{event.target} {event.detail}"


def test_viewers_and_operators_cannot_create_or_revoke_links(acme, link, globex):
    row, _ = link
    for role in (Role.VIEWER, Role.OPERATOR):
        client = Client()
        client.force_login(make_member(acme, role))
        assert (
            client.post("/o/acme/settings/walls/", {"label": "x", "organizations": [acme.pk]}).status_code
            == 403
        )
        assert client.post(f"/o/acme/settings/walls/{row.pk}/revoke/", {"confirm": "yes"}).status_code == 403
    outsider = Client()
    outsider.force_login(make_member(globex, Role.ADMIN))
    assert outsider.post(f"/o/acme/settings/walls/{row.pk}/revoke/", {"confirm": "yes"}).status_code == 404
    assert DisplayToken.objects.get(pk=row.pk).revoked_at is None


def test_admin_cannot_put_an_organization_they_do_not_administer_on_a_wall(acme, globex):
    admin = make_member(acme, Role.ADMIN)
    make_member(globex, Role.VIEWER, user=admin)
    client = Client()
    client.force_login(admin)
    response = client.post("/o/acme/settings/walls/", {"label": "x", "organizations": [acme.pk, globex.pk]})
    assert response.status_code == 400
    assert not DisplayToken.objects.exists()


def test_bad_poll_interval_is_refused_with_a_message(acme):
    admin = make_member(acme, Role.ADMIN)
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/o/acme/settings/walls/", {"label": "x", "organizations": [acme.pk], "poll_seconds": "soon"}
    )
    assert response.status_code == 400
    assert not DisplayToken.objects.exists()


def test_create_display_link_command_prints_a_working_url(acme, globex, capsys):
    call_command("create_display_link", "acme", "globex", "--label", "NOC", "--base-url", "http://tv.example")
    out = capsys.readouterr().out
    url = next(line for line in out.splitlines() if line.startswith("http://tv.example/wall/"))
    token = url.rstrip("/").rsplit("/", 1)[1]
    html = Client().get(f"/wall/{token}/", follow=True).content.decode()
    assert "Acme Media" in html and "Globex" in html


def test_create_display_link_command_refuses_unknown_organizations(acme):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no organization with slug nope"):
        call_command("create_display_link", "acme", "nope")


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


def test_admin_sets_how_long_each_page_is_shown(acme):
    admin = make_member(acme, Role.ADMIN)
    client = Client()
    client.force_login(admin)
    form = {"label": "Big TV", "organizations": [acme.pk], "poll_seconds": 10}
    assert client.post("/o/acme/settings/walls/", {**form, "rotate_seconds": 45}).status_code == 200
    assert DisplayToken.objects.get(label="Big TV").rotate_seconds == 45
    refused = client.post("/o/acme/settings/walls/", {**form, "label": "Bad", "rotate_seconds": 1})
    assert refused.status_code == 400
    assert "greater than or equal to 2" in refused.content.decode()
    assert not DisplayToken.objects.filter(label="Bad").exists()
