"""The timeline's pages hold the encoding's messages in the one time order, undated ones first, each message
on exactly one page, whichever end of the order a page is read from (the back half is read backwards)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from encodings_app.models import Message
from encodings_app.selectors.detail import MESSAGES_PER_PAGE, message_timeline
from encodings_app.services.mirror import message_counts_store
from tests.factories import message_history, running_encoding

pytestmark = pytest.mark.django_db

SHOWN = ["INFO", "WARNING", "ERROR"]


@pytest.fixture
def encoding(world):
    encoding = running_encoding(world.acme)
    message_history(encoding, 4 * MESSAGES_PER_PAGE + 41, seed=11, undated_every=37, within_seconds=120)
    return encoding


def expected(encoding, *, by_subtask: bool) -> list[int]:
    """Every shown message's id in the page's order, sorted here in Python."""
    rows = Message.objects.filter(encoding=encoding, type__in=SHOWN).values_list("pk", "date", "subtask")
    undated = timezone.now()  # any one time: undated ones sort first, by id

    def key(row):
        pk, date, subtask = row
        in_time = (date is not None, date or undated, pk)
        return (subtask, *in_time) if by_subtask else in_time

    return [row[0] for row in sorted(rows, key=key)]


@pytest.mark.parametrize("kept", [False, True], ids=["counted", "kept-counts"])
@pytest.mark.parametrize("by_subtask", [False, True], ids=["in-time", "by-subtask"])
def test_the_pages_hold_every_message_once_in_order_from_either_end(encoding, by_subtask, kept):
    if kept:
        message_counts_store(encoding=encoding)
    first, _ = message_timeline(encoding, types=SHOWN, page=1, by_subtask=by_subtask)
    shown = []
    for page in range(1, first.pages + 1):
        timeline, corrected = message_timeline(encoding, types=SHOWN, page=page, by_subtask=by_subtask)
        assert not corrected
        assert len(timeline.messages) == min(MESSAGES_PER_PAGE, timeline.total_shown - len(shown))
        shown.extend(message.pk for message in timeline.messages)

    assert first.pages >= 3, "a first page, a middle one and a last one read from the end"
    assert shown == expected(encoding, by_subtask=by_subtask)
