"""The phase in which an encoding failed is marked apart on the detail page: a red cross marker, and words for
screen readers, not only a colour; no other phase, and no phase of an encoding that did not fail, has it."""

from __future__ import annotations

import re

import pytest

from encodings_app.selectors.detail import phases
from tests.factories import failed_encoding, make_encoding, running_encoding

pytestmark = pytest.mark.django_db


def phase_items(html: str) -> list[str]:
    """The markup of each phase of the page's phase list, in order."""
    listing = html.split('<ol class="phases">')[1].split("</ol>")[0]
    return re.findall(r'<li class="phase[^"]*">.*?</li>', listing, flags=re.S)


def failed_items(html: str) -> list[str]:
    return [item for item in phase_items(html) if "phase-failed" in item.split(">", 1)[0]]


@pytest.mark.parametrize(("status", "name"), [("ERROR", "Error"), ("TRANSFER_ERROR", "Transfer error")])
def test_the_phase_that_says_it_failed_has_a_cross_marker_and_words(world, login, status, name):
    encoding = failed_encoding(world.acme, status=status)
    html = login(world.viewer).get(f"/o/acme/encodings/{encoding.bitmovin_id}/").content.decode()
    items = phase_items(html)
    assert len(items) == 4
    [failed] = failed_items(html)
    assert failed == items[-1]
    # The cross glyph (the icon set's "cross") as the marker, hidden from screen readers ...
    assert '<svg class="phase-marker" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"' in failed
    assert 'd="M4 4l8 8M12 4l-8 8"' in failed
    # ... which read the words instead.
    assert f'<span class="phase-name"><span class="visually-hidden">Failed: </span>{name}</span>' in failed
    for other in items[:-1]:
        assert "phase-marker" not in other and "Failed: " not in other


@pytest.mark.parametrize("status", ["FINISHED", "CANCELED"])
def test_an_encoding_that_did_not_fail_has_no_failed_phase(world, login, status):
    encoding = make_encoding(world.acme, status=status)
    html = login(world.viewer).get(f"/o/acme/encodings/{encoding.bitmovin_id}/").content.decode()
    assert len(phase_items(html)) == 4
    assert failed_items(html) == []
    assert "phase-marker" not in html


def test_a_running_encoding_has_no_failed_phase(world, login):
    encoding = running_encoding(world.acme)
    html = login(world.viewer).get(f"/o/acme/encodings/{encoding.bitmovin_id}/").content.decode()
    assert failed_items(html) == []


def test_only_the_ending_phase_of_a_failed_encoding_is_failed(world):
    marked = [phase.failed for phase in phases(failed_encoding(world.acme))]
    assert marked == [False, False, False, True]
