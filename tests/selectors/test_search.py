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
        ('"foo:bar"', [Term("text", "foo:bar")]),
        ('name:"Night Shift"*', [Term("name", "Night Shift", prefix=True)]),
        ('"AND"', [Term("text", "AND")]),
        ("salt and pepper", [Term("text", "salt"), Term("text", "and"), Term("text", "pepper")]),
        ("re-encode", [Term("text", "re-encode")]),
        ("news*", [Term("text", "news")]),
        ("", []),
        ("   ", []),
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
    assert any(problem in str(p) for p in parsed.problems)
    assert parsed.terms == kept


@pytest.mark.parametrize(
    ("text", "problem", "kept"),
    [
        ("AND", "“AND” on its own joins nothing", []),
        ("AND AND", "“AND AND”: two operators in a row", []),
        ("name:a AND AND labels:b", "“AND AND”: two operators", [Term("name", "a"), Term("labels", "b")]),
        ("AND name:a", "“AND” at the start joins nothing", [Term("name", "a")]),
        ("name:a OR", "“OR” at the end joins nothing", [Term("name", "a")]),
        ("name:a AND", "“AND” at the end joins nothing", [Term("name", "a")]),
        ("name:a OR AND name:b", "“OR AND”: two operators in a row", [Term("name", "a"), Term("name", "b")]),
        ('""', "Empty quotes", []),
        ('name:a ""', "Empty quotes", [Term("name", "a")]),
        ("-", "A lone “-” is not a search term", []),
        ("Sintel - trailer", "A lone “-”", [Term("text", "Sintel"), Term("text", "trailer")]),
        ("-name:a", "“-name:a”: excluding terms is not supported", []),
        ('name:b -labels:"x y"', "“-labels:\"x y\"”: excluding terms", [Term("name", "b")]),
        ("*", "“*” matches everything", []),
    ],
)  # fmt: skip
def test_dangling_operators_empty_quotes_and_dashes_are_reported(text, problem, kept):
    parsed = parse_search(text)
    assert [str(p) for p in parsed.problems if problem in str(p)], parsed.problems
    assert parsed.terms == kept
    assert parsed.nothing_left == (not kept)


def test_each_problem_is_reported_once():
    parsed = parse_search("name:a AND AND name:b AND AND name:c")
    assert len(parsed.problems) == 1


@pytest.mark.parametrize("text", ["foo:bar", 'foo:"bar"', "Status:ERROR"])
def test_an_unknown_field_names_the_known_ones_and_searches_the_text(text):
    parsed = parse_search(text)
    [problem] = parsed.problems
    assert "is not a search field; the fields are name: and labels: (or label:)" in problem.text
    assert "put it in quotes" in problem.text
    assert problem.effect == "The names were searched for that text."
    literal = text.replace('"', "")
    assert parsed.terms == [Term("text", literal)]
    assert f"“{literal}”" in problem.text


def test_the_problem_text_says_what_is_wrong_and_the_effect_what_the_page_did():
    [problem] = parse_search("name:a OR name:b").problems
    assert problem.text == "OR is not supported (the API joins terms with AND only)."
    assert problem.effect == "All terms had to match instead."
    assert str(problem) == f"{problem.text} {problem.effect}"


def test_very_long_values_are_cut():
    parsed = parse_search("name:" + "x" * 1000)
    assert len(parsed.terms[0].value) == 200
