"""Admins create and revoke wall display links in the settings (shown once, confirmed, audited), and the
create_display_link command."""

import pytest
from django.core.management import call_command
from django.test import Client

from encodings_app.models import AuditEvent, DisplayToken, Role
from tests.factories import make_member

pytestmark = pytest.mark.django_db


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
