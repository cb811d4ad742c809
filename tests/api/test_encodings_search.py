"""The list endpoint's search: what cannot be searched as written is a 400 naming the parameter, and the
parameter answers to the pages' old name ``q`` too (deprecated in the schema)."""

import json

import pytest
from django.test import Client

from tests.api.helpers import error_of, fields_named, result_of
from tests.factories import search_catalogue

URL = "/organizations/acme/encodings"


@pytest.fixture
def catalogue(world) -> list[str]:
    return search_catalogue(world.acme)


def names(result) -> list[str]:
    return sorted(item["name"] for item in result["items"])


@pytest.mark.parametrize(
    ("search", "explained"),
    [
        ("AND AND", "“AND” at the start joins nothing."),
        ("name:Evening* AND AND labels:news", "“AND AND”: two operators in a row"),
        ("name:Evening* OR", "“OR” at the end joins nothing."),
        ("AND name:Evening*", "“AND” at the start joins nothing."),
        ('""', "Empty quotes"),
        ('name:Evening* ""', "Empty quotes"),
        ("-", "A lone “-” is not a search term"),
        ("-name:Evening*", "“-name:Evening*”: excluding terms is not supported"),
        ("*", "“*” matches everything."),
        ("foo:bar", "“foo:” is not a search field; the fields are name: and labels: (or label:)."),
    ],
)
def test_what_cannot_be_searched_as_written_is_a_400_naming_search(
    world, api_for, catalogue, search, explained
):
    data = error_of(api_for(world.viewer).get(URL, {"search": search}), 400, 1001)
    assert set(fields_named(data)) == {"search"}
    assert data["message"] == "Parameter not valid: search"
    assert any(explained in detail["text"] for detail in data["details"]), data["details"]
    # The API searched nothing: its answer says what is wrong, not what the list page would have done.
    assert "It was ignored" not in data["developerMessage"]


def test_an_unknown_field_says_how_to_search_for_the_text_and_quoting_does_it(world, api_for, catalogue):
    caller = api_for(world.viewer)
    data = error_of(caller.get(URL, {"search": "recap:finale"}), 400, 1001)
    assert "put it in quotes" in data["developerMessage"]
    assert names(result_of(caller.get(URL, {"search": '"recap:finale"'}))) == ["Recap:Finale"]


def test_the_old_name_q_searches_like_search(world, api_for, catalogue):
    caller = api_for(world.viewer)
    by_search = result_of(caller.get(URL, {"search": "name:Evening* AND labels:news"}))
    by_q = result_of(caller.get(URL, {"q": "name:Evening* AND labels:news"}))
    assert names(by_search) == names(by_q) == ["Evening news"]


def test_the_old_name_keeps_its_own_name_in_errors_and_next_links(world, api_for, catalogue):
    caller = api_for(world.viewer)
    data = error_of(caller.get(URL, {"q": "name:a OR"}), 400, 1001)
    assert fields_named(data) == ["q"]
    result = result_of(caller.get(URL, {"q": "e", "limit": 1}))
    assert "q=e" in result["next"]


def test_search_and_q_with_different_values_are_a_400_naming_q(world, api_for, catalogue):
    data = error_of(api_for(world.viewer).get(URL, {"search": "news", "q": "match"}), 400, 1001)
    assert fields_named(data) == ["q"]
    assert "were both given, with different values; give only “search”" in data["details"][0]["text"]


def test_search_and_q_with_the_same_value_are_one_search(world, api_for, catalogue):
    result = result_of(api_for(world.viewer).get(URL, {"search": "news", "q": "news"}))
    assert names(result) == ["Evening news"]


def test_the_schema_documents_search_and_marks_q_deprecated(db):
    schema = json.loads(Client().get("/api/v1/schema/?format=json").content)
    parameters = {
        p["name"]: p for p in schema["paths"]["/api/v1/organizations/{slug}/encodings"]["get"]["parameters"]
    }
    assert not parameters["search"].get("deprecated")
    assert "400" in parameters["search"]["description"]
    assert parameters["q"]["deprecated"] is True
    assert "old name of `search`" in parameters["q"]["description"]
