"""The switcher groups twelve organizations by Bitmovin account, each root before its indented
sub-organizations, and its filter box narrows them as one types; a click lands on the organization's
overview. The all-organizations page narrows to one account with a click.
Screenshots: var/screenshots/switcher-1-grouped.png, switcher-2-filtered.png, all-orgs-one-account.png."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from encodings_app.models import Organization
from tests.e2e.axe import blocking_findings
from tests.e2e.conftest import SCREENSHOTS, log_in
from tests.factories import make_user
from tests.support.accounts_fleet import GROUPED, make_accounts_fleet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fleet():
    made = make_accounts_fleet()
    Organization.objects.update(last_sync_succeeded_at=timezone.now())
    make_user("root", is_superuser=True, is_staff=True)
    return made


def visible_menu(page: Page) -> list[tuple[str, list[tuple[str, bool]]]]:
    """(account, [(organization, indented)]) for each group the menu shows, in its order."""
    return page.locator(".switcher-menu").evaluate(
        """menu => Array.from(menu.querySelectorAll("[data-switcher-group]"))
            .filter(group => group.checkVisibility())
            .map(group => [
              group.querySelector(".switcher-group-name").textContent.trim(),
              Array.from(group.querySelectorAll("[data-switcher-entry]"))
                .filter(entry => entry.checkVisibility())
                .map(entry => [
                  entry.querySelector(".switcher-name").textContent.trim(),
                  entry.querySelector(".switcher-item").getBoundingClientRect().left <
                    entry.querySelector(".switcher-name").getBoundingClientRect().left - 40,
                ]),
            ])"""
    )


def test_the_switcher_groups_by_account_filters_as_one_types_and_lands_on_the_overview(
    live_server, page: Page, fleet
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, live_server.url, "root")
    page.goto(f"{live_server.url}/o/fleet-a-root/")

    page.locator(".switcher-summary").click()
    menu = page.locator(".switcher-menu")
    expect(menu).to_be_visible()
    filter_box = menu.get_by_label("Filter organizations")
    expect(filter_box).to_be_focused()

    assert visible_menu(page) == [
        [account, [[name, depth > 0] for name, depth in entries]] for account, entries in GROUPED
    ]
    for account, _entries in GROUPED:
        expect(menu.get_by_role("list", name=account)).to_be_visible()
    assert blocking_findings(page) == []
    page.screenshot(path=SCREENSHOTS / "switcher-1-grouped.png", full_page=True)

    filter_box.press_sequentially("EAST")
    assert visible_menu(page) == [["Mondo account", [["Mondo East", True]]]]
    expect(menu.get_by_text("Acme account")).to_be_hidden()

    # The account's name matches too: all of its organizations stay.
    filter_box.fill("")
    filter_box.press_sequentially("zephyr b")
    assert visible_menu(page) == [
        [
            "Zephyr Broadcast",
            [["Zephyr", False], ["zephyr kids", True], ["Zephyr News", True], ["Zephyr Sports", True]],
        ]
    ]

    filter_box.fill("")
    filter_box.press_sequentially("live")
    assert visible_menu(page) == [["Acme account", [["Acme Live", True]]]]
    assert blocking_findings(page) == []
    page.screenshot(path=SCREENSHOTS / "switcher-2-filtered.png", full_page=True)

    filter_box.fill("no such organization")
    assert visible_menu(page) == []
    expect(menu.get_by_text("No organization matches.")).to_be_visible()

    filter_box.fill("live")
    menu.get_by_role("link", name="Acme Live").click()
    page.wait_for_url(f"{live_server.url}/o/fleet-a-live/")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()


def test_without_javascript_the_whole_list_is_there_without_a_filter_box(live_server, browser, fleet):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        log_in(page, live_server.url, "root")
        page.goto(f"{live_server.url}/o/fleet-a-root/")
        page.locator(".switcher-summary").click()
        menu = page.locator(".switcher-menu")

        expect(menu.get_by_label("Filter organizations")).to_be_hidden()
        names = menu.locator("[data-switcher-entry] .switcher-name")
        expect(names).to_have_text([name for _account, entries in GROUPED for name, _depth in entries])
        for index in range(names.count()):
            expect(names.nth(index)).to_be_visible()
        menu.get_by_role("link", name="Mondo Lab").click()
        page.wait_for_url(f"{live_server.url}/o/fleet-m-lab/")
    finally:
        context.close()


def test_the_all_organizations_page_narrows_to_one_account_and_back(live_server, page: Page, fleet):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, live_server.url, "root")
    page.goto(f"{live_server.url}/")
    accounts = page.get_by_role("navigation", name="Bitmovin accounts")
    cards = page.locator(".org-card-title")
    expect(cards).to_have_count(12)

    accounts.get_by_role("link", name="Mondo account").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Organizations of Mondo account")
    expect(cards).to_have_count(4)
    expect(accounts.get_by_role("link", name="Mondo account")).to_have_attribute("aria-current", "page")
    mondo = fleet["Mondo account"].public_id
    assert page.url == f"{live_server.url}/?account={mondo}"
    expect(page.locator("#all-live")).to_have_attribute("hx-get", f"/?account={mondo}")
    assert blocking_findings(page) == []
    page.screenshot(path=SCREENSHOTS / "all-orgs-one-account.png", full_page=True)

    page.get_by_role("main").get_by_role("link", name="All organizations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("All organizations")
    expect(cards).to_have_count(12)
