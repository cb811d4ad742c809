"""The encodings list in a real browser at the widths an operations room uses: no sideways scrolling at
1280 px, every status readable in full, cards on a phone with the first one in the first screen, the
column chooser kept per user, and the page size. Screenshots: var/screenshots/list-{1280,1440,1920,phone}.png.

The rows are the simulator's encodings mirrored by a real sync, plus the widest cases the factories make.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from encodings_app.models import OPTIONAL_LIST_COLUMNS, EncodingStatus
from encodings_app.services import sync
from encodings_app.services.list_preferences import list_preference_set
from tests.e2e.conftest import SCREENSHOTS, log_in
from tests.factories import failed_encoding, labelled_encoding, populate, running_encoding
from tests.support.api_client import point_at
from tests.views.test_encodings_list import DEFAULT_HEADERS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOPS = [(1280, 800), (1440, 900), (1920, 1080)]
PHONE = (390, 844)
LIST = "/o/acme/encodings/"

# Horizontal overflow of the page and of the table's box, and every status badge that is not fully shown:
# cut by its cell, by the table's box or by the window.
MEASURE = """() => {
  const root = document.documentElement;
  const box = document.querySelector('.table-scroll');
  const inside = (inner, outer) => inner.left >= outer.left - 1 && inner.right <= outer.right + 1;
  const clipped = [...document.querySelectorAll('.table-encodings tbody .status')].filter(badge => {
    const rect = badge.getBoundingClientRect();
    const view = {left: 0, right: root.clientWidth};
    return !inside(rect, badge.closest('td').getBoundingClientRect())
      || !inside(rect, box.getBoundingClientRect()) || !inside(rect, view);
  }).map(badge => badge.textContent.trim());
  return {
    page: [root.scrollWidth, root.clientWidth],
    table: [box.scrollWidth, box.clientWidth],
    clipped,
    statuses: [...document.querySelectorAll('.table-encodings tbody .status-text')].map(s => s.textContent),
  };
}"""


@pytest.fixture
def acme_list(world, simulator):
    """Acme mirrored from the simulator's first tenant, plus the widest rows: a transfer error with a code,
    a long name, a long label and a region name, a live encoding; about 75 rows, so there are pages."""
    acme = world.acme
    tenant = simulator.accounts()["accounts"][0]["organizations"][0]
    acme.tenant_org_id = tenant["id"]
    acme.last_sync_succeeded_at = timezone.now()
    point_at(acme, base_url=simulator.base_url, api_key=simulator.api_key)
    run = sync.organization_sync(organization_id=acme.pk, full=True)
    assert run is not None and run.outcome == "ok", run and run.error_message
    failed_encoding(
        acme,
        code=2204,
        name="Championship final 2026 — full match, multi-camera ladder with burnt-in subtitles (EN, DE, FR)",
        status=EncodingStatus.TRANSFER_ERROR,
        cloud_region="AUTO",
        selected_cloud_region="GOOGLE_EUROPE_WEST_1",
        encoder_version="2.190.0",
    )
    running_encoding(acme, name="Evening news", type="LIVE", progress=0)
    labelled_encoding(
        acme,
        ["customer-international-broadcasting", "priority", "4k-hdr10"],
        name="Documentary series S02E07 UHD HDR master",
        status=EncodingStatus.QUEUED,
        progress=0,
    )
    populate(acme, encodings=60)
    return acme


@pytest.fixture
def new_context(browser: Browser) -> Iterator:
    """Browser contexts of any size, closed at the end; each may hold another user's session."""
    made: list[BrowserContext] = []

    def new(width: int, height: int, **options) -> BrowserContext:
        context = browser.new_context(
            viewport={"width": width, "height": height}, color_scheme="light", **options
        )
        context.set_default_timeout(15_000)
        made.append(context)
        return context

    yield new
    for context in made:
        context.close()


def signed_in(context: BrowserContext, base: str, username: str) -> Page:
    page = context.new_page()
    log_in(page, base, username)
    return page


def open_list(page: Page, url: str) -> dict:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page.evaluate(MEASURE)


def header_names(page: Page) -> list[str]:
    return [
        text.replace("▲", "").replace("▼", "").strip()
        for text in page.locator(".table-encodings th:not(.col-select)").all_inner_texts()
    ]


def assert_fits(measured: dict, where: str) -> None:
    page_width, page_visible = measured["page"]
    table_width, table_visible = measured["table"]
    assert page_width <= page_visible, f"{where}: the page scrolls sideways ({page_width} > {page_visible})"
    assert table_width <= table_visible, (
        f"{where}: the table scrolls sideways ({table_width} > {table_visible})"
    )


def assert_statuses_readable(measured: dict, where: str) -> None:
    assert measured["clipped"] == [], f"{where}: statuses cut off: {measured['clipped']}"
    known = {label for _value, label in EncodingStatus.choices}
    assert measured["statuses"] and set(measured["statuses"]) <= known, where


def test_the_list_fits_1280_px_with_every_status_in_full(live_server, new_context, world, acme_list):
    base = live_server.url
    page = signed_in(new_context(1280, 800), base, "otto")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    for width, height in DESKTOPS:
        page.set_viewport_size({"width": width, "height": height})
        measured = open_list(page, f"{base}{LIST}")
        assert_fits(measured, f"{width} px")
        assert_statuses_readable(measured, f"{width} px")
        assert "Transfer error" in measured["statuses"]
        page.screenshot(path=str(SCREENSHOTS / f"list-{width}.png"), full_page=True)

    # Every optional column chosen: still no sideways scrolling at 1280 px.
    list_preference_set(user=world.operator, columns=list(OPTIONAL_LIST_COLUMNS), page_size=50)
    page.set_viewport_size({"width": 1280, "height": 800})
    measured = open_list(page, f"{base}{LIST}")
    assert len(header_names(page)) == 3 + len(OPTIONAL_LIST_COLUMNS)
    assert_fits(measured, "1280 px, every column")
    assert_statuses_readable(measured, "1280 px, every column")
    page.screenshot(path=str(SCREENSHOTS / "list-1280-every-column.png"), full_page=True)


def test_times_are_relative_with_the_exact_time_on_hover(live_server, new_context, acme_list):
    page = signed_in(new_context(1280, 800), live_server.url, "otto")
    page.goto(f"{live_server.url}{LIST}?q=name:Evening*")
    started = page.locator(".table-encodings tbody tr").first.locator("td[data-label=Started] time")
    expect(started).to_have_text("12 min ago")
    expect(started).to_have_attribute("title", re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$"))
    expect(started).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"))


def test_on_a_phone_each_row_is_a_card_and_the_first_is_in_the_first_screen(
    live_server, new_context, acme_list
):
    width, height = PHONE
    page = signed_in(new_context(width, height, is_mobile=True, has_touch=True), live_server.url, "otto")

    measured = open_list(page, f"{live_server.url}{LIST}")

    assert_fits(measured, "phone")
    assert_statuses_readable(measured, "phone")
    first = page.locator(".table-encodings tbody tr").first
    box = first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= height, f"the first card ends at {box}"
    # A card: name and id, status, progress and the times, each time with its label.
    expect(first.locator(".cell-name a")).to_be_visible()
    expect(first.locator(".enc-id")).to_be_visible()
    expect(first.locator(".status-text")).to_be_visible()
    expect(first.locator(".cell-progress")).to_be_visible()
    for label in ("Started", "Duration", "Finished", "Created"):
        cell = first.locator(f'td[data-label="{label}"]')
        expect(cell).to_be_visible()
        assert cell.evaluate("td => getComputedStyle(td, '::before').content") == f'"{label} "'
    assert first.evaluate("tr => getComputedStyle(tr).display") == "flex"
    page.screenshot(path=str(SCREENSHOTS / "list-phone.png"), full_page=True)


def choose_view(page: Page, *, show: list[str], hide: list[str], rows: str) -> None:
    page.locator(".view-options summary").click()
    menu = page.locator(".view-options-panel")
    for name in show:
        menu.get_by_label(name, exact=True).check()
    for name in hide:
        menu.get_by_label(name, exact=True).uncheck()
    menu.get_by_label("Rows per page").select_option(rows)
    with page.expect_navigation():
        menu.get_by_role("button", name="Save for me").click()


def test_the_column_chooser_is_kept_for_that_user_and_no_one_else(live_server, new_context, acme_list):
    base = live_server.url
    # Without JavaScript: the chooser is a plain form.
    otto_page = signed_in(new_context(1280, 800, java_script_enabled=False), base, "otto")
    otto_page.goto(f"{base}{LIST}?status=FINISHED&status=ERROR")
    choose_view(otto_page, show=["Region", "Type"], hide=["Labels", "Created"], rows="25")

    assert "status=FINISHED" in otto_page.url and "per_page" not in otto_page.url
    chosen = ["Name", "Status", "Progress", "Started", "Duration", "Finished", "Type", "Region"]
    assert header_names(otto_page) == chosen
    assert otto_page.locator(".table-encodings tbody tr").count() <= 25
    otto_page.reload()
    assert header_names(otto_page) == chosen
    otto_page.goto(f"{base}{LIST}")
    assert header_names(otto_page) == chosen
    expect(otto_page.locator(".table-encodings tbody tr")).to_have_count(25)

    # Another user, same organization, same moment: the default view.
    vera = signed_in(new_context(1280, 800), base, "vera")
    vera.goto(f"{base}{LIST}")
    assert header_names(vera) == DEFAULT_HEADERS
    expect(vera.locator(".table-encodings tbody tr")).to_have_count(50)


def test_a_refused_view_choice_is_named_and_the_saved_view_stays(live_server, new_context, acme_list):
    base = live_server.url
    page = signed_in(new_context(1280, 800), base, "otto")
    page.goto(f"{base}{LIST}")
    # A tampered form: a column the list does not have.
    page.locator(".view-options summary").click()
    page.locator('.view-options-panel input[value="labels"]').evaluate("box => { box.value = 'password'; }")
    page.get_by_role("button", name="Save for me").click()

    expect(page.locator(".view-options-panel .field-error")).to_have_text(
        "“password” is not a column of the list; nothing was saved."
    )
    expect(page.locator(".view-options")).to_have_attribute("open", "")
    page.goto(f"{base}{LIST}")
    assert "Labels" in header_names(page)


def test_the_page_size_is_kept_in_the_pages_and_the_poll(live_server, new_context, acme_list):
    base = live_server.url
    page = signed_in(new_context(1280, 800), base, "otto")
    rows = page.locator(".table-encodings tbody tr")

    page.goto(f"{base}{LIST}?per_page=25&sort=name")
    expect(rows).to_have_count(25)
    page.get_by_role("link", name="Next").click()
    page.wait_for_url(lambda url: "page=2" in url)
    assert "per_page=25" in page.url
    expect(rows).to_have_count(25)
    expect(page.locator(".results-summary")).to_contain_text("26\u201350 of")

    # The poll asks for the same page at the same size, and the swapped-in rows are still 25.
    with page.expect_request(lambda request: request.headers.get("hx-request") == "true") as polled:
        page.evaluate("() => window.htmx.trigger(document.querySelector('#results'), 'poll-now')")
    assert "per_page=25" in polled.value.url and "page=2" in polled.value.url
    page.wait_for_load_state("networkidle")
    expect(rows).to_have_count(25)

    # Chosen in the view options: remembered, and written into the links.
    page.goto(f"{base}{LIST}")
    choose_view(page, show=[], hide=[], rows="100")
    assert page.url == f"{base}{LIST}"
    total = acme_list.encodings.count()
    expect(rows).to_have_count(min(100, total))

    # A size the list does not offer: a note, and the saved size.
    page.goto(f"{base}{LIST}?per_page=7")
    expect(page.locator(".alert-warning")).to_contain_text(
        "Rows per page: “7” is not one of 25, 50, 100 or 200."
    )
    expect(rows).to_have_count(min(100, total))


def test_more_filters_are_folded_until_one_is_used(live_server, new_context, acme_list):
    base = live_server.url
    page = signed_in(new_context(1280, 800), base, "otto")
    page.goto(f"{base}{LIST}")
    fold = page.locator("details.more-filters")
    region = page.locator("form.filter-bar").get_by_label("Region")
    expect(fold).not_to_have_attribute("open", "")
    expect(region).to_be_hidden()

    fold.locator("summary").click()
    region.select_option("AWS_EU_WEST_1")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(lambda url: "region=AWS_EU_WEST_1" in url)
    expect(fold).to_have_attribute("open", "")
    expect(fold.locator("summary")).to_contain_text("1 set")
    expect(region).to_have_value("AWS_EU_WEST_1")

    # The status menu closes on Escape and says what it holds.
    page.locator(".status-menu summary").click()
    page.get_by_label("Running", exact=True).check()
    page.keyboard.press("Escape")
    expect(page.locator(".status-menu")).not_to_have_attribute("open", "")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(lambda url: "status=RUNNING" in url)
    expect(page.locator(".status-menu .dropdown-value")).to_have_text("Running")
