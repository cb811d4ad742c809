"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright against pytest-django's live server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around it are plain
# synchronous calls, which Django would otherwise refuse from a thread with a running loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.factories import PASSWORD
from tests.support.live_requests import RequestsInFlight
from tests.support.simulator import RunningSimulator

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_requests(live_server) -> RequestsInFlight:
    in_flight = RequestsInFlight()
    server = live_server.thread.httpd
    server.set_app(in_flight.wrap(server.get_app()))
    return in_flight


@pytest.fixture(autouse=True)
def quiet_live_server_before_flush(request: pytest.FixtureRequest) -> Iterator[None]:
    """Set up after the database fixture, so torn down before it: the browser contexts are closed by then,
    and this waits for the answers they left the server writing (tests/support/live_requests.py)."""
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    in_flight = request.getfixturevalue("live_requests")
    yield
    in_flight.wait_until_quiet()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page that fails the test if the browser refused anything under the Content-Security-Policy."""
    page = context.new_page()
    refused = csp_refusals(page)
    yield page
    assert refused == [], refused


def csp_refusals(page: Page) -> list[str]:
    """The list that collects what the browser refuses on this page under the Content-Security-Policy."""
    refused: list[str] = []

    def watch(message) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            refused.append(message.text)

    page.on("console", watch)
    return refused


@pytest.fixture(scope="session")
def simulator() -> Iterator[RunningSimulator]:
    # A key of its own: the dashboard's per-key request budget lives in the shared cache.
    with RunningSimulator(
        encodings=40, seed=9, api_key=f"e2e-{uuid.uuid4().hex[:12]}", args=["--rate-limits", "off"]
    ) as running:
        yield running


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)
