"""The list page's search: whatever cannot be searched as written gets a note saying what was done instead,
never a silent "nothing" or "everything"; ``search`` is the parameter's name and the old ``q`` still works."""

from __future__ import annotations

import html

import pytest

from tests.factories import search_catalogue

pytestmark = pytest.mark.django_db

URL = "/o/acme/encodings/"


@pytest.fixture
def catalogue(world) -> list[str]:
    return search_catalogue(world.acme)


def listed(response) -> list[str]:
    """The names on the page's result list, from the view's own page of rows (not its markup)."""
    return sorted(encoding.name for encoding in response.context["page"].object_list)


def shown(response, note: str) -> bool:
    """The note is in the context and on the page (the page escapes quotes)."""
    return any(note in text for text in response.context["notes"]) and html.escape(note) in (
        response.content.decode()
    )


ALL = ["Evening news", "Match of the day", "Recap:Finale"]  # search_catalogue's names


@pytest.mark.parametrize(
    ("search", "note", "expected"),
    [
        # Nothing searchable is left: the whole list, and a note saying so.
        ("AND AND", "“AND AND”: two operators in a row", ALL),
        ("AND", "“AND” on its own joins nothing", ALL),
        ('""', "Empty quotes", ALL),
        ("-", "A lone “-” is not a search term", ALL),
        # The rest of the search still narrows the list.
        ("name:Evening* AND AND labels:news", "“AND AND”: two operators in a row", ["Evening news"]),
        ("name:Evening* OR", "“OR” at the end joins nothing. It was ignored.", ["Evening news"]),
        ("OR name:Evening*", "“OR” at the start joins nothing. It was ignored.", ["Evening news"]),
        ('name:Match* ""', "Empty quotes", ["Match of the day"]),
        ("Match - day", "A lone “-” is not a search term", ["Match of the day"]),
        ("news -labels:sport", "“-labels:sport”: excluding terms is not supported", ["Evening news"]),
    ],
)  # fmt: skip
def test_operators_quotes_and_dashes_that_mean_nothing_are_named_in_a_note(
    world, login, catalogue, search, note, expected
):
    response = login(world.viewer).get(URL, {"search": search})
    assert response.status_code == 200
    assert shown(response, note), response.context["notes"]
    assert listed(response) == expected


@pytest.mark.parametrize("search", ["AND AND", '""', "-", "AND", "*", "-name:x"])
def test_a_search_with_nothing_searchable_says_the_list_is_not_narrowed(world, login, catalogue, search):
    response = login(world.viewer).get(URL, {"search": search})
    assert shown(response, "Search: nothing in it could be searched for, so it does not narrow the list.")
    assert listed(response) == ALL


def test_an_unknown_field_names_the_known_fields_and_searches_the_names_for_the_text(world, login, catalogue):
    response = login(world.viewer).get(URL, {"search": "foo:bar"})
    assert shown(response, "“foo:” is not a search field; the fields are name: and labels: (or label:).")
    assert shown(response, "The names were searched for that text.")
    assert listed(response) == []
    # A name with a colon is found, and in quotes without a note.
    client = login(world.viewer)
    assert listed(client.get(URL, {"search": "recap:finale"})) == ["Recap:Finale"]
    quoted = client.get(URL, {"search": '"recap:finale"'})
    assert listed(quoted) == ["Recap:Finale"] and quoted.context["notes"] == []


def test_search_is_the_parameter_the_form_sends_and_every_link_writes(world, login, catalogue):
    response = login(world.viewer).get(URL, {"search": "news", "sort": "name"})
    page = response.content.decode()
    assert listed(response) == ["Evening news"]
    assert 'type="search" name="search"' in page
    assert 'value="news"' in page
    assert response.context["poll_url"] == f"{URL}?search=news&sort=name"
    assert "q=" not in response.context["poll_url"]


def test_the_old_name_q_still_searches_and_the_page_moves_its_links_to_search(world, login, catalogue):
    response = login(world.viewer).get(URL, {"q": "name:Evening* AND labels:news"})
    assert listed(response) == ["Evening news"]
    assert response.context["notes"] == []
    assert response.context["back"] == "search=name%3AEvening%2A+AND+labels%3Anews"
    assert 'value="name:Evening* AND labels:news"' in response.content.decode()


def test_search_and_q_with_different_values_use_search_and_say_so(world, login, catalogue):
    response = login(world.viewer).get(URL, {"search": "news", "q": "match"})
    assert response.status_code == 200
    assert listed(response) == ["Evening news"]
    assert shown(response, "were both given, with different values; give only “search”. “q” was ignored.")


def test_search_and_q_with_the_same_value_are_one_search_without_a_note(world, login, catalogue):
    response = login(world.viewer).get(URL, {"search": "match", "q": "match"})
    assert listed(response) == ["Match of the day"]
    assert response.context["notes"] == []


def test_an_empty_search_with_an_old_q_uses_q(world, login, catalogue):
    response = login(world.viewer).get(URL, {"search": "", "q": "match"})
    assert listed(response) == ["Match of the day"]
