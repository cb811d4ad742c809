"""Whichever way the list writes a search (for an index, or for reading the rows: selectors/search.py), it
finds the same encodings, and label terms and the label filter stay within the organization."""

from __future__ import annotations

import itertools

import pytest

from encodings_app.selectors.encodings import EncodingFilters, filtered_encodings
from encodings_app.selectors.search import parse_search, search_q
from tests.factories import labelled_encoding

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(world):
    labelled_encoding(world.acme, ["news", "Customer1"], name="Evening news")
    labelled_encoding(world.acme, ["sport"], name="Match of the day")
    labelled_encoding(world.acme, [], name="Recap:Finale")
    labelled_encoding(world.acme, ["customer2"], name="a_b master")
    labelled_encoding(world.acme, [], name="axb master")
    labelled_encoding(world.acme, [], name="50% off")
    labelled_encoding(world.acme, ["news"], name="Old news", deleted_at=world.acme.created_at)
    # Another organization's encodings with the same names and labels: never found from Acme.
    labelled_encoding(world.globex, ["news", "Customer1", "sport"], name="Evening news")
    labelled_encoding(world.globex, ["news"], name="Match of the day")
    return world.acme


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("news", ["Evening news"]),
        ("NEWS", ["Evening news"]),
        ("of the", ["Match of the day"]),
        ("name:evening*", ["Evening news"]),
        ('name:"MATCH OF"*', ["Match of the day"]),
        ('name:"evening news"', ["Evening news"]),
        ("labels:NEWS", ["Evening news"]),
        ("labels:cust*", ["Evening news", "a_b master"]),
        ("a_b", ["a_b master"]),  # an underscore is itself, not any one character
        ("name:a_*", ["a_b master"]),
        ("50%", ["50% off"]),  # so is a percent sign
        ("master AND labels:customer2", ["a_b master"]),
        ("labels:sport name:Match*", ["Match of the day"]),
        ("nothing-like-this", []),
    ],
)
def test_every_way_of_writing_a_search_finds_the_same_encodings(catalogue, text, expected):
    parsed = parse_search(text)
    for words, prefixes in itertools.product([True, False], repeat=2):
        condition = search_q(parsed, words_by_index=words, prefixes_by_index=prefixes)
        found = sorted(catalogue.encodings.live().filter(condition).values_list("name", flat=True))
        assert found == expected, (text, words, prefixes)


@pytest.mark.parametrize("names_by_index", [None, True, False])
def test_label_terms_and_the_label_filter_find_only_the_organizations_own_encodings(
    catalogue, names_by_index
):
    def names(**filters) -> list[str]:
        rows = filtered_encodings(catalogue, EncodingFilters(**filters), names_by_index=names_by_index)
        return sorted(rows.values_list("name", flat=True))

    assert names(label="news") == ["Evening news"]
    assert names(label="NEWS") == []  # the filter is a label as written; the search is case-insensitive
    assert names(search=parse_search("labels:news")) == ["Evening news"]
    assert names(search=parse_search("labels:sport")) == ["Match of the day"]
    assert names(label="sport", search=parse_search("Match")) == ["Match of the day"]
