"""Documentation links point only at Bitmovin pages checked to exist (see tests/fixtures)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from encodings_app.bitmovin.error_codes import CATALOGUE, explain, explain_error_details
from encodings_app.bitmovin.types import ErrorDetails

ROOT = Path(__file__).resolve().parents[2]
CHECKED = frozenset(
    line.strip()
    for line in (ROOT / "tests/fixtures/bitmovin-doc-links.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
)
# Addresses of the API itself, not documentation: the client's default base URL.
API_ADDRESSES = frozenset({"https://api.bitmovin.com/v1"})
ADDRESS = re.compile(r"https?://(?:[\w-]+\.)*bitmovin\.com[^\s\"'`<>)\]]*")


def addresses_in(folder: str) -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / folder).rglob("*")):
        if path.suffix in {".py", ".html", ".js", ".txt"} and "migrations" not in path.parts:
            for address in ADDRESS.findall(path.read_text()):
                found.append((str(path.relative_to(ROOT)), address.rstrip(".,;:")))
    return found


@pytest.mark.parametrize("folder", ["encodings_app", "simulator", "templates"])
def test_every_bitmovin_address_in_the_source_is_a_checked_page(folder):
    found = addresses_in(folder)
    unchecked = [(where, address) for where, address in found if address not in CHECKED | API_ADDRESSES]

    assert found or folder == "templates"
    assert unchecked == []


def test_the_checked_list_has_no_anchors_or_guessed_titles():
    # No anchor on that site could be confirmed, and these two addresses are the known wrong guesses.
    assert not [address for address in CHECKED if "#" in address]
    assert "https://developer.bitmovin.com/encoding/docs/encoding-webhooks" not in CHECKED
    assert (
        "https://developer.bitmovin.com/encoding/docs/understanding-the-different-encoding-states"
        not in CHECKED
    )


def test_every_error_explanation_links_a_checked_page():
    links = {explain(code).doc_url for code in CATALOGUE}
    links.add(explain(99999, "odd").doc_url)
    links.add(
        explain_error_details(ErrorDetails(code=-1, category="X", text="t", retry_hint="RETRY")).doc_url
    )

    assert links <= CHECKED
    assert explain(7000).doc_url == "https://developer.bitmovin.com/encoding/docs/ecoding-webhooks"
    assert explain(2028).doc_url.endswith("/what-do-the-different-encodings-state-mean")
