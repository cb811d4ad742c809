"""When an accepted action's pending mark counts as settled (Encoding.pending_mark), and how a status read
clears it (mirror.apply_task) without ever clearing a newer action's mark."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from encodings_app.bitmovin import types as api
from encodings_app.bitmovin.enums import Status
from encodings_app.models import Encoding
from encodings_app.services.mirror import apply_task
from tests.factories import make_encoding, make_organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    return make_organization("acme")


def marked(
    organization, *, status="RUNNING", action="stop", expected="CANCELED", ago=3, **fields
) -> Encoding:
    return make_encoding(
        organization,
        status=status,
        pending_action=action,
        pending_status=expected,
        pending_from=status,
        pending_since=timezone.now() - timedelta(seconds=ago),
        **fields,
    )


def test_a_fresh_mark_is_in_effect_and_leads_the_offered_state(acme):
    encoding = marked(acme)
    mark = encoding.pending_mark()
    assert mark is not None and (mark.action, mark.expected_status, mark.from_status) == (
        "stop",
        "CANCELED",
        "RUNNING",
    )
    assert encoding.effective_status == "CANCELED" and encoding.status == "RUNNING"


def test_a_mark_settles_when_the_status_moves_anywhere(acme):
    # Not only to the expected state: a stop that came too late finds the encoding finished.
    encoding = marked(acme)
    encoding.status = "FINISHED"
    assert encoding.pending_mark() is None and encoding.effective_status == "FINISHED"


def test_a_live_restart_settles_when_a_new_run_begins_in_the_same_status(acme):
    encoding = marked(
        acme,
        type="LIVE",
        action="restart-live",
        expected="QUEUED",
        ago=10,
        running_at=timezone.now() - timedelta(hours=1),
    )
    assert encoding.pending_mark() is not None
    encoding.running_at = timezone.now() - timedelta(seconds=2)  # after the request
    assert encoding.pending_mark() is None


def test_a_mark_settles_when_bitmovin_no_longer_lists_the_encoding(acme):
    encoding = marked(acme, status="FINISHED", action="delete", expected="")
    assert encoding.pending_mark() is not None and encoding.effective_status == ""
    encoding.deleted_at = timezone.now()
    assert encoding.pending_mark() is None


def test_a_mark_expires_after_the_setting(acme, settings):
    settings.PENDING_ACTION_SECONDS = 60
    assert marked(acme, ago=59).pending_mark() is not None
    assert marked(acme, ago=61).pending_mark() is None


def test_a_read_of_the_same_status_keeps_the_mark_and_a_read_of_another_clears_it(acme):
    encoding = marked(acme, progress=40)
    apply_task(encoding, api.Task(status=Status.RUNNING, progress=45))
    encoding.refresh_from_db()
    assert encoding.pending_action == "stop"

    apply_task(encoding, api.Task(status=Status.CANCELED, progress=45))
    encoding.refresh_from_db()
    assert (encoding.pending_action, encoding.pending_status, encoding.pending_since) == ("", "", None)


def test_a_read_clears_an_expired_mark(acme, settings):
    encoding = marked(acme, ago=settings.PENDING_ACTION_SECONDS + 5)
    apply_task(encoding, api.Task(status=Status.RUNNING, progress=45))
    encoding.refresh_from_db()
    assert encoding.pending_action == ""


def test_a_read_never_clears_a_mark_written_after_it_loaded_the_row(acme, settings):
    stale = marked(acme, ago=settings.PENDING_ACTION_SECONDS + 5)
    newer = timezone.now()
    # An operator's new stop is accepted while the read is on its way.
    Encoding.objects.filter(pk=stale.pk).update(pending_since=newer)

    apply_task(stale, api.Task(status=Status.RUNNING, progress=45))

    fresh = Encoding.objects.get(pk=stale.pk)
    assert (fresh.pending_action, fresh.pending_since) == ("stop", newer)
