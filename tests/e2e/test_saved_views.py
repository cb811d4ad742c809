"""Saved views in a real browser: an admin saves the filtered list under a name shared with the organization,
picks it again from the whole list, makes it their default, and the list opened bare lands on it.
Screenshots: var/screenshots/saved-views-1-save.png, saved-views-2-pick.png."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.e2e.axe import blocking_findings
from tests.e2e.conftest import SCREENSHOTS, log_in
from tests.factories import failed_encoding, labelled_encoding, running_encoding

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIST = "/o/acme/encodings/"
FILTERED = "?status=ERROR&sort=name&columns=labels,region"
VIEW_QUERY = "status=ERROR&sort=name&columns=labels%2Cregion"


@pytest.fixture
def acme(world):
    world.acme.last_sync_succeeded_at = timezone.now()
    world.acme.save(update_fields=["last_sync_succeeded_at"])
    failed_encoding(world.acme, name="Broken ladder B", code=2204)
    failed_encoding(world.acme, name="Broken ladder A", code=2028)
    running_encoding(world.acme, name="Evening news")
    labelled_encoding(world.acme, ["customer-1"], name="Documentary master")
    return world


def result_names(page: Page) -> list[str]:
    return page.locator(".table-encodings tbody .cell-name a").all_inner_texts()


def test_save_pick_make_default_and_land_on_the_default_view(live_server, page: Page, acme):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    log_in(page, base, "ada")

    # Save the filtered list (failures by name, with the labels and region columns), shared.
    page.goto(f"{base}{LIST}{FILTERED}")
    assert result_names(page) == ["Broken ladder A", "Broken ladder B"]
    page.locator(".saved-views-summary").click()
    panel = page.locator(".saved-views-panel")
    expect(panel).to_be_visible()
    expect(panel.get_by_text("No saved views yet.")).to_be_visible()
    panel.locator("#id_saved-name").fill("Failures by name")
    panel.get_by_label("Share with the organization").check()
    assert blocking_findings(page) == []
    page.screenshot(path=SCREENSHOTS / "saved-views-1-save.png", full_page=True)
    panel.get_by_role("button", name="Save view").click()
    page.wait_for_url(f"{base}{LIST}?{VIEW_QUERY}")
    expect(page.locator(".saved-views-summary")).to_have_text(re.compile(r"Views:\s*Failures by name"))
    expect(page.locator("th.col-region")).to_be_visible()

    # From the whole list, pick it again.
    page.goto(f"{base}{LIST}?sort=-created")
    assert len(result_names(page)) == 4
    page.locator(".saved-views-summary").click()
    entry = page.locator(".saved-view").filter(has_text="Failures by name")
    expect(entry.get_by_text("shared", exact=True)).to_be_visible()
    entry.get_by_role("link", name="Failures by name").click()
    page.wait_for_url(f"{base}{LIST}?{VIEW_QUERY}")
    assert result_names(page) == ["Broken ladder A", "Broken ladder B"]
    page.locator(".saved-views-summary").click()
    expect(page.locator(".saved-view a[aria-current='page']")).to_have_text("Failures by name")
    assert blocking_findings(page) == []
    page.screenshot(path=SCREENSHOTS / "saved-views-2-pick.png", full_page=True)

    # Make it the default: the list opened bare lands on it.
    page.locator(".saved-view").filter(has_text="Failures by name").get_by_role(
        "button", name=re.compile("Make .* your default view")
    ).click()
    page.wait_for_url(f"{base}{LIST}?{VIEW_QUERY}")
    page.goto(f"{base}{LIST}")
    page.wait_for_url(f"{base}{LIST}?{VIEW_QUERY}")
    assert result_names(page) == ["Broken ladder A", "Broken ladder B"]
    page.locator(".saved-views-summary").click()
    expect(
        page.locator(".saved-view").filter(has_text="Failures by name").get_by_text("default")
    ).to_be_visible()

    # "All encodings" still shows the whole list.
    page.get_by_role("link", name="All encodings").click()
    page.wait_for_url(f"{base}{LIST}?sort=-created")
    assert len(result_names(page)) == 4
