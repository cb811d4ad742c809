"""An operator's day in a real browser: log in, switch organization, filter, read a failure, stop an encoding;
and a viewer who cannot. (Every page's screenshots, at every viewport, come from test_every_page.py.)"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from encodings_app import tasks
from encodings_app.models import Encoding, Role
from encodings_app.services import refresh_outbox, sync
from tests.e2e.conftest import log_in
from tests.factories import (
    failed_encoding,
    make_account_admin,
    make_member,
    make_message,
    make_organization,
    make_user,
    populate,
    running_encoding,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_organizations(world):
    acme, globex = world.acme, world.globex
    acme.last_sync_succeeded_at = globex.last_sync_succeeded_at = timezone.now()
    acme.save()
    globex.save()
    populate(acme, encodings=40, messages=12)
    populate(globex, encodings=8)
    failed = failed_encoding(acme, name="Broken ladder", code=2016)
    for index in range(3):
        make_message(failed, type="INFO", text=f"Step {index} done", subtask="ENCODING")
    running = running_encoding(acme, name="Evening news")
    make_message(running, type="INFO", text="Encoding started", subtask="ENCODING")
    make_message(running, type="WARNING", text="Input has variable frame rate")
    operator, admin = world.operator, world.admin
    make_member(globex, Role.VIEWER, user=operator)
    return {
        "acme": acme,
        "globex": globex,
        "failed": failed,
        "running": running,
        "operator": operator,
        "admin": admin,
    }


def test_operator_logs_in_switches_organization_and_keeps_filters_across_a_detail_visit(
    live_server, page: Page, two_organizations
):
    base = live_server.url
    log_in(page, base, "otto")

    # Two organizations: the start page lists both, worst first.
    expect(page.get_by_role("heading", name="All organizations")).to_be_visible()
    expect(page.locator(".org-card-title")).to_have_count(2)

    # Switch to Globex with the header's switcher, then back to Acme.
    page.locator(".switcher-summary").click()
    page.locator(".switcher-menu").get_by_role("link", name="Globex Broadcasting").click()
    page.wait_for_url(f"{base}/o/globex/")
    expect(page.locator(".org-name")).to_have_text("Globex Broadcasting")
    page.locator(".switcher-summary").click()
    page.locator(".switcher-menu").get_by_role("link", name="Acme Media").click()
    page.wait_for_url(f"{base}/o/acme/")
    expect(page.locator(".org-name")).to_have_text("Acme Media")

    # Filter the list: failed ones whose name starts with "Episode", sorted by name.
    page.locator(".org-nav").get_by_role("link", name="Encodings").click()
    page.locator(".status-menu summary").click()
    page.get_by_label("Error", exact=True).check()
    page.get_by_label("Transfer error").check()
    page.get_by_label("Search", exact=True).fill("name:Episode*")
    page.get_by_label("Sort by").select_option("name")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(lambda url: "status=ERROR" in url)
    filtered_url = page.url
    rows = page.locator(".table-encodings tbody tr")
    count = rows.count()
    assert count > 0
    expect(rows.first.locator(".status-text")).to_have_text("Error")

    # Visit a detail page and come back: same filters, same rows.
    first_name = rows.first.locator(".cell-name a").inner_text()
    rows.first.locator(".cell-name a").click()
    expect(page.get_by_role("heading", name=first_name)).to_be_visible()
    page.get_by_role("link", name="← Back to the list").click()
    page.wait_for_url(lambda url: "/encodings/?" in url)
    assert parse_qs(urlparse(page.url).query) == parse_qs(urlparse(filtered_url).query)
    expect(page.get_by_label("Error", exact=True)).to_be_checked()
    expect(page.get_by_label("Search", exact=True)).to_have_value("name:Episode*")
    expect(page.locator(".table-encodings tbody tr")).to_have_count(count)


def test_operator_reads_why_an_encoding_failed(live_server, page: Page, two_organizations):
    base = live_server.url
    failed = two_organizations["failed"]
    log_in(page, base, "otto")
    page.goto(f"{base}/o/acme/encodings/{failed.bitmovin_id}/")

    panel = page.locator(".error-panel")
    expect(panel.get_by_role("heading", name="Encoding step failed")).to_be_visible()
    expect(panel).to_contain_text("Start it again")
    expect(panel).to_contain_text("Probably yes.")
    expect(panel.get_by_role("link", name="Output permissions")).to_have_attribute(
        "href", "https://developer.bitmovin.com/encoding/docs/outputs"
    )
    developer = panel.locator("details.dev-details")
    expect(developer.locator("dd").first).not_to_be_visible()
    developer.locator("summary").click()
    expect(developer).to_contain_text("could not write segment 17")
    expect(developer).to_contain_text("2016")

    # The time-zone switch rewrites every timeline and is remembered.
    first_time = page.locator("time.ts").first
    expect(first_time).to_contain_text("UTC")
    page.locator("[data-tz-toggle]").first.click()
    expect(first_time).to_contain_text("local")
    page.reload()
    expect(page.locator("time.ts").first).to_contain_text("local")
    page.locator("[data-tz-toggle]").first.click()
    expect(page.locator("time.ts").first).to_contain_text("UTC")

    # DEBUG messages appear only when asked for, through the URL.
    page.locator(".type-chip.msg-debug").click()
    page.wait_for_url(lambda url: "DEBUG" in url)


def test_detail_page_polls_while_visible_and_pauses_while_hidden(live_server, page: Page, two_organizations):
    base = live_server.url
    running = two_organizations["running"]
    log_in(page, base, "otto")
    page.goto(f"{base}/o/acme/encodings/{running.bitmovin_id}/")
    expect(page.locator(".status-header .status-text")).to_have_text("Running")

    Encoding.objects.filter(pk=running.pk).update(progress=81)
    with page.expect_request(lambda r: r.headers.get("hx-request") == "true", timeout=12_000):
        pass
    expect(page.locator(".status-header .progress-text")).to_have_text("81%")

    # Hidden tab: the polls are cancelled before they leave the browser.
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if r.headers.get("hx-request") == "true" else None)
    page.evaluate(
        "() => { Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
        " document.dispatchEvent(new Event('visibilitychange')); }"
    )
    page.wait_for_timeout(6_000)
    assert polls == []
    # Visible again: it catches up at once instead of waiting for the next tick.
    page.evaluate(
        "() => { Object.defineProperty(document, 'hidden', {value: false, configurable: true});"
        " document.dispatchEvent(new Event('visibilitychange')); }"
    )
    page.wait_for_timeout(1_000)
    assert len(polls) == 1


@pytest.fixture
def simulated(simulator, monkeypatch):
    """Acme pointed at the simulator, with one encoding RUNNING there and mirrored here."""
    tenant = simulator.accounts()["accounts"][0]["organizations"][0]
    acme = make_organization(
        "acme",
        name="Acme Media",
        api_key=simulator.api_key,
        api_base_url=simulator.base_url,
        tenant_org_id=tenant["id"],
    )
    response = requests.post(
        f"{simulator.base_url}/encoding/encodings",
        json={"name": "Stop me please", "type": "VOD", "cloudRegion": "AWS_EU_WEST_1"},
        headers={"X-Api-Key": simulator.api_key, "X-Tenant-Org-Id": tenant["id"]},
        timeout=30,
    )
    encoding_id = response.json()["data"]["result"]["id"]
    simulator.force_state(encoding_id, "RUNNING", progress=35)
    run = sync.organization_sync(organization_id=acme.pk)
    assert run is not None and run.outcome == "ok", run and run.error_message

    # No worker runs in this test: the refresh an action asks for is drained where the request nudges it,
    # right after it commits.
    monkeypatch.setattr(
        tasks, "refresh_drain_nudge", lambda: refresh_outbox.refresh_drain(time_budget_seconds=10)
    )
    return {"acme": acme, "encoding": Encoding.objects.get(organization=acme, bitmovin_id=encoding_id)}


def test_operator_stops_a_running_encoding_in_the_simulator(live_server, page: Page, simulated):
    base = live_server.url
    encoding = simulated["encoding"]
    make_member(simulated["acme"], Role.OPERATOR, user=make_user("otto"))
    log_in(page, base, "otto")
    page.goto(f"{base}/o/acme/encodings/{encoding.bitmovin_id}/")
    expect(page.locator(".status-header .status-text")).to_have_text("Running")

    page.get_by_role("link", name="Stop", exact=True).click()
    expect(page.get_by_role("heading", name="Stop this encoding?")).to_be_visible()
    page.get_by_role("button", name="Yes, stop").click()

    page.wait_for_url(f"{base}/o/acme/encodings/{encoding.bitmovin_id}/")
    expect(page.locator(".flash")).to_contain_text("Stop requested: Bitmovin is stopping “Stop me please”.")
    expect(page.locator(".status-header .status-text")).to_have_text("Canceled")
    expect(page.get_by_role("link", name="Stop", exact=True)).to_have_count(0)


def test_viewer_cannot_stop_an_encoding(live_server, page: Page, two_organizations):
    base = live_server.url
    running = two_organizations["running"]
    log_in(page, base, "vera")
    page.goto(f"{base}/o/acme/encodings/{running.bitmovin_id}/")
    expect(page.locator(".status-header .status-text")).to_have_text("Running")
    expect(page.get_by_role("link", name="Stop", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Refresh now")).to_be_visible()
    expect(page.locator(".org-nav").get_by_role("link", name="Settings")).to_have_count(0)

    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    forged = page.request.post(
        f"{base}/o/acme/encodings/{running.bitmovin_id}/actions/stop/",
        headers={"X-CSRFToken": token, "Referer": page.url},
        form={"back": ""},
    )
    assert forged.status == 403
    assert "operator role" in forged.text()
    running.refresh_from_db()
    assert running.status == "RUNNING"


def test_admin_settings_page(live_server, page: Page, two_organizations):
    base = live_server.url
    acme = two_organizations["acme"]
    acme.last_error_at = timezone.now() - timedelta(minutes=4)
    acme.last_error_message = "Too many requests"
    acme.last_error_http_status = 429
    acme.last_error_request_id = "5d1c0e2a-7b7e-4a55-9a43-0b5c8f7e1d20"
    acme.save()
    log_in(page, base, "ada")
    page.goto(f"{base}/o/acme/settings/")
    expect(page.get_by_role("heading", name="Members")).to_be_visible()
    # An organization admin is told which account it reads through, and shown nothing of its key.
    expect(page.locator("#read-through")).to_contain_text("kept by the account admins")
    expect(page.locator("#current-key")).to_have_count(0)
    make_account_admin(acme.connection, get_user_model().objects.get(username="ada"))
    page.reload()
    expect(page.locator("#current-key")).to_contain_text("••••••••")
