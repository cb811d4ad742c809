"""Who sees what: members, viewers and users of another organization, on every page and every write."""

from __future__ import annotations

import pytest
from django.test import Client

from encodings_app import access
from encodings_app.models import Membership, Role
from tests.factories import failed_encoding, make_user, running_encoding

pytestmark = pytest.mark.django_db


@pytest.fixture
def encodings(world):
    return {"running": running_encoding(world.acme), "failed": failed_encoding(world.acme)}


def read_pages(encodings) -> list[str]:
    running = encodings["running"].bitmovin_id
    return [
        "/o/acme/",
        "/o/acme/encodings/",
        f"/o/acme/encodings/{running}/",
        f"/o/acme/encodings/{encodings['failed'].bitmovin_id}/",
    ]


def operator_pages(encodings) -> list[str]:
    running = encodings["running"].bitmovin_id
    failed = encodings["failed"].bitmovin_id
    return [
        f"/o/acme/encodings/{running}/actions/stop/",
        f"/o/acme/encodings/{running}/actions/reprioritize/",
        f"/o/acme/encodings/{failed}/actions/delete/",
        f"/o/acme/encodings/{failed}/actions/start/",
        f"/o/acme/encodings/{failed}/actions/restart-live/",
    ]


def writes(encodings) -> list[tuple[str, dict]]:
    running = encodings["running"].bitmovin_id
    failed = encodings["failed"].bitmovin_id
    return [
        (f"/o/acme/encodings/{running}/actions/stop/", {}),
        (f"/o/acme/encodings/{running}/actions/reprioritize/", {"priority": "80"}),
        (f"/o/acme/encodings/{failed}/actions/delete/", {}),
        (f"/o/acme/encodings/{failed}/actions/start/", {}),
        (f"/o/acme/encodings/{failed}/actions/restart-live/", {}),
        ("/o/acme/settings/", {"name": "Hijacked", "colour": "#000000", "api_base_url": "https://x.example"}),
        ("/o/acme/settings/test-connection/", {}),
        ("/o/acme/settings/webhooks/", {}),
        ("/o/acme/settings/members/", {"username": "vera", "role": "admin"}),
    ]


@pytest.mark.parametrize("persona", ["admin", "operator", "viewer"])
def test_members_read_every_page_of_their_organization(world, login, encodings, persona):
    client = login(getattr(world, persona))
    for url in read_pages(encodings):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Acme Media" in response.content.decode()


def test_user_of_another_organization_gets_404_on_every_page_and_write(world, login, encodings):
    client = login(world.outsider)
    for url in [*read_pages(encodings), *operator_pages(encodings), "/o/acme/settings/"]:
        assert client.get(url).status_code == 404, url
    for url, data in writes(encodings):
        assert client.post(url, data).status_code == 404, url
    assert client.post(f"/o/acme/encodings/{encodings['running'].bitmovin_id}/refresh/").status_code == 404


def test_an_encoding_of_another_organization_is_404_even_under_the_right_slug(world, login):
    theirs = running_encoding(world.globex)
    client = login(world.operator)
    assert client.get(f"/o/acme/encodings/{theirs.bitmovin_id}/").status_code == 404
    assert client.post(f"/o/acme/encodings/{theirs.bitmovin_id}/actions/stop/").status_code == 404
    assert client.get(f"/o/globex/encodings/{theirs.bitmovin_id}/").status_code == 404


def test_viewer_gets_403_on_every_write(world, login, encodings):
    client = login(world.viewer)
    for url in operator_pages(encodings):
        assert client.get(url).status_code == 403, url
    for url, data in writes(encodings):
        assert client.post(url, data).status_code == 403, url
    assert client.get("/o/acme/settings/").status_code == 403
    world.acme.refresh_from_db()
    assert world.acme.name == "Acme Media"
    assert Membership.objects.get(user=world.viewer).role == Role.VIEWER


def test_viewer_cannot_stop_an_encoding(world, login, encodings):
    client = login(world.viewer)
    page = client.get(f"/o/acme/encodings/{encodings['running'].bitmovin_id}/").content.decode()
    assert "/actions/stop/" not in page
    response = client.post(f"/o/acme/encodings/{encodings['running'].bitmovin_id}/actions/stop/")
    assert response.status_code == 403
    assert "operator role" in response.content.decode()


def test_operator_sees_actions_but_not_the_settings(world, login, encodings):
    client = login(world.operator)
    page = client.get(f"/o/acme/encodings/{encodings['running'].bitmovin_id}/").content.decode()
    assert "/actions/stop/" in page
    assert "/o/acme/settings/" not in page
    assert client.get("/o/acme/settings/").status_code == 403
    for url, data in writes(encodings)[5:]:
        assert client.post(url, data).status_code == 403, url


def test_anonymous_visitor_is_sent_to_log_in_from_every_page(world, encodings):
    client = Client()
    for url in [*read_pages(encodings), "/o/acme/settings/", "/organizations/new/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next=")


def test_unknown_organization_encoding_and_action_are_404(world, login, encodings):
    client = login(world.admin)
    assert client.get("/o/nope/").status_code == 404
    assert client.get("/o/acme/encodings/does-not-exist/").status_code == 404
    running = encodings["running"].bitmovin_id
    assert client.get(f"/o/acme/encodings/{running}/actions/explode/").status_code == 404
    assert client.post(f"/o/acme/encodings/{running}/actions/explode/").status_code == 404


@pytest.mark.parametrize(
    ("persona", "shown"), [("admin", "Admin"), ("operator", "Operator"), ("viewer", "Viewer")]
)
def test_every_page_names_the_role_the_member_holds(world, login, encodings, persona, shown):
    client = login(getattr(world, persona))
    for url in read_pages(encodings):
        assert f"Your role: <strong>{shown}</strong>" in client.get(url).content.decode(), url


def test_access_answers_with_the_organization_and_the_role_it_decided(world):
    assert access.organization_for(world.viewer, "acme") == access.OrganizationAccess(world.acme, Role.VIEWER)
    assert access.organization_for(world.operator, "acme", needs=Role.OPERATOR).role == Role.OPERATOR
    root = make_user("root", is_superuser=True, is_staff=True)
    assert access.organization_for(root, "globex") == access.OrganizationAccess(world.globex, Role.ADMIN)


def test_an_encoding_found_through_access_knows_its_organization_without_a_query(
    world, encodings, django_assert_num_queries
):
    organization = access.organization_for(world.viewer, "acme").organization
    encoding = access.encoding_for(organization, encodings["running"].bitmovin_id)
    with django_assert_num_queries(0):
        assert encoding.organization.name == "Acme Media"


def test_superuser_sees_every_organization_as_an_admin(world):
    root = make_user("root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(root)
    for slug in ("acme", "globex"):
        assert client.get(f"/o/{slug}/").status_code == 200
        assert client.get(f"/o/{slug}/settings/").status_code == 200


def test_writes_need_post(world, login, encodings):
    client = login(world.admin)
    running = encodings["running"].bitmovin_id
    assert client.get(f"/o/acme/encodings/{running}/refresh/").status_code == 405
    assert client.get("/o/acme/settings/test-connection/").status_code == 405
    assert client.get("/o/acme/settings/members/").status_code == 405
