"""Plain-words explanations of the API's error codes and of the encoder's retry hints.

``explain(code, raw_message)`` answers for every code of the API's published table; any other code, or none,
gets a generic explanation that shows the API's own words, so nothing is ever hidden from an operator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ._error_code_data import API_BASICS, ENCODER_ERRORS, ENTRIES, RETRY_HINT_TEXT, Entry
from .types import ErrorDetails

CATALOGUE: Mapping[int, Entry] = MappingProxyType(ENTRIES)


@dataclass(frozen=True)
class ErrorExplanation:
    code: int | None
    known: bool
    category: str
    title: str
    meaning: str
    what_to_do: str
    retry_helps: bool | None
    doc_url: str
    raw_message: str | None = None


def explain(code: int | None, raw_message: str | None = None) -> ErrorExplanation:
    """What an API error code means for an operator; unknown codes fall back to the raw message."""
    entry = CATALOGUE.get(code) if isinstance(code, int) and not isinstance(code, bool) else None
    if entry is not None:
        return ErrorExplanation(code, True, *entry, raw_message=raw_message)
    said = f' Its message: "{raw_message}".' if raw_message else ""
    title = f"Unrecognised error (code {code})" if code is not None else "Error without a code"
    return ErrorExplanation(
        code=code,
        known=False,
        category="Unknown",
        title=title,
        meaning=f"Bitmovin reported an error this dashboard has no explanation for.{said}",
        what_to_do="Read the message and details below; if the problem persists, contact Bitmovin support "
        "and quote the request id.",
        retry_helps=None,
        doc_url=API_BASICS,
        raw_message=raw_message,
    )


def explain_retry_hint(hint: str | None) -> str:
    """An operator's reading of an ErrorDetails ``retryHint``."""
    if hint is None:
        return "Bitmovin gave no hint whether starting again would help."
    return RETRY_HINT_TEXT.get(str(hint), f"Bitmovin gave an unrecognised retry hint ({hint}).")


def explain_error_details(details: ErrorDetails) -> ErrorExplanation:
    """Explain the encoder's error on a Task: its code when the table knows it, else its own category and
    text, with the retry hint deciding whether starting again can help."""
    hint = str(details.retry_hint) if details.retry_hint is not None else None
    retry_helps = {"RETRY": True, "RETRY_IN_DIFFERENT_REGION": True, "NO_RETRY": False}.get(hint or "")
    if details.code in CATALOGUE:
        known = explain(details.code, details.text)
        return ErrorExplanation(
            code=known.code,
            known=True,
            category=known.category,
            title=known.title,
            meaning=known.meaning,
            what_to_do=f"{known.what_to_do} {explain_retry_hint(hint)}",
            retry_helps=known.retry_helps if retry_helps is None else retry_helps,
            doc_url=known.doc_url,
            raw_message=details.text,
        )
    return ErrorExplanation(
        code=details.code,
        known=False,
        category=details.category or "Encoder",
        title=details.category or f"Encoder error {details.code}",
        meaning=details.text or "The encoder reported an error without a description.",
        what_to_do=explain_retry_hint(hint),
        retry_helps=retry_helps,
        doc_url=ENCODER_ERRORS,
        raw_message=details.text,
    )
