"""Members on the settings page: adding needs an exact name and reveals nobody, an admin cannot pull in
people they do not already manage, the last active admin stays, and a former admin's wall links go dark."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from encodings_app.models import AuditEvent, DisplayToken, Membership, Role
from encodings_app.services.display_links import display_link_create
from tests.factories import make_member, make_organization, make_user

pytestmark = pytest.mark.django_db

ADD = "/o/acme/settings/members/"


def flash(client, response) -> str:
    assert response.status_code == 302, response.status_code
    html = client.get(response["Location"]).content.decode()
    found = re.search(r'<ul class="flash">(.*?)</ul>', html, re.S)
    return found.group(1) if found else ""


def members_table(client) -> str:
    html = client.get("/o/acme/settings/").content.decode()
    table = html.split('id="members-title"')[1].split("<h3>Add a member</h3>")[0]
    # CSRF tokens are masked afresh on every page.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", table)


@pytest.fixture
def colleague(world):
    """Nina is in Initech, which Ada also administers: Ada already manages her."""
    initech = make_organization("initech", name="Initech")
    make_member(initech, Role.ADMIN, user=world.admin)
    return make_member(initech, Role.VIEWER, user=make_user("nina", email="nina@example.com"))


def test_admin_adds_someone_from_an_organization_they_administer_by_name_or_email(world, login, colleague):
    client = login(world.admin)

    message = flash(client, client.post(ADD, {"username": "nina@EXAMPLE.com", "role": "operator"}))

    assert Membership.objects.get(user=colleague, organization=world.acme).role == Role.OPERATOR
    assert "now have the operator role in Acme Media" in message
    assert "nina" in members_table(client)
    entry = AuditEvent.objects.get(action=AuditEvent.Action.MEMBER_ADD)
    assert (entry.username, entry.target, entry.outcome) == ("ada", "nina", "ok")
    assert entry.organization == world.acme


def test_the_answer_is_the_same_for_an_existing_account_and_a_name_nobody_has(world, login):
    make_user("carol", email="carol@example.com")  # exists, but in no organization Ada administers
    client = login(world.admin)

    def answer(typed: str) -> tuple[int, str, str, str]:
        response = client.post(ADD, {"username": typed, "role": "viewer"})
        message = flash(client, response).replace(typed, "<typed>")
        entry = AuditEvent.objects.filter(action=AuditEvent.Action.MEMBER_ADD).latest("pk")
        return response.status_code, response["Location"], message, f"{entry.outcome} {entry.detail}"

    table_before = members_table(client)
    existing = [answer("carol"), answer("carol@example.com")]
    missing = [answer("nobody-by-this-name"), answer("nobody@example.com")]

    assert existing == missing
    assert members_table(client) == table_before
    assert not Membership.objects.filter(user__username="carol").exists()
    assert "If “<typed>” is the user name or e-mail address" in existing[0][2]


def test_an_admin_cannot_pull_in_a_member_of_an_organization_they_do_not_administer(world, login):
    gus = world.outsider  # an admin of Globex, which Ada does not administer
    client = login(world.admin)
    client.post(ADD, {"username": "gus", "role": "admin"})
    assert not Membership.objects.filter(user=gus, organization=world.acme).exists()

    root = make_user("root", is_superuser=True, is_staff=True)
    as_root = login(root)
    message = flash(as_root, as_root.post(ADD, {"username": "gus", "role": "viewer"}))
    assert Membership.objects.get(user=gus, organization=world.acme).role == Role.VIEWER
    assert "active account" in message


def test_a_deactivated_account_is_not_added(world, login, colleague):
    colleague.is_active = False
    colleague.save()
    login(world.admin).post(ADD, {"username": "nina", "role": "viewer"})
    assert not Membership.objects.filter(user=colleague, organization=world.acme).exists()


def test_a_role_the_form_does_not_know_is_explained(world, login):
    response = login(world.admin).post(ADD, {"username": "vera", "role": "overlord"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_admin_changes_a_role_and_removes_a_member_and_each_is_audited(world, login):
    client = login(world.admin)
    assert "vera now has the operator role." in flash(
        client, client.post(f"{ADD}{world.viewer.pk}/", {"role": "operator"})
    )
    assert "vera is no longer a member of Acme Media." in flash(
        client, client.post(f"{ADD}{world.viewer.pk}/remove/")
    )
    entries = AuditEvent.objects.filter(organization=world.acme).order_by("pk")
    assert [(e.action, e.target, e.detail) for e in entries] == [
        ("member.role", "vera", "Viewer → operator."),
        ("member.remove", "vera", "Was operator."),
    ]


def test_the_last_active_admin_cannot_step_down_while_the_other_admin_is_deactivated(world, login):
    make_member(world.acme, Role.ADMIN, user=make_user("dora", is_active=False))
    client = login(world.admin)

    message = flash(client, client.post(f"{ADD}{world.admin.pk}/", {"role": "viewer"}))
    assert "must keep at least one active admin" in message
    client.post(f"{ADD}{world.admin.pk}/remove/")
    client.post(ADD, {"username": "ada", "role": "operator"})

    assert Membership.objects.get(user=world.admin, organization=world.acme).role == Role.ADMIN
    refused = AuditEvent.objects.filter(outcome=AuditEvent.Outcome.REFUSED, target="ada")
    assert refused.count() == 3


def test_an_admin_who_steps_down_goes_to_a_page_they_may_still_see(world, login):
    make_member(world.acme, Role.ADMIN, user=make_user("abe"))
    client = login(world.admin)
    response = client.post(f"{ADD}{world.admin.pk}/", {"role": "operator"})
    assert response["Location"] == "/o/acme/"
    assert client.get("/o/acme/settings/").status_code == 403


@pytest.mark.parametrize("change", ["remove", "demote"])
def test_a_former_admins_wall_links_are_revoked(world, login, client, change):
    abe = make_member(world.acme, Role.ADMIN, user=make_user("abe"))
    _, token = display_link_create(label="Ops room", organizations=[world.acme], created_by=abe)
    _, adas = display_link_create(label="Lobby", organizations=[world.acme], created_by=world.admin)
    lobby = Client()
    # A screen opens its link once; it trades the token for a cookie and then polls a token-free address.
    assert client.get(f"/wall/{token}/", follow=True).status_code == 200
    assert lobby.get(f"/wall/{adas}/", follow=True).status_code == 200
    admin = login(world.admin)

    if change == "remove":
        message = flash(admin, admin.post(f"{ADD}{abe.pk}/remove/"))
    else:
        message = flash(admin, admin.post(f"{ADD}{abe.pk}/", {"role": "viewer"}))

    assert "1 wall display link they created was revoked." in message
    revoked = client.get(f"/wall/{token}/", follow=True)
    assert revoked.status_code == 410
    assert "This display link was revoked" in revoked.content.decode()
    assert lobby.get(f"/wall/{adas}/", follow=True).status_code == 200, "another admin's link stays"
    entry = AuditEvent.objects.get(action=AuditEvent.Action.DISPLAY_LINK_REVOKE)
    assert entry.username == "ada" and "abe is no longer an admin of Acme Media" in entry.detail
    assert token not in entry.target and token[-20:] not in entry.target + entry.detail


def test_members_of_another_organization_cannot_be_managed_from_here(world, login):
    client = login(world.admin)
    assert client.post(f"{ADD}{world.outsider.pk}/", {"role": "viewer"}).status_code == 404
    assert client.post(f"{ADD}{world.outsider.pk}/remove/").status_code == 404
    assert DisplayToken.objects.count() == 0
    assert Membership.objects.get(user=world.outsider).role == Role.ADMIN
