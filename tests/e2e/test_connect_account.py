"""An account admin connects a Bitmovin account in the browser: enters its key once, sees every organization
and sub-organization it reaches, picks two, and finds them in the switcher. Screenshots of each step are
saved as var/screenshots/connect-*.png."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from encodings_app.models import AccountConnection, Organization
from tests.e2e.conftest import SCREENSHOTS, log_in
from tests.factories import make_user


def test_an_account_admin_connects_an_account_and_watches_two_of_its_organizations(
    live_server, page: Page, simulator
):
    make_user("root", is_superuser=True, is_staff=True)
    tree = [org for account in simulator.accounts()["accounts"] for org in account["organizations"]]
    subs = [org for org in tree if org["parentId"]]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, live_server.url, "root")

    page.goto(f"{live_server.url}/connections/")
    page.get_by_role("link", name="Connect an account").click()
    page.get_by_label("API key").fill(simulator.api_key)
    page.get_by_label("API base URL").fill(simulator.base_url)
    page.get_by_label("Name", exact=True).fill("Studio accounts")
    page.screenshot(path=SCREENSHOTS / "connect-1-key.png", full_page=True)
    page.get_by_role("button", name="Test the key and list its organizations").click()

    expect(page.get_by_text(f"The key reaches {len(tree)} organizations of Studio accounts")).to_be_visible()
    for org in tree:
        expect(page.get_by_label(org["name"], exact=True)).to_be_visible()
    assert simulator.api_key not in page.content()
    page.screenshot(path=SCREENSHOTS / "connect-2-pick.png", full_page=True)
    for org in subs:
        page.get_by_label(org["name"], exact=True).check()
    page.get_by_role("button", name="Watch the selected organizations").click()

    expect(page.get_by_text("Now watched:")).to_be_visible()
    for org in subs:
        expect(page.get_by_role("link", name=org["name"], exact=True)).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "connect-3-watched.png", full_page=True)
    assert sorted(Organization.objects.values_list("tenant_org_id", flat=True)) == sorted(
        o["id"] for o in subs
    )
    assert AccountConnection.objects.count() == 1

    # Its overview, with the organization's own navigation; nothing synced yet.
    page.get_by_role("link", name=subs[0]["name"], exact=True).click()
    expect(page.get_by_role("navigation", name=subs[0]["name"])).to_be_visible()
    expect(page.get_by_role("paragraph").filter(has_text="Never synced").first).to_be_visible()
