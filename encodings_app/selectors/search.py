"""The free-text search box: the API's ``name:`` / ``labels:`` syntax, plus plain words.

The API accepts exact and prefix (``value*``) matches on ``name`` and ``labels``, case-insensitive, joined by
``AND`` only (see the list endpoint in the API reference). The dashboard accepts the same, so that a query
copied from a script works here, and treats any other word as "the name contains this word". Whatever it
cannot honour as written (``OR``, an operator with nothing to join, an unknown field, a wildcard that is not
at the end, empty quotes, a lone ``-``) is reported as a ``SearchProblem``, never silently reinterpreted: the
API answers it with a 400, the list page with a note saying what it did instead.

On PostgreSQL the indexes in search_indexes.py serve the terms: name and label terms (exact or prefix) by
organization and upper-cased value, a plain word by the trigram index in a large organization. A small one
reads its own names for a plain word (NAME_SCAN_LIMIT): the trigram index covers every organization's names,
and a common word's share of them costs more to collect than the small organization's rows do to read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import StrIndex, Upper
from django.db.models.lookups import Exact, GreaterThan

from encodings_app.models import EncodingLabel, Organization
from encodings_app.selectors.counting import planner_rows

# The parameter's name on the pages and in the API: Bitmovin's own, so that a script's query works here.
SEARCH_PARAMETER = "search"
# The pages' name for it before both took Bitmovin's: bookmarks and scripts that carry it keep working.
SEARCH_ALIAS = "q"
SEARCH_CONFLICT = (
    f"“{SEARCH_PARAMETER}” and its old name “{SEARCH_ALIAS}” were both given, with different values; "
    f"give only “{SEARCH_PARAMETER}”."
)

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<minus>-?)(?P<field>[A-Za-z]+):(?:"(?P<quoted>[^"]*)"(?P<star>\*?)|(?P<bare>[^\s"]*))
      | "(?P<phrase>[^"]*)"
      | (?P<word>[^\s"]+)
      | (?P<stray>")
    )""",
    re.VERBOSE,
)
FIELDS = {"name": "name", "label": "labels", "labels": "labels"}
FIELD_NAMES = "name: and labels: (or label:)"
# Written in capitals, as Bitmovin's search writes them; "and" in lower case is a word of a name.
OPERATORS = ("AND", "OR")
IGNORED = "It was ignored."
# Below this many live encodings (by the planner's estimate) an organization's names are read for a plain
# word rather than looked up in the trigram index. EXPLAIN ANALYZE on 1,000,000 encodings in 201
# organizations: a word in 17,000 names ("Weather S1") took 45-60 ms through the index for an organization of
# 2,500 and 2-3 ms reading its names; reading 20,000 names takes a few milliseconds more.
NAME_SCAN_LIMIT = 20_000


@dataclass(frozen=True)
class Term:
    field: str  # "name", "labels" or "text" (a plain word: the name contains it)
    value: str
    prefix: bool = False


@dataclass(frozen=True)
class SearchProblem:
    text: str  # what cannot be used as written: the whole answer of the API, which then searches nothing
    effect: str  # what the list page did instead, since it always shows a list

    def __str__(self) -> str:
        return f"{self.text} {self.effect}"


@dataclass
class ParsedSearch:
    terms: list[Term] = field(default_factory=list)
    problems: list[SearchProblem] = field(default_factory=list)

    def report(self, text: str, effect: str = IGNORED) -> None:
        problem = SearchProblem(text, effect)
        if problem not in self.problems:
            self.problems.append(problem)

    @property
    def nothing_left(self) -> bool:
        """Something was typed, but none of it could be searched: the list is not narrowed at all."""
        return bool(self.problems) and not self.terms


@dataclass(frozen=True)
class _Token:
    raw: str
    match: re.Match

    @property
    def is_operator(self) -> bool:
        return self.raw in OPERATORS


def parse_search(text: str) -> ParsedSearch:
    parsed = ParsedSearch()
    tokens = [_Token(match.group(0).strip(), match) for match in _TOKEN.finditer(text or "")]
    for index, token in enumerate(tokens):
        if token.is_operator:
            before = tokens[index - 1] if index > 0 else None
            after = tokens[index + 1] if index + 1 < len(tokens) else None
            _check_operator(parsed, token.raw, before, after)
        else:
            _read_operand(parsed, token.match)
    return parsed


def _check_operator(parsed: ParsedSearch, word: str, before: _Token | None, after: _Token | None) -> None:
    """AND joins the terms on either side of it; anything else an operator can be is reported."""
    if before is None and after is None:
        parsed.report(f"“{word}” on its own joins nothing.")
    elif before is None:
        parsed.report(f"“{word}” at the start joins nothing.")
    elif before.is_operator:
        parsed.report(f"“{before.raw} {word}”: two operators in a row; the second one means nothing.")
    elif after is None:
        parsed.report(f"“{word}” at the end joins nothing.")
    elif word == "OR":
        parsed.report(
            "OR is not supported (the API joins terms with AND only).", "All terms had to match instead."
        )


def _read_operand(parsed: ParsedSearch, match: re.Match) -> None:
    if match.group("stray"):
        parsed.report("A quotation mark was not closed.")
    elif match.group("field"):
        _read_field(parsed, match)
    elif match.group("phrase") is not None:
        phrase = match.group("phrase").strip()
        if phrase:
            _add_value(parsed, "text", phrase)
        else:
            parsed.report('Empty quotes (“""”) hold nothing to search for.')
    elif match.group("word") == "-":
        # Most likely the dash of a name typed without its quotes ("Sintel - trailer").
        parsed.report("A lone “-” is not a search term (and excluding terms is not supported).")
    else:
        _add_value(parsed, "text", match.group("word"))


def _read_field(parsed: ParsedSearch, match: re.Match) -> None:
    name = match.group("field").lower()
    quoted = match.group("quoted")
    value = quoted + match.group("star") if quoted is not None else match.group("bare")
    if match.group("minus"):
        written = match.group(0).strip()
        parsed.report(
            f"“{written}”: excluding terms is not supported (the API joins terms with AND only).",
            "The term was ignored.",
        )
        return
    if name not in FIELDS:
        # Searched as text rather than dropped: a colon is common in names ("Recap:Finale"), and a mistyped
        # field (nmae:test) then narrows the list to nothing instead of widening it to everything.
        literal = f"{match.group('field')}:{quoted if quoted is not None else value}"
        parsed.report(
            f"“{name}:” is not a search field; the fields are {FIELD_NAMES}. "
            f"To search the names for the text “{literal}”, put it in quotes.",
            "The names were searched for that text.",
        )
        _add_value(parsed, "text", literal)
        return
    if not value:
        parsed.report(f"“{name}:” has no value.")
        return
    _add_value(parsed, FIELDS[name], value)


def _add_value(parsed: ParsedSearch, kind: str, value: str) -> None:
    prefix = kind != "text" and value.endswith("*")
    core = value[:-1] if prefix else value
    if "*" in core:
        if kind == "text":
            core = core.replace("*", "")
        else:
            parsed.report(
                f"“{value}”: a wildcard is only allowed at the end of a value.", "The term was ignored."
            )
            return
    if not core:
        parsed.report(f"“{value}” matches everything.", "The term was ignored.")
        return
    parsed.terms.append(Term(field=kind, value=core[:200], prefix=prefix))


def search_q(parsed: ParsedSearch, *, words_by_index: bool = True, prefixes_by_index: bool = True) -> Q:
    """A Q object for Encoding rows; every term must match. With ``words_by_index`` (``prefixes_by_index``)
    False, a plain word (a name:prefix*) is written so that no index can serve it and the rows themselves
    are read: the same rows either way."""
    condition = Q()
    for term in parsed.terms:
        if term.field == "text":
            condition &= Q(name__icontains=term.value) if words_by_index else _name_holds(term.value, 0)
        elif term.field == "name" and term.prefix:
            condition &= Q(name__istartswith=term.value) if prefixes_by_index else _name_holds(term.value, 1)
        elif term.field == "name":
            condition &= Q(name__iexact=term.value)
        else:
            lookup = "label__istartswith" if term.prefix else "label__iexact"
            # The organization as well as the encoding: the planner may then start from the label index
            # (a rare label's few rows) instead of walking the organization's list to probe each encoding.
            labelled = EncodingLabel.objects.filter(
                encoding=OuterRef("pk"), organization=OuterRef("organization"), **{lookup: term.value}
            )
            condition &= Q(Exists(labelled))
    return condition


def _name_holds(text: str, at: int) -> Q:
    """icontains (``at`` 0: anywhere) or istartswith (``at`` 1) as a function: no index matches it."""
    position = StrIndex(Upper("name"), Upper(Value(text)))
    return Q(GreaterThan(position, 0)) if at == 0 else Q(Exact(position, 1))


def has_name_patterns(parsed: ParsedSearch) -> bool:
    """Whether the search has a plain word or a name:prefix* (what the trigram and name indexes serve)."""
    return any(term.field == "text" or (term.field == "name" and term.prefix) for term in parsed.terms)


def word_index_pays_off(organization: Organization, parsed: ParsedSearch) -> bool:
    """Whether a plain word of this search is best looked up in the trigram index (PostgreSQL, a large
    organization). One planned, never run, query when the search has a plain word on PostgreSQL."""
    if connection.vendor != "postgresql" or not any(term.field == "text" for term in parsed.terms):
        return True
    estimate = planner_rows(organization.encodings.live())
    return estimate is None or estimate >= NAME_SCAN_LIMIT
