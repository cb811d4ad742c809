"""Actions cannot be flooded: at most one refresh of an encoding waits in the outbox, at most one drain in
the broker, and each user has a limit of actions per window, answered in plain words on the pages."""

from __future__ import annotations

import re
import uuid

import pytest

from encodings_app.models import AuditEvent, PendingRefresh
from encodings_app.services.refresh_outbox import refresh_drain
from tests.factories import make_encoding
from tests.support.api_client import point_at
from tests.support.broker import queued_tasks

pytestmark = pytest.mark.django_db

DRAIN_TASK = "refresh.drain"


@pytest.fixture
def broker_drains():
    """How many drains wait in the real broker; none before the test, and none left after it."""

    def remove_all() -> None:
        for task in queued_tasks(DRAIN_TASK):
            task.remove()

    remove_all()
    yield lambda: len(queued_tasks(DRAIN_TASK))
    remove_all()


def unique_encoding(organization, **fields):
    # Ids no other test or run uses, so that only this test's messages in the broker are counted.
    return make_encoding(organization, bitmovin_id=f"enc-{uuid.uuid4().hex}", status="RUNNING", **fields)


def refresh_url(encoding) -> str:
    return f"/o/{encoding.organization.slug}/encodings/{encoding.bitmovin_id}/refresh/"


def flash(client, location: str) -> str:
    html = client.get(location).content.decode()
    found = re.search(r'<ul class="flash">(.*?)</ul>', html, re.S)
    return found.group(1) if found else ""


@pytest.mark.slow
def test_a_thousand_refresh_posts_leave_one_pending_refresh_per_encoding_and_one_drain_in_the_broker(
    world, login, settings, broker_drains, django_capture_on_commit_callbacks
):
    settings.ACTION_RATE_LIMIT = 10_000  # what holds the queue down here is the outbox, not the limit
    first, second = unique_encoding(world.acme), unique_encoding(world.acme)
    client = login(world.viewer)

    with django_capture_on_commit_callbacks(execute=True):
        answers = [client.post(refresh_url((first, second)[index % 2])) for index in range(1000)]

    assert {answer.status_code for answer in answers} == {302}
    waiting = dict(PendingRefresh.objects.values_list("bitmovin_id", "requests"))
    assert waiting == {first.bitmovin_id: 500, second.bitmovin_id: 500}
    assert broker_drains() == 1, "every request nudged the drain, and one drain message was sent"
    assert "A refresh of this encoding is already on its way" in flash(client, answers[-1]["Location"])


def test_once_the_waiting_refresh_has_run_the_next_request_asks_for_a_new_one(world, login, enqueued):
    encoding = unique_encoding(world.acme)
    world.acme.sync_enabled = False  # the refresh then reads nothing: only its bookkeeping is under test
    world.acme.save()
    client = login(world.viewer)
    client.post(refresh_url(encoding))
    already = client.post(refresh_url(encoding))
    assert enqueued == [(world.acme.pk, encoding.bitmovin_id)]
    assert "already on its way" in flash(client, already["Location"])

    assert refresh_drain(time_budget_seconds=10).refreshed == 1
    assert enqueued == []

    answer = client.post(refresh_url(encoding))
    assert enqueued == [(world.acme.pk, encoding.bitmovin_id)]
    assert "A fresh read of" in flash(client, answer["Location"])


def test_refreshes_past_the_users_limit_are_refused_in_plain_words(world, login, settings, enqueued):
    settings.ACTION_RATE_LIMIT = 3
    encodings = [unique_encoding(world.acme) for _ in range(4)]
    client = login(world.viewer)
    for encoding in encodings[:3]:
        assert client.post(refresh_url(encoding)).status_code == 302

    refused = client.post(refresh_url(encodings[3]))

    assert refused.status_code == 302
    page = client.get(refused["Location"])
    assert page.status_code == 200, "the page still renders, with the answer on it"
    message = re.search(r'<li class="flash-error">(.*?)</li>', page.content.decode(), re.S).group(1)
    assert "You have asked for more than 3 actions in a minute" in message
    assert re.search(r"Try again in \d+ s\.", message)
    htmx = client.post(refresh_url(encodings[3]), headers={"HX-Request": "true"})
    assert htmx.status_code == 429 and "Try again in" in htmx.content.decode()
    assert len(enqueued) == 3
    # Another user's limit is their own.
    assert login(world.operator).post(refresh_url(encodings[3])).status_code == 302
    assert len(enqueued) == 4


def test_an_action_past_the_limit_answers_429_with_the_confirmation_page_and_sends_nothing(
    world, login, settings, enqueued
):
    settings.ACTION_RATE_LIMIT = 1
    encoding = unique_encoding(world.acme)
    client = login(world.operator)
    client.post(refresh_url(encoding))  # the one action of this window

    # The organization's Bitmovin is an address nobody answers on: anything sent would fail, not pass.
    point_at(world.acme, base_url="http://127.0.0.1:9/v1")
    response = client.post(f"/o/acme/encodings/{encoding.bitmovin_id}/actions/stop/", {"back": ""})

    assert response.status_code == 429
    html = response.content.decode()
    assert "Stop this encoding?" in html and "Yes, stop" in html
    assert "You have asked for more than 1 action in a minute" in html
    stop = AuditEvent.objects.get(action=AuditEvent.Action.ENCODING_STOP)
    assert stop.outcome == AuditEvent.Outcome.REFUSED and "action limit" in stop.detail
    # A flood leaves one entry per window, not one per refused request.
    for _ in range(5):
        client.post(f"/o/acme/encodings/{encoding.bitmovin_id}/actions/stop/", {"back": ""})
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ENCODING_STOP).count() == 1
