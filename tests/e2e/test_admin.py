"""The admin site in a real browser under the site's Content-Security-Policy (no inline script or style): its
own scripts run (the action bar, the theme switch), and deleting every admin of an organization at once stops
at the last one, with the rule's words on the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from encodings_app.models import Role
from encodings_app.services.api_tokens import api_token_create
from tests.e2e.conftest import SCREENSHOTS
from tests.factories import PASSWORD, make_delivery, make_member, make_sync_run, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def save_screenshot(page: Page, name: str) -> None:
    """The admin site is Django's, outside the every-page walk: its screenshots are taken here."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-1280x900.png"), full_page=True)


def test_an_account_admin_works_in_the_admin_site_without_a_refused_script_or_style(
    live_server, page: Page, world
):
    base = live_server.url
    make_user("root", is_staff=True, is_superuser=True)
    make_member(world.acme, Role.ADMIN, user=make_user("beth"))
    api_token_create(user=world.admin, name="nightly report")
    make_sync_run(world.acme, api_calls={"GET /encoding/encodings": 2})
    make_delivery(world.acme, event_type="ENCODING_FINISHED")

    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    save_screenshot(page, "admin-index")

    # Every list and one page of each, as a browser loads them (scripts, styles, the theme switch).
    for path in (
        "encodings_app/organization/",
        f"encodings_app/organization/{world.acme.pk}/change/",
        "encodings_app/membership/add/",
        "encodings_app/apitoken/",
        "encodings_app/displaytoken/",
        "encodings_app/syncrun/",
        "encodings_app/webhookdelivery/",
        "encodings_app/auditevent/",
        "auth/user/",
    ):
        page.goto(f"{base}/admin/{path}")
        expect(page.locator("#content")).to_be_visible()
    page.goto(f"{base}/admin/encodings_app/organization/{world.acme.pk}/change/")
    expect(page.locator("#content")).to_contain_text("••••••••e1f0")
    save_screenshot(page, "admin-organization")
    page.locator("button.theme-toggle").first.click()

    # The action bar is the admin's own script: "select all" counts the rows it ticked.
    page.goto(f"{base}/admin/encodings_app/membership/?role__exact=admin")
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("3 of 3 selected")
    page.locator("select[name=action]").select_option("delete_selected")
    page.get_by_role("button", name="Go").click()
    page.locator("input[type=submit]").first.click()  # "Yes, I am sure"

    expect(page.locator(".messagelist")).to_contain_text(
        "Acme Media must keep at least one active admin, so this change was not made."
    )
    expect(page.locator(".messagelist")).to_contain_text(
        "Globex Broadcasting must keep at least one active admin"
    )
    expect(page.locator(".messagelist")).to_contain_text("1 membership deleted.")
    assert world.acme.memberships.filter(role=Role.ADMIN).count() == 1


def test_the_admins_change_password_link_leads_to_the_account_pages_form(live_server, page: Page):
    base = live_server.url
    make_user("root", is_staff=True, is_superuser=True)
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="Change password").click()
    page.wait_for_url(f"{base}/account/#password")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("lantern-orchard-velvet-42")
    page.get_by_label("New password again").fill("lantern-orchard-velvet-4")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#id_new_password2_error")).to_contain_text("The two password fields didn")

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("lantern-orchard-velvet-42")
    page.get_by_label("New password again").fill("lantern-orchard-velvet-42")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password was changed.")).to_be_visible()
    save_screenshot(page, "account-password-changed")
