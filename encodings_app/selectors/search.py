"""The free-text search box: the API's ``name:`` / ``labels:`` syntax, plus plain words.

The API accepts exact and prefix (``value*``) matches on ``name`` and ``labels``, case-insensitive, joined by
``AND`` only (see the list endpoint in the API reference). The dashboard accepts the same, so that a query
copied from a script works here, and treats any other word as "the name contains this word". What it cannot
honour (``OR``, a wildcard that is not at the end) is reported, never silently reinterpreted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q

from encodings_app.models import EncodingLabel

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<field>[A-Za-z]+):(?:"(?P<quoted>[^"]*)"|(?P<bare>[^\s"]*))
      | "(?P<phrase>[^"]*)"
      | (?P<word>[^\s"]+)
      | (?P<stray>")
    )""",
    re.VERBOSE,
)
FIELDS = {"name": "name", "label": "labels", "labels": "labels"}


@dataclass(frozen=True)
class Term:
    field: str  # "name", "labels" or "text" (a plain word: the name contains it)
    value: str
    prefix: bool = False


@dataclass
class ParsedSearch:
    terms: list[Term] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def parse_search(text: str) -> ParsedSearch:
    parsed = ParsedSearch()
    for match in _TOKEN.finditer(text or ""):
        if match.group("stray"):
            parsed.problems.append("A quotation mark was not closed; it was ignored.")
            continue
        if match.group("field"):
            name = match.group("field").lower()
            value = match.group("quoted") if match.group("quoted") is not None else match.group("bare")
            if name not in FIELDS:
                # Not one of the API's fields: most likely a name with a colon in it ("Match 20:30").
                _add_value(parsed, "text", match.group(0).strip().strip('"'))
                continue
            if not value:
                parsed.problems.append(f"“{name}:” has no value; it was ignored.")
                continue
            _add_value(parsed, FIELDS[name], value)
            continue
        if match.group("phrase") is not None:
            if match.group("phrase").strip():
                _add_value(parsed, "text", match.group("phrase").strip())
            continue
        word = match.group("word")
        if word == "AND":
            continue
        if word == "OR":
            parsed.problems.append(
                "OR is not supported (the API joins terms with AND only); all terms must match."
            )
            continue
        _add_value(parsed, "text", word)
    return parsed


def _add_value(parsed: ParsedSearch, kind: str, value: str) -> None:
    prefix = kind != "text" and value.endswith("*")
    core = value[:-1] if prefix else value
    if "*" in core:
        if kind == "text":
            core = core.replace("*", "")
        else:
            parsed.problems.append(
                f"“{value}”: a wildcard is only allowed at the end of a value; the term was ignored."
            )
            return
    if not core:
        if not prefix:
            return
        parsed.problems.append(f"“{value}” matches everything; the term was ignored.")
        return
    parsed.terms.append(Term(field=kind, value=core[:200], prefix=prefix))


def search_q(parsed: ParsedSearch) -> Q:
    """A Q object for Encoding rows; every term must match."""
    condition = Q()
    for term in parsed.terms:
        if term.field == "text":
            condition &= Q(name__icontains=term.value)
        elif term.field == "name":
            condition &= Q(name__istartswith=term.value) if term.prefix else Q(name__iexact=term.value)
        else:
            lookup = "label__istartswith" if term.prefix else "label__iexact"
            labelled = EncodingLabel.objects.filter(encoding=OuterRef("pk"), **{lookup: term.value})
            condition &= Q(Exists(labelled))
    return condition
