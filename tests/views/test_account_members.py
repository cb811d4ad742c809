"""People across a whole account, on its page (views/connections.py): given by superusers and its account
admins, and nobody else reaches the page."""

from __future__ import annotations

import pytest

from encodings_app.models import AccountMembership, AuditEvent, DisplayToken, Role
from encodings_app.services.display_links import display_link_create
from tests.factories import TEST_API_KEY, make_connection, make_member, make_organization, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def media():
    connection = make_connection(name="Media Co")
    make_organization("acme", name="Acme", connection=connection)
    make_organization("acme-sports", name="Acme Sports", connection=connection, tenant_org_id="sub-1")
    make_organization("globex", name="Globex", api_key="another-key-0000")
    return connection


def page_of(connection) -> str:
    return f"/connections/{connection.public_id}/"


def account_admin_of(connection, user=None):
    user = user or make_user()
    AccountMembership.objects.create(user=user, connection=connection, role=Role.ADMIN)
    return user


def test_a_superuser_gives_someone_a_role_across_the_account_and_they_see_all_its_organizations(media, login):
    root = login(make_user("root", is_superuser=True))
    make_user("dora", email="dora@example.com")

    answer = root.post(
        page_of(media) + "members/", {"username": "dora@example.com", "role": "viewer"}, follow=True
    )

    page = answer.content.decode()
    assert "they now have the viewer role in every organization of Media Co" in page
    assert "dora" in page.split('id="account-members"')[1]
    assert TEST_API_KEY not in page and media.masked_api_key in page
    dora = AccountMembership.objects.get(connection=media).user
    assert dora.get_username() == "dora"
    home = login(dora).get("/").content.decode()
    assert "Acme Sports" in home and "Globex" not in home
    own_page = login(dora).get("/account/").content.decode()
    assert "Every organization of the Bitmovin account Media Co — viewer" in own_page


def test_an_account_admin_adds_only_people_of_organizations_they_administer_and_is_told_the_same(
    media, login
):
    admin = account_admin_of(media)
    colleague = make_member(media.organizations.get(slug="acme"), Role.OPERATOR, user=make_user("cara"))
    make_member(media.organizations.model.objects.get(slug="globex"), Role.VIEWER, user=make_user("gus"))
    client = login(admin)

    added = client.post(page_of(media) + "members/", {"username": "cara", "role": "operator"}, follow=True)
    stranger = client.post(page_of(media) + "members/", {"username": "gus", "role": "operator"}, follow=True)
    nobody = client.post(page_of(media) + "members/", {"username": "nobody", "role": "operator"}, follow=True)

    assert AccountMembership.objects.filter(connection=media, role=Role.OPERATOR).get().user == colleague
    said = "is the user name or e-mail address of someone in an organization you administer"
    for answer in (added, stranger, nobody):
        assert said in answer.content.decode()
    refused = AuditEvent.objects.filter(
        action=AuditEvent.Action.MEMBER_ADD, outcome=AuditEvent.Outcome.REFUSED
    )
    assert sorted(refused.values_list("target", flat=True)) == ["gus", "nobody"]


def test_an_organization_admin_does_not_reach_the_accounts_pages_nor_sees_them_linked(media, login):
    organization_admin = make_member(media.organizations.get(slug="acme"), Role.ADMIN)
    client = login(organization_admin)

    assert client.get(page_of(media)).status_code == 404
    assert client.post(page_of(media) + "members/", {"username": "x", "role": "admin"}).status_code == 404
    assert client.get("/connections/").status_code == 403
    assert "Bitmovin accounts" not in client.get("/o/acme/").content.decode()
    account_admin = login(account_admin_of(media))
    assert "Bitmovin accounts" in account_admin.get("/o/acme/").content.decode()
    listing = account_admin.get("/connections/").content.decode()
    assert "Media Co" in listing and "Connect an account" not in listing


def test_an_account_admin_made_viewer_loses_the_wall_links_of_organizations_they_no_longer_administer(
    media, login
):
    acme, sports = media.organizations.get(slug="acme"), media.organizations.get(slug="acme-sports")
    admin = account_admin_of(media, make_member(acme, Role.ADMIN, user=make_user("ada")))
    display_link_create(label="Acme room", organizations=[acme], created_by=admin)
    display_link_create(label="Sports room", organizations=[sports], created_by=admin)
    root = login(make_user("root", is_superuser=True))

    answer = root.post(page_of(media) + f"members/{admin.pk}/role/", {"role": "viewer"}, follow=True)

    assert "ada now has the viewer role across Media Co." in answer.content.decode()
    live = DisplayToken.objects.filter(revoked_at__isnull=True).values_list("label", flat=True)
    assert list(live) == ["Acme room"], "still an admin of Acme through their own membership"
    root.post(page_of(media) + f"members/{admin.pk}/remove/")
    assert not AccountMembership.objects.filter(user=admin).exists()
