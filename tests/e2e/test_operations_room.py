"""What the operations room sees in a real browser: a live stream that has run for an hour is live, not stuck,
on every page that counts stuck encodings; a timeline reads in time order, also after the page updates; and
the demo's unknown addresses are the product's own 404 page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from encodings_app.models import Role
from encodings_app.services.display_links import display_link_create
from tests.e2e.conftest import csp_refusals, log_in
from tests.factories import (
    live_encoding,
    make_encoding,
    make_member,
    make_message,
    running_encoding,
)
from tests.support.web_server import DashboardServer
from tests.test_demo_mode import TECHNICAL_MARKERS, demo_environment, sign_in_on_the_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# live_encoding() went live 1 h 12 min before the test began; a slow run may be a few minutes later.
LIVE_FOR_AN_HOUR = re.compile(r"live for 1 h 1[2-9] min")


@pytest.fixture
def live_for_an_hour(world, settings):
    """Acme with a live stream RUNNING for 1 h 12 min at 0 % (its status read 20 s ago) and a VOD encoding
    whose progress has not moved for an hour: far past both stuck limits, and only the VOD one is stuck."""
    settings.STUCK_NO_PROGRESS_SECONDS = 600
    settings.STUCK_LIVE_NO_UPDATE_SECONDS = 900
    now = timezone.now()
    for organization in (world.acme, world.globex):
        organization.last_sync_succeeded_at = now
        organization.save()
    live_encoding(world.acme, last_read=timedelta(seconds=20))
    running_encoding(
        world.acme,
        name="Stalled ladder",
        progress=32,
        running_at=now - timedelta(hours=2),
        progress_changed_at=now - timedelta(hours=1),
    )
    # Two organizations, so that the operator's start page is the cards of both.
    make_member(world.globex, Role.VIEWER, user=world.operator)
    _, token = display_link_create(label="Ops room", organizations=[world.acme])
    return token


def test_a_live_encoding_running_for_an_hour_is_live_and_not_stuck(live_server, page: Page, live_for_an_hour):
    base = live_server.url
    log_in(page, base, "otto")

    # The start page's card for Acme counts one stuck encoding: the stalled VOD one.
    card = page.locator("li", has=page.get_by_role("heading", name="Acme Media"))
    expect(card.locator("a[href$='?stuck=1']")).to_have_text("1")

    page.goto(f"{base}/o/acme/")
    expect(page.locator("main a[href$='?stuck=1'] .count-number")).to_have_text("1")
    running = page.locator("section", has=page.get_by_role("heading", name="Running"))
    live_row = running.locator("li", has_text="Main stage live")
    expect(live_row.locator(".chip-live")).to_have_text("LIVE")
    expect(live_row).to_contain_text(LIVE_FOR_AN_HOUR)
    expect(live_row.locator("progress")).to_have_count(0)
    waiting = page.locator("section", has=page.get_by_role("heading", name="and stuck"))
    expect(waiting).to_contain_text("Stalled ladder")
    expect(waiting).not_to_contain_text("Main stage live")

    # The stuck count leads to the list of stuck encodings: the live stream is not on it.
    page.locator("main a[href$='?stuck=1']").click()
    page.wait_for_url(lambda url: "stuck=1" in url)
    expect(page.get_by_role("link", name="Stalled ladder")).to_be_visible()
    expect(page.locator("main").get_by_text("Main stage live")).to_have_count(0)

    # The wall shows it among the running ones, LIVE, and not in the stuck list.
    page.goto(f"{base}/wall/{live_for_an_hour}/")
    wall_live = page.locator(".wall-item", has_text="Main stage live")
    expect(wall_live).to_have_count(1)
    expect(wall_live.locator(".chip-live")).to_have_text("LIVE")
    expect(wall_live).to_contain_text(LIVE_FOR_AN_HOUR)
    expect(page.locator(".wall-item-stuck", has_text="Main stage live")).to_have_count(0)
    expect(page.locator(".wall-item-stuck", has_text="Stalled ladder")).to_have_count(1)


def test_the_timeline_is_in_time_order_across_subtasks_and_stays_so_when_the_page_updates(
    live_server, page: Page, world
):
    encoding = running_encoding(world.acme, name="Evening news")
    start = timezone.now() - timedelta(minutes=30)
    # Stored out of time order, and spread over subtasks and the encoding itself.
    for minute, subtask, text in [
        (20, "ENCODING", "Muxing started"),
        (1, "DOWNLOAD", "Input downloaded"),
        (12, "", "Input has variable frame rate"),
        (5, "ANALYSIS", "Analysis finished"),
    ]:
        make_message(
            encoding, type="INFO", subtask=subtask, text=text, date=start + timedelta(minutes=minute)
        )
    log_in(page, live_server.url, "vera")
    page.goto(f"{live_server.url}/o/acme/encodings/{encoding.bitmovin_id}/")

    texts = page.locator("#messages .msg-text")
    expect(texts).to_have_text(
        ["Input downloaded", "Analysis finished", "Input has variable frame rate", "Muxing started"]
    )
    expect(page.locator("#messages h3.msg-group")).to_have_count(0)
    expect(page.locator("#messages")).to_contain_text("In time order")

    # A message read late that happened early takes its place in time when the page updates itself.
    make_message(
        encoding,
        type="WARNING",
        subtask="ANALYSIS",
        text="Audio track 2 is silent",
        date=start + timedelta(minutes=7),
    )
    with page.expect_response(lambda answer: answer.request.headers.get("hx-request") == "true"):
        page.evaluate(
            "() => document.querySelectorAll('[data-poll]').forEach((e) => htmx.trigger(e, 'poll-now'))"
        )
    expect(texts).to_have_text(
        [
            "Input downloaded",
            "Analysis finished",
            "Audio track 2 is silent",
            "Input has variable frame rate",
            "Muxing started",
        ]
    )
    stamps = page.locator("#messages .msg-date time").evaluate_all("(times) => times.map((t) => t.dateTime)")
    assert stamps == sorted(stamps) and len(stamps) == 5


@pytest.mark.slow
def test_unknown_addresses_under_the_demo_settings_show_the_products_404_page(
    browser: Browser, world, tmp_path
):
    elsewhere = make_encoding(world.globex, name="Their encoding")
    sign_in_on_the_demo(world.viewer)
    server = DashboardServer(env=demo_environment(tmp_path / "var")).start()
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        refused = csp_refusals(page)
        failed_assets: list[str] = []
        page.on(
            "response",
            lambda answer: (
                failed_assets.append(answer.url)
                if "/static/" in answer.url and answer.status != 200
                else None
            ),
        )

        def shows_the_products_404(path: str) -> None:
            answer = page.goto(server.url + path)
            assert answer is not None and answer.status == 404, path
            expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
            expect(page.get_by_role("link", name="Back to the start page")).to_be_visible()
            html = page.content()
            assert [marker for marker in TECHNICAL_MARKERS if marker in html] == [], path

        shows_the_products_404("/no/such/page/")
        shows_the_products_404("/wall/not-a-token/")
        log_in(page, server.url, world.viewer.username)
        shows_the_products_404(f"/o/globex/encodings/{elsewhere.bitmovin_id}/")
        # Signed in, the page keeps the site's header: the way home and out.
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        assert failed_assets == [] and refused == []
    finally:
        context.close()
        server.close()
