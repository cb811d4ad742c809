"""The wall display in headless Chromium: both TV resolutions, and a screen that is never silently stale."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from encodings_app.models import AlertKind, Organization
from encodings_app.selectors.wall import INCIDENT_LINES
from encodings_app.services.display_links import display_link_create, display_link_revoke
from encodings_app.services.liveness import BEAT, heartbeat_record, watched_processes
from encodings_app.services.mirror import bump_data_version
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.wall_fleet import wall_fleet
from tests.factories import make_encoding, make_incident, make_organization
from tests.support.web_server import DashboardServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wall_world(poll_seconds: int = 10) -> str:
    now = timezone.now()
    acme = make_organization("acme", name="Acme Media", colour="#1d5bb8")
    globex = make_organization("globex", name="Globex Broadcasting", colour="#b3261e")
    Organization.objects.update(last_sync_succeeded_at=now)
    for number in range(5):
        make_encoding(
            acme,
            name=f"Episode {number + 1:02d} master",
            status="RUNNING",
            progress=15 * number + 10,
            running_at=now - timedelta(minutes=number),
            eta_seconds=60 * (5 - number),
        )
    make_encoding(acme, name="Trailer 4K", status="QUEUED", queued_at=now - timedelta(minutes=2))
    make_encoding(acme, name="Archive import", status="QUEUED", queued_at=now - timedelta(hours=3))
    make_encoding(
        acme,
        name="Highlights Eagles vs Falcons",
        status="ERROR",
        error_code=2100,
        error_category="Input",
        error_retry_hint="NO_RETRY",
        finished_at=now - timedelta(minutes=7),
    )
    make_encoding(globex, name="Morning show", status="RUNNING", progress=64, running_at=now)
    make_encoding(globex, name="News at nine", status="FINISHED", finished_at=now - timedelta(minutes=1))
    _, token = display_link_create(label="NOC", organizations=[acme, globex], poll_seconds=poll_seconds)
    return token


@pytest.mark.parametrize(("name", "width", "height"), [("1080p", 1920, 1080), ("4k", 3840, 2160)])
def test_wall_fills_a_tv_screen_at_both_resolutions(browser, live_server, name, width, height):
    token = wall_world()
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme="dark")
    try:
        page = context.new_page()
        refused: list[str] = []
        page.on(
            "console", lambda message: refused.append(message.text) if "Refused" in message.text else None
        )
        page.goto(f"{live_server.url}/wall/{token}/")
        expect(page.get_by_text("Episode 01 master")).to_be_visible()
        expect(page.get_by_text("Input file not found")).to_be_visible()
        expect(page.locator("#wall-updated")).to_contain_text("updated")
        root_size = float(page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)"))
        # Type scales with the screen: about 18 px on 1080p, twice that on 4K.
        assert root_size == pytest.approx(width * 0.0095, rel=0.05)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"wall-{name}.png"))
        assert refused == []
    finally:
        context.close()


@pytest.mark.slow
def test_stale_banner_appears_when_the_server_is_gone_and_the_screen_recovers(browser):
    token = wall_world(poll_seconds=2)
    server = DashboardServer().start()
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, color_scheme="dark")
    try:
        page = context.new_page()
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{server.url}/wall/{token}/")
        expect(page.get_by_text("Episode 01 master")).to_be_visible()
        assert token not in page.url
        alert = page.locator("#wall-alert")
        expect(alert).to_be_hidden()

        server.stop()
        expect(alert).to_be_visible(timeout=8_000)
        expect(alert).to_contain_text("Connection to the dashboard lost")
        expect(page.get_by_text("Episode 01 master")).to_be_visible(), "the last data stays on screen"
        page.screenshot(path=str(SCREENSHOTS / "wall-stale.png"))

        acme = Organization.objects.get(slug="acme")
        make_encoding(acme, name="Recovered job", status="RUNNING", progress=5, running_at=timezone.now())
        bump_data_version(acme.pk)
        server.start()
        expect(alert).to_be_hidden(timeout=15_000)
        expect(page.get_by_text("Recovered job")).to_be_visible(timeout=10_000)
        # Only the very first request carried the token; the page and every poll since use the cookie.
        assert token in requested[0]
        assert len(requested) > 3
        assert [url for url in requested[1:] if token in url] == []
        assert server.output().count(token) == 1, "the access log holds the token once: the exchange"
    finally:
        context.close()
        server.close()


def test_sync_behind_is_shown_on_screen(browser, live_server):
    token = wall_world()
    Organization.objects.update(last_sync_succeeded_at=timezone.now() - timedelta(hours=2))
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, color_scheme="dark")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/wall/{token}/")
        alert = page.locator("#wall-alert")
        expect(alert).to_be_visible()
        expect(alert).to_contain_text("Sync with Bitmovin is behind")
    finally:
        context.close()


def test_sync_stopped_is_shown_on_screen_and_goes_away_when_the_processes_are_back(
    browser, live_server, settings
):
    settings.PROCESS_STOPPED_SECONDS = 12
    token = wall_world(poll_seconds=2)
    heartbeat_record(processes=watched_processes(), machine="tests")
    heartbeat_record(processes=[BEAT], machine="tests", now=timezone.now() - timedelta(minutes=2))
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, color_scheme="dark")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/wall/{token}/")
        alert = page.locator("#wall-alert")
        expect(alert).to_contain_text("Sync stopped: nothing is being read from Bitmovin")
        expect(page.locator(".wall-stopped-chip").first).to_contain_text("sync stopped")

        heartbeat_record(processes=watched_processes(), machine="tests")
        expect(alert).to_be_hidden(timeout=10_000)
        expect(page.locator(".wall-stopped-chip")).to_have_count(0)
    finally:
        context.close()


def test_revoked_link_replaces_the_screen_and_stops_polling(browser, live_server):
    token = wall_world(poll_seconds=2)
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, color_scheme="dark")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/wall/{token}/")
        expect(page.get_by_text("Episode 01 master")).to_be_visible()
        from encodings_app.models import DisplayToken

        display_link_revoke(link=DisplayToken.objects.get())
        expect(page.get_by_text("This display link was revoked")).to_be_visible(timeout=8_000)
        expect(page.locator("#wall-alert")).to_be_hidden()
    finally:
        context.close()


VIEWPORTS = [("1080p", 1920, 1080), ("4k", 3840, 2160)]
# Every visible name shows at least this many characters of itself; in a quarter of the screen, so does every
# failure's title (it has a line of its own there).
NAME_CHARACTERS = 12
TITLE_CHARACTERS = 12
TOO_NARROW = """([selector, minimum]) => {
  const probe = document.createElement("canvas").getContext("2d");
  return [...document.querySelectorAll(selector)]
    .filter((name) => name.offsetParent !== null)
    .map((name) => {
      const style = getComputedStyle(name);
      probe.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const needed = probe.measureText(name.textContent.trim().slice(0, minimum)).width;
      return {text: name.textContent.trim(), width: name.clientWidth, needed: needed};
    })
    .filter((name) => name.width + 0.5 < name.needed);
}"""
FITS = """() => {
  const root = document.documentElement;
  const fits = root.scrollHeight <= innerHeight && root.scrollWidth <= innerWidth;
  return [fits, root.scrollHeight, root.scrollWidth];
}"""

CONTENT_INSIDE_CARDS = """() => [...document.querySelectorAll(".wall-page:not([hidden]) .wall-org")]
  .filter((card) => card.lastElementChild.getBoundingClientRect().bottom >
    card.getBoundingClientRect().bottom)
  .map((card) => card.querySelector(".wall-org-name").textContent.trim())"""


@contextmanager
def wall_on_screen(browser, url: str, width: int, height: int) -> Iterator[Page]:
    """A TV of that size showing the wall, once its first answer is on screen."""
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme="dark")
    try:
        page = context.new_page()
        page.goto(url)
        expect(page.locator("#wall-updated")).to_contain_text("updated")
        yield page
    finally:
        context.close()


def shown_organizations(page) -> list[str]:
    return page.locator(".wall-page:not([hidden]) .wall-org-name").all_inner_texts()


@pytest.mark.parametrize("count", [1, 2, 4, 12])
def test_wall_fits_the_screen_and_keeps_names_readable(browser, live_server, count):
    token = wall_fleet(count)
    for name, width, height in VIEWPORTS:
        with wall_on_screen(browser, f"{live_server.url}/wall/{token}/", width, height) as page:
            shown = shown_organizations(page)
            assert len(shown) == min(count, 4)
            fits, page_height, page_width = page.evaluate(FITS)
            assert fits, f"{count} organizations at {name}: {page_width}x{page_height} px"
            assert page.evaluate(CONTENT_INSIDE_CARDS) == []
            assert page.evaluate(TOO_NARROW, [".wall-item-name", NAME_CHARACTERS]) == []
            if count >= 3:
                titles = ".wall-page:not([hidden]) .wall-failure-text"
                assert page.locator(titles).count() == 3 * 4
                assert page.evaluate(TOO_NARROW, [titles, TITLE_CHARACTERS]) == []
            assert page.locator(".wall-page:not([hidden]) .wall-item-name").count() >= 3 * min(count, 4)
            page.screenshot(path=str(SCREENSHOTS / f"wall-{count}orgs-{name}.png"))


@pytest.mark.parametrize("count", [2, 4])
def test_wall_still_fits_when_the_banner_says_the_sync_is_behind(browser, live_server, count):
    token = wall_fleet(count)
    Organization.objects.update(last_sync_succeeded_at=timezone.now() - timedelta(hours=2))
    for name, width, height in VIEWPORTS:
        with wall_on_screen(browser, f"{live_server.url}/wall/{token}/", width, height) as page:
            expect(page.locator("#wall-alert")).to_contain_text("Sync with Bitmovin is behind")
            fits, page_height, page_width = page.evaluate(FITS)
            assert fits, f"{count} organizations at {name} with the banner: {page_width}x{page_height} px"
            # The lists' last rows end inside their organization's card, above the screen's bottom edge.
            assert page.evaluate(CONTENT_INSIDE_CARDS) == []


def test_more_organizations_than_fit_take_turns_worst_first(browser, live_server):
    token = wall_fleet(12, poll_seconds=2, rotate_seconds=3)
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, color_scheme="dark")
    try:
        page = context.new_page()
        statuses: list[int] = []
        page.on("response", lambda response: statuses.append(response.status))
        page.goto(f"{live_server.url}/wall/{token}/")
        pager = page.locator("#wall-pager")
        expect(pager).to_have_text("Page 1 of 3")
        first = shown_organizations(page)
        # The fleet gives organization n 15 + n % 7 failures: those with the most come first.
        assert [name.split()[1] for name in first] == ["06", "05", "12", "04"]
        expect(pager).to_have_text("Page 2 of 3", timeout=6_000)
        second = shown_organizations(page)
        assert len(second) == 4 and not set(second) & set(first)
        assert page.evaluate(FITS)[0]
        expect(pager).to_have_text("Page 3 of 3", timeout=6_000)
        expect(pager).to_have_text("Page 1 of 3", timeout=6_000)
        assert shown_organizations(page) == first
        assert 304 in statuses, "unchanged polls still answer 304 while the pages turn"
    finally:
        context.close()


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_wall_still_fits_with_incident_banners_above_the_organizations(browser, live_server, count):
    """As many banners as the screen takes, with titles long enough to be cut; pages of several organizations
    also show the "sync behind" alert, which they keep room for."""
    token = wall_fleet(count)
    organizations = list(Organization.objects.order_by("pk"))
    if count > 1:
        Organization.objects.update(last_sync_succeeded_at=timezone.now() - timedelta(hours=2))
    for number in range(5):
        make_incident(
            organizations[number % count],
            AlertKind.SYNC if number == 0 else AlertKind.FAILED,
            title=f"{15 + number} encodings failed: Input configuration not usable, the input file is gone "
            "(error 2001)",
            count=15 + number,
        )
    for name, width, height in VIEWPORTS:
        with wall_on_screen(browser, f"{live_server.url}/wall/{token}/", width, height) as page:
            if count > 1:
                expect(page.locator("#wall-alert")).to_contain_text("Sync with Bitmovin is behind")
            banners = page.locator(".wall-incident")
            expect(banners.first).to_contain_text("Critical")
            assert banners.count() == INCIDENT_LINES[min(count, 4)]
            expect(banners.last).to_contain_text("more open incidents")
            fits, page_height, page_width = page.evaluate(FITS)
            assert fits, f"{count} organizations at {name} with banners: {page_width}x{page_height} px"
            assert page.evaluate(CONTENT_INSIDE_CARDS) == []
            assert page.evaluate(TOO_NARROW, [".wall-item-name", NAME_CHARACTERS]) == []
            assert page.evaluate(TOO_NARROW, [".wall-incident-title", TITLE_CHARACTERS]) == []
            page.screenshot(path=str(SCREENSHOTS / f"wall-{count}orgs-incidents-{name}.png"))
