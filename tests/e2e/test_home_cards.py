"""The start page's organization cards, and the overview's count cards, at a desktop, a full-HD and a phone
size: no chip leaves its card, and the "24 h" of the failure count sits with its number.
Screenshots: var/screenshots/home-<size>.png and overview-counts-<size>.png."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page

from encodings_app.models import Encoding, Organization, Role
from tests.e2e.conftest import SCREENSHOTS, log_in
from tests.factories import failed_encoding, make_encoding, make_member, make_organization, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"1440": (1440, 900), "1920": (1920, 1080), "phone": (390, 844)}


@pytest.fixture
def fleet():
    """Cards with the longest words the page can show: every health chip, four-digit counts, long names."""
    now = timezone.now()
    user = make_user("fiona")
    cards = [
        ("Globex Broadcasting International Sports and News", {"consecutive_failures": 12}),
        ("Acme Media", {"sync_paused_until": now + timedelta(minutes=5)}),
        ("Initech Studios", {"key_rejected": True, "consecutive_failures": 3}),
        ("Umbrella Streaming", {"sync_enabled": False}),
        ("Hooli TV", {}),
    ]
    for index, (name, trouble) in enumerate(cards):
        organization = make_organization(
            f"org-{index}", name=name, last_sync_succeeded_at=now - timedelta(minutes=index)
        )
        # After the key is set (setting one clears the key and sync trouble).
        Organization.objects.filter(pk=organization.pk).update(**trouble)
        make_member(organization, Role.ADMIN, user=user)
        if index < 3:
            for _ in range(12 if index == 0 else 2):
                failed_encoding(organization, status="TRANSFER_ERROR" if index % 2 else "ERROR")
            for status in ("RUNNING", "QUEUED", "CREATED", "FINISHED", "CANCELED"):
                make_encoding(organization, status=status)
    # Counts in the thousands for one card, as a large account has.
    first = make_organization("org-big", name="Stark Sports", last_sync_succeeded_at=now)
    make_member(first, Role.ADMIN, user=user)
    Encoding.objects.bulk_create(
        [
            Encoding(organization=first, bitmovin_id=f"big-{n:05d}", name=f"big {n}", status="QUEUED",
                     created_at=now, modified_at=now)
            for n in range(1234)
        ]
    )  # fmt: skip
    return user


def boxes_outside_their_card(page: Page, card: str, inner: str) -> list[str]:
    """Every `inner` element of every `card` whose box leaves its card's box (1 px for rounding)."""
    return page.evaluate(
        """([card, inner]) => {
          const out = [];
          for (const box of document.querySelectorAll(card)) {
            const c = box.getBoundingClientRect();
            for (const el of box.querySelectorAll(inner)) {
              const b = el.getBoundingClientRect();
              const outside = b.left < c.left - 1 || b.right > c.right + 1;
              if (outside || b.top < c.top - 1 || b.bottom > c.bottom + 1) {
                out.push(`"${el.textContent.trim()}" [${Math.round(b.left)}..${Math.round(b.right)}] ` +
                         `not in its card [${Math.round(c.left)}..${Math.round(c.right)}]`);
              }
            }
          }
          return out;
        }""",
        [card, inner],
    )


def period_labels_apart_from_their_number(page: Page) -> list[str]:
    """Each "24 h" label must be inside the same element as its number and on its line."""
    return page.evaluate(
        """() => {
          const out = [];
          for (const label of document.querySelectorAll('.org-card-counts .org-card-period')) {
            const number = label.parentElement.querySelector('.org-card-number');
            if (!number) { out.push(`"${label.textContent}" has no number beside it`); continue; }
            const l = label.getBoundingClientRect(), n = number.getBoundingClientRect();
            const sameLine = Math.abs((l.top + l.bottom) / 2 - (n.top + n.bottom) / 2) < n.height / 2;
            const next = l.left >= n.right - 1 && l.left - n.right < 16;
            if (!sameLine || !next) {
              out.push(`"${label.textContent}" at ${Math.round(l.left)},${Math.round(l.top)} ` +
                       `is not beside its number at ${Math.round(n.right)},${Math.round(n.top)}`);
            }
          }
          return out;
        }"""
    )


@pytest.fixture
def sized_page(live_server, browser: Browser, fleet):
    """A logged-in page at one of SIZES, and a function that opens a path there and saves its screenshot."""
    contexts = []

    def open_at(size: str, path: str, shot: str) -> Page:
        width, height = SIZES[size]
        context = browser.new_context(viewport={"width": width, "height": height}, color_scheme="light")
        contexts.append(context)
        page = context.new_page()
        log_in(page, live_server.url, "fiona")
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{shot}-{size}.png"), full_page=True)
        return page

    yield open_at
    for context in contexts:
        context.close()


def scrolls_sideways(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


@pytest.mark.parametrize("size", list(SIZES))
def test_chips_stay_in_their_cards_and_24_h_sits_with_its_number(sized_page, size):
    page = sized_page(size, "/", "home")
    assert page.locator(".org-card").count() == 6
    assert page.locator(".org-card .org-card-period").count() == 6
    assert boxes_outside_their_card(page, ".org-card", ".chip, .status, .org-card-counts > div > *") == []
    assert period_labels_apart_from_their_number(page) == []
    assert not scrolls_sideways(page)


@pytest.mark.parametrize("size", list(SIZES))
def test_the_overviews_status_chips_stay_in_their_count_cards(sized_page, size):
    page = sized_page(size, "/o/org-0/", "overview-counts")
    assert page.locator(".count-card .status-transfer-error").count() == 1
    assert boxes_outside_their_card(page, ".count-card", ".chip, .status, .count-number") == []
