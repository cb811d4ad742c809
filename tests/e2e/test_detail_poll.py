"""In a real browser: the polls of the detail page, the overview and the encodings list send the ETag of
what is on screen, a 304 keeps the page as it is (htmx would otherwise swap in the empty answer), and a
change comes in with the next 200."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from encodings_app.bitmovin import types as api
from encodings_app.bitmovin.enums import Status
from encodings_app.models import Encoding
from encodings_app.services.mirror import apply_task
from encodings_app.views.common import POLL_SECONDS
from tests.e2e.conftest import log_in
from tests.factories import make_message, running_encoding

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def is_poll(response) -> bool:
    return response.request.headers.get("hx-request") == "true"


def a_304(page: Page):
    """Nothing changes: a poll answers 304 (within two polls, in case a minute turns in between)."""
    answers = []
    for _ in range(2):
        with page.expect_response(is_poll, timeout=12_000) as polled:
            pass
        answers.append(polled.value.status)
        if polled.value.status == 304:
            return polled.value
    raise AssertionError(f"no 304 among the polls: {answers}")


def test_a_304_keeps_the_live_part_and_a_change_replaces_it(live_server, page: Page, world):
    world.acme.last_sync_succeeded_at = timezone.now()
    world.acme.save()
    running = running_encoding(world.acme, name="Evening news", progress=37)
    make_message(running, type="INFO", text="Encoding started")
    log_in(page, live_server.url, "otto")
    page.goto(f"{live_server.url}/o/acme/encodings/{running.bitmovin_id}/")
    live = page.locator("#detail-live")
    clock = live.locator('time[data-precision="clock"]')
    rendered_at = clock.get_attribute("datetime")

    answer = a_304(page)
    assert answer.request.headers.get("if-none-match")
    expect(live.locator(".status-header .status-text")).to_have_text("Running")
    expect(live.locator(".status-header .progress-text")).to_have_text("37%")
    expect(live.locator(".msg-text")).to_have_text(["Encoding started"])
    # The read clock says when the server last confirmed it.
    expect(clock).not_to_have_attribute("datetime", rendered_at)

    # A change: the next poll brings it, and the one after sends the new tag.
    Encoding.objects.filter(pk=running.pk).update(progress=81)
    with page.expect_response(lambda r: is_poll(r) and r.status == 200, timeout=12_000) as changed:
        pass
    expect(live.locator(".status-header .progress-text")).to_have_text("81%")
    new_tag = changed.value.headers["etag"]
    expect(page.locator("#detail-live")).to_have_attribute("data-etag", new_tag)
    with page.expect_request(lambda r: r.headers.get("hx-request") == "true", timeout=12_000) as next_poll:
        pass
    assert next_poll.value.headers.get("if-none-match") == new_tag


@pytest.mark.parametrize(
    ("path", "live", "kind"), [("", "#overview-live", "overview"), ("encodings/", "#results", "list")]
)
def test_the_overviews_and_the_lists_304_keep_them_and_a_change_replaces_them(
    live_server, page: Page, world, monkeypatch, path, live, kind
):
    # The server runs in this process: shorter polls than the product's make a shorter test.
    monkeypatch.setitem(POLL_SECONDS, kind, 2)
    world.acme.last_sync_succeeded_at = timezone.now()
    world.acme.save()
    running = running_encoding(world.acme, name="Evening news", progress=37)
    log_in(page, live_server.url, "otto")
    page.goto(f"{live_server.url}/o/acme/{path}")
    part = page.locator(live)
    clock = part.locator('time[data-precision="clock"]')
    rendered_at = clock.get_attribute("datetime")

    answer = a_304(page)
    assert answer.request.headers.get("if-none-match") == part.get_attribute("data-etag")
    expect(part.get_by_text("Evening news")).to_be_visible()
    expect(part.locator(".progress-text")).to_have_text("37%")
    expect(clock).not_to_have_attribute("datetime", rendered_at)

    # A read of the mirror: the next poll brings it, and the one after sends the new tag.
    apply_task(running, api.Task(status=Status.RUNNING, progress=81))
    with page.expect_response(lambda r: is_poll(r) and r.status == 200, timeout=12_000) as changed:
        pass
    expect(page.locator(live).locator(".progress-text")).to_have_text("81%")
    new_tag = changed.value.headers["etag"]
    expect(page.locator(live)).to_have_attribute("data-etag", new_tag)
    with page.expect_request(lambda r: r.headers.get("hx-request") == "true", timeout=12_000) as next_poll:
        pass
    assert next_poll.value.headers.get("if-none-match") == new_tag
