"""The organization switcher lands on the same kind of page in the other organization: overview, list (with
its filters, without its page number), settings where the user may see them; an encoding's pages land on
the other organization's list. Only known pages, never a URL from the request."""

from __future__ import annotations

import html
import re

import pytest

from encodings_app.models import Role
from tests.factories import make_member, make_organization, make_user, running_encoding

pytestmark = pytest.mark.django_db


@pytest.fixture
def both(world):
    """Admin of acme, viewer of globex."""
    user = make_user("multi")
    make_member(world.acme, Role.ADMIN, user=user)
    make_member(world.globex, Role.VIEWER, user=user)
    return user


def globex_link(page: str) -> str:
    switcher = page.split('<nav class="org-switcher"')[1].split("</nav>")[0]
    # Each item is a link holding the organization's name (its account's heading may hold it too).
    link = re.search(
        r'<a class="switcher-item" href="([^"]+)"[^>]*>(?:(?!</a>).)*'
        r'<span class="switcher-name">Globex Broadcasting</span>',
        switcher,
        re.DOTALL,
    )
    return html.unescape(link.group(1))


def landing(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 302, response.status_code
    return response["Location"]


def test_from_an_overview_the_switcher_goes_to_the_other_overview(both, login):
    page = login(both).get("/o/acme/").content.decode()
    assert globex_link(page) == "/o/globex/"


def test_from_the_list_it_lands_on_the_other_list_with_the_same_filters(both, login):
    client = login(both)
    page = client.get("/o/acme/encodings/?status=RUNNING&type=VOD&sort=name&page=3&utm=x").content.decode()

    link = globex_link(page)

    assert link.startswith("/o/globex/switch/?")
    assert landing(client, link) == "/o/globex/encodings/?status=RUNNING&type=VOD&sort=name"
    assert client.get("/o/globex/encodings/?status=RUNNING&type=VOD&sort=name").status_code == 200


def test_from_an_encoding_it_lands_on_the_other_list_with_the_filters_it_came_from(world, both, login):
    client = login(both)
    encoding = running_encoding(world.acme)
    page = client.get(f"/o/acme/encodings/{encoding.bitmovin_id}/?back=status%3DRUNNING%26page%3D2").content

    assert landing(client, globex_link(page.decode())) == "/o/globex/encodings/?status=RUNNING"


def test_from_an_action_confirmation_it_lands_on_the_other_list(world, both, login):
    client = login(both)
    encoding = running_encoding(world.acme)
    page = client.get(f"/o/acme/encodings/{encoding.bitmovin_id}/actions/stop/").content.decode()
    assert landing(client, globex_link(page)) == "/o/globex/encodings/"


def test_from_settings_it_lands_on_the_other_settings_for_an_admin_there(world, both, login):
    world.globex.memberships.filter(user=both).update(role=Role.ADMIN)
    client = login(both)
    link = globex_link(client.get("/o/acme/settings/").content.decode())
    assert landing(client, link) == "/o/globex/settings/"


def test_from_settings_a_non_admin_there_lands_on_the_overview_and_reads_why(both, login):
    client = login(both)
    link = globex_link(client.get("/o/acme/settings/").content.decode())

    assert landing(client, link) == "/o/globex/"
    page = client.get("/o/globex/").content.decode()
    assert "The settings of Globex Broadcasting are for its admins; this is its overview." in page


def test_the_current_organization_stays_a_link_to_its_overview(both, login):
    page = login(both).get("/o/acme/encodings/?status=RUNNING").content.decode()
    assert 'href="/o/acme/" aria-current="page"' in page


def test_an_organization_the_user_is_not_in_is_a_404(both, login):
    make_organization("secret", name="Secret Org")
    client = login(both)
    assert client.get("/o/secret/switch/?to=list").status_code == 404
    assert client.get("/o/nowhere/switch/?to=overview").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("to=https://evil.example/", "/o/globex/"),
        ("to=//evil.example", "/o/globex/"),
        ("to=encoding-detail", "/o/globex/"),
        ("", "/o/globex/"),
        ("to=list&back=https://evil.example/", "/o/globex/encodings/"),
        ("to=list&back=next%3D%2F%2Fevil.example%26status%3DERROR", "/o/globex/encodings/?status=ERROR"),
        ("to=list&back=status%3DNOPE%26label%3Da%2520b", "/o/globex/encodings/?label=a+b"),
        ("to=list&next=//evil.example", "/o/globex/encodings/"),
    ],
)
def test_only_known_pages_and_the_lists_own_filters_survive(both, login, query, expected):
    assert landing(login(both), f"/o/globex/switch/?{query}") == expected


def test_the_switch_only_answers_get(both, login):
    assert login(both).post("/o/globex/switch/?to=list").status_code == 405
