"""The search box speaks the API's name:/labels: syntax and says what it cannot honour."""

import pytest

from encodings_app.selectors.search import Term, parse_search


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("name:test*", [Term("name", "test", prefix=True)]),
        ('name:"My Encoding"', [Term("name", "My Encoding")]),
        (
            'name:"My Encoding" AND labels:Customer1',
            [Term("name", "My Encoding"), Term("labels", "Customer1")],
        ),
        ("labels:cust* name:x", [Term("labels", "cust", prefix=True), Term("name", "x")]),
        ("label:premium", [Term("labels", "premium")]),
        ("NAME:Match", [Term("name", "Match")]),
        ("evening news", [Term("text", "evening"), Term("text", "news")]),
        ('"evening news"', [Term("text", "evening news")]),
        ("Match 20:30", [Term("text", "Match"), Term("text", "20:30")]),
        ("foo:bar", [Term("text", "foo:bar")]),
        ("news*", [Term("text", "news")]),
        ("", []),
        ("   AND  ", []),
    ],
)
def test_search_terms_are_understood(text, terms):
    parsed = parse_search(text)
    assert parsed.terms == terms
    assert parsed.problems == []


@pytest.mark.parametrize(
    ("text", "problem", "kept"),
    [
        ("name:te*st", "only allowed at the end", []),
        ("name:a OR name:b", "OR is not supported", [Term("name", "a"), Term("name", "b")]),
        ('name:"unclosed', "has no value", [Term("text", "unclosed")]),
        ("labels:", "has no value", []),
        ("name:*", "matches everything", []),
        ('"', "quotation mark was not closed", []),
    ],
)
def test_what_cannot_be_honoured_is_reported(text, problem, kept):
    parsed = parse_search(text)
    assert any(problem in p for p in parsed.problems)
    assert parsed.terms == kept


def test_very_long_values_are_cut():
    parsed = parse_search("name:" + "x" * 1000)
    assert len(parsed.terms[0].value) == 200
