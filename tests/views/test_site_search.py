"""The header's search across organizations: an id or a name is looked for in every organization the user
belongs to (directly, across their account, or as a superuser in all), never in another tenant's."""

from __future__ import annotations

import pytest
from django.utils import timezone

from encodings_app.models import Role
from encodings_app.selectors.cross_search import PER_ORGANIZATION
from tests.factories import make_account_admin, make_encoding, make_member, make_organization, make_user

pytestmark = pytest.mark.django_db

URL = "/search/"
SHARED_ID = "3f6c2a4e-0d1b-4c55-9a77-000000000001"  # held by Acme and by Globex
GLOBEX_ID = "3f6c2a4e-0d1b-4c55-9a77-000000000002"  # held by Globex only
DELETED_ID = "3f6c2a4e-0d1b-4c55-9a77-000000000003"  # Acme's, deleted in Bitmovin
NAME = "Quarterly results"
SWITCHER = 1  # the header's organizations with their health

# Who searches, and the organizations whose encodings they may find.
PERSONAS = {
    "non_member": set(),
    "viewer": {"acme"},
    "operator": {"acme"},
    "admin": {"acme"},
    "account_admin": {"acme"},
    "superuser": {"acme", "globex"},
}


@pytest.fixture
def tenants(world):
    """The same name in Acme and Globex, an id both hold, an id only Globex holds, and a deleted one."""
    make_encoding(world.acme, bitmovin_id=SHARED_ID, name=f"{NAME} (Acme)")
    make_encoding(world.globex, bitmovin_id=SHARED_ID, name=f"{NAME} (Globex)")
    make_encoding(world.globex, bitmovin_id=GLOBEX_ID, name="Globex only")
    make_encoding(world.acme, bitmovin_id=DELETED_ID, name=f"{NAME} (gone)", deleted_at=timezone.now())
    return world


def persona(world, name: str):
    if name == "non_member":
        return make_user("nobody")
    if name == "account_admin":
        return make_account_admin(world.acme.connection, make_user("acct"))
    if name == "superuser":
        return make_user("root", is_superuser=True)
    return getattr(world, name)


def found_organizations(response) -> set[str]:
    """Every organization whose encoding the page lists, from the view's own results."""
    found = response.context["found"]
    slugs = {encoding.organization.slug for encoding in found.by_id}
    for group in found.groups:
        slugs |= {encoding.organization.slug for encoding in group.encodings}
    return slugs


@pytest.mark.parametrize("name", list(PERSONAS))
def test_the_search_never_returns_another_tenants_encoding_by_name(tenants, login, name):
    response = login(persona(tenants, name)).get(URL, {"q": NAME})
    assert response.status_code == 200
    assert found_organizations(response) == PERSONAS[name]
    page = response.content.decode()
    assert ("Quarterly results (Globex)" in page) == ("globex" in PERSONAS[name])
    assert ("/o/globex/" in page) == ("globex" in PERSONAS[name])
    assert "(gone)" not in page


@pytest.mark.parametrize("name", list(PERSONAS))
def test_the_search_never_returns_another_tenants_encoding_by_id(tenants, login, name):
    client = login(persona(tenants, name))
    response = client.get(URL, {"q": GLOBEX_ID})
    if "globex" in PERSONAS[name]:
        assert response.status_code == 302
        assert response["Location"] == f"/o/globex/encodings/{GLOBEX_ID}/"
    else:
        assert response.status_code == 200
        assert found_organizations(response) == set()
        page = response.content.decode()
        # The typed id shows where it was typed; nothing of Globex shows, nor links there.
        assert "/o/globex/" not in page
        assert "Globex only" not in page

    shared = client.get(URL, {"q": SHARED_ID})
    if len(PERSONAS[name]) == 1:  # exactly one of their organizations holds it: it opens
        assert shared.status_code == 302
        assert shared["Location"] == f"/o/acme/encodings/{SHARED_ID}/"
    else:
        assert shared.status_code == 200
        assert found_organizations(shared) == PERSONAS[name]


@pytest.mark.parametrize("name", list(PERSONAS))
def test_a_deleted_encoding_is_found_by_nobody(tenants, login, name):
    response = login(persona(tenants, name)).get(URL, {"q": DELETED_ID})
    assert response.status_code == 200
    assert found_organizations(response) == set()
    assert "No encoding in your organizations" in response.content.decode()


def test_an_id_held_by_two_of_the_users_organizations_lists_both(tenants, login):
    both = make_member(tenants.acme, Role.VIEWER)
    make_member(tenants.globex, Role.VIEWER, user=both)
    response = login(both).get(URL, {"q": SHARED_ID})
    assert response.status_code == 200
    found = response.context["found"]
    assert [encoding.organization.slug for encoding in found.by_id] == ["acme", "globex"]
    page = response.content.decode()
    assert f'href="/o/acme/encodings/{SHARED_ID}/"' in page
    assert f'href="/o/globex/encodings/{SHARED_ID}/"' in page


def test_results_are_grouped_by_organization_bounded_with_a_link_to_the_list_for_more(world, login):
    for number in range(PER_ORGANIZATION + 2):
        make_encoding(world.acme, name=f"Weather S1E{number}")
    make_encoding(world.acme, name="Something else")
    response = login(world.viewer).get(URL, {"q": "Weather"})
    [group] = response.context["found"].groups
    assert len(group.encodings) == PER_ORGANIZATION
    assert group.more
    page = response.content.decode()
    assert 'href="/o/acme/encodings/?search=Weather"' in page
    assert "More matches in Acme Media" in page
    assert "Something else" not in page


def test_the_lists_search_syntax_works_in_the_header(world, login):
    make_encoding(world.acme, name="Match of the day")
    make_encoding(world.acme, name="Matchday recap")
    response = login(world.viewer).get(URL, {"q": "name:Match*  AND day"})
    [group] = response.context["found"].groups
    assert sorted(encoding.name for encoding in group.encodings) == ["Match of the day", "Matchday recap"]


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("", "Type an encoding id or a name to search for."),
        ("   ", "Type an encoding id or a name to search for."),
        ("x" * 501, "it can be at most 500"),
        ("AND", "nothing in it could be searched for"),
        ('""', "Empty quotes"),
    ],
)
def test_bad_or_empty_input_gets_a_clear_note(world, login, text, note):
    response = login(world.viewer).get(URL, {"q": text})
    assert response.status_code == 200
    assert any(note in shown for shown in response.context["notes"]), response.context["notes"]
    assert response.context["found"].found_nothing


def test_the_header_has_the_search_box_for_logged_in_users(world, login):
    page = login(world.viewer).get("/o/acme/").content.decode()
    assert 'action="/search/"' in page
    assert 'name="q"' in page


def test_the_search_costs_the_same_queries_whatever_the_number_of_organizations(
    world, login, django_assert_num_queries
):
    user = make_member(world.acme, Role.VIEWER)
    make_encoding(world.acme, name="Weather one")
    client = login(user)
    # session, user, the switcher's organizations with their health, the id, the names
    with django_assert_num_queries(2 + SWITCHER + 2):
        assert client.get(URL, {"q": "Weather"}).status_code == 200
    for number in range(4):
        organization = make_organization(f"extra-{number}")
        make_member(organization, Role.VIEWER, user=user)
        make_encoding(organization, name=f"Weather {number}")
    with django_assert_num_queries(2 + SWITCHER + 2):
        response = client.get(URL, {"q": "Weather"})
    assert len(response.context["found"].groups) == 5
    # a name that is not id-shaped: no id query
    with django_assert_num_queries(2 + SWITCHER + 1):
        client.get(URL, {"q": "name:Weather*"})
    # an id one organization holds: the id, and straight to it
    encoding = make_encoding(world.acme, name="Opened")
    with django_assert_num_queries(2 + 1):
        assert client.get(URL, {"q": encoding.bitmovin_id}).status_code == 302
