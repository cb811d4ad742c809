"""The error-code catalogue: exactly the published codes, each explained for an operator."""

from __future__ import annotations

import pytest

from encodings_app.bitmovin import ErrorDetails, RetryHint, explain, explain_error_details, explain_retry_hint
from encodings_app.bitmovin.error_codes import CATALOGUE

# The codes of the API's published error table ("How to use the API", API Error Codes).
PUBLISHED_CODES = [
    *range(1000, 1007),
    *(2000, 2001, *range(2003, 2012), *range(2014, 2031), 2039, 2042, 2047),
    *range(2100, 2108),
    *range(2200, 2206),
    *range(2300, 2303),
    *range(2400, 2406),
    *(2500, 2501, 2600, 7000, 8000, 8001, 8003, 8004),
]


def test_catalogue_has_exactly_the_published_codes():
    assert sorted(CATALOGUE) == sorted(PUBLISHED_CODES)
    assert len(CATALOGUE) == 69


@pytest.mark.parametrize("code", PUBLISHED_CODES)
def test_every_code_is_explained_completely_with_a_documentation_link(code):
    explanation = explain(code, "raw text from the API")

    assert explanation.known
    assert explanation.code == code
    assert explanation.title and explanation.meaning and explanation.what_to_do and explanation.category
    assert isinstance(explanation.retry_helps, bool)
    assert explanation.doc_url.startswith(
        ("https://developer.bitmovin.com/encoding/docs/", "https://developer.bitmovin.com/encoding/reference")
    )
    assert explanation.raw_message == "raw text from the API"


def test_categories_follow_the_code_ranges():
    assert explain(1002).category == "General"
    assert explain(2021).category == "Encoding"
    assert explain(2103).category == "Input"
    assert explain(2202).category == "Output"
    assert explain(2301).category == "Codec configuration"
    assert explain(2402).category == "Filter"
    assert explain(2501).category == "Manifest"
    assert explain(2600).category == "Transfer"
    assert explain(7000).category == "Notification"
    assert explain(8004).category == "Account limits"


def test_transient_problems_say_a_retry_can_help_and_configuration_problems_do_not():
    assert explain(2104).retry_helps is True
    assert explain(8004).retry_helps is True
    assert explain(1002).retry_helps is False
    assert explain(2039).retry_helps is False


@pytest.mark.parametrize("code", [2002, 8002, 9999, -1, None])
def test_unknown_codes_get_a_generic_entry_showing_the_raw_message(code):
    explanation = explain(code, "Something odd happened")

    assert not explanation.known
    assert explanation.retry_helps is None
    assert "Something odd happened" in explanation.meaning
    assert explanation.raw_message == "Something odd happened"
    assert explanation.doc_url.startswith("https://developer.bitmovin.com/encoding/")


def test_unknown_code_without_a_message_still_reads_well():
    explanation = explain(4242)
    assert explanation.title == "Unrecognised error (code 4242)"
    assert explanation.meaning.endswith("no explanation for.")


@pytest.mark.parametrize("hint", list(RetryHint))
def test_every_retry_hint_has_its_own_text(hint):
    text = explain_retry_hint(hint)
    assert text
    assert text == explain_retry_hint(str(hint.value))


def test_retry_hint_texts_differ_and_unknown_hints_are_named():
    texts = {explain_retry_hint(hint) for hint in RetryHint}
    assert len(texts) == 4
    assert "SOMETIMES" in explain_retry_hint("SOMETIMES")
    assert explain_retry_hint(None)


def test_encoder_error_details_are_explained_with_their_retry_hint():
    explanation = explain_error_details(
        ErrorDetails(
            code=10005, category="DECODING ERROR", text="Could not decode frame 12", retry_hint="NO_RETRY"
        )
    )

    assert not explanation.known
    assert explanation.title == "DECODING ERROR"
    assert explanation.meaning == "Could not decode frame 12"
    assert explanation.retry_helps is False
    assert explanation.doc_url == "https://developer.bitmovin.com/encoding/reference/encoder-errors"


def test_encoder_error_details_with_a_published_code_use_the_catalogue_and_the_hint():
    explanation = explain_error_details(
        ErrorDetails(
            code=2204, category="OUTPUT", text="Upload failed", retry_hint=RetryHint.RETRY_IN_DIFFERENT_REGION
        )
    )

    assert explanation.known
    assert explanation.title == "Output upload failed"
    assert explanation.retry_helps is True
    assert "another cloud region" in explanation.what_to_do
    assert explanation.raw_message == "Upload failed"
