"""Settings → Alerts in a real browser: "Send test" answers in place with htmx (the page is not reloaded,
what was typed elsewhere stays), and the same button without JavaScript still works."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from encodings_app.models import AuditEvent
from encodings_app.services.alert_channels.targets import channel_add
from tests.e2e.conftest import log_in
from tests.support.listener import Listener

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver(settings, world):
    settings.ALERT_CHANNELS_ALLOW_LOOPBACK = True
    with Listener(status=503) as listener:
        channel_add(organization=world.acme, kind="slack", target=listener.url + "/hooks/t0ken", name="chat")
        yield listener


def test_send_test_shows_its_outcome_in_place_without_reloading_the_page(live_server, page: Page, receiver):
    base = live_server.url
    log_in(page, base, "ada")
    page.goto(f"{base}/o/acme/settings/alerts/")
    page.locator("#silences").get_by_label("Reason", exact=True).fill("typed, not sent")
    page.evaluate("() => { window.notReloaded = true; }")

    page.locator("#channels tr", has_text="chat").get_by_role("button", name="Send test").click()

    outcome = page.locator("#channel-list .alert-error")
    expect(outcome).to_have_text(
        "The test message to “chat” failed: the receiver answered HTTP 503 (answer 503)."
    )
    assert page.evaluate("() => window.notReloaded") is True
    expect(page.locator("#silences").get_by_label("Reason", exact=True)).to_have_value("typed, not sent")

    receiver.response = (200, {}, b"ok")
    page.locator("#channels tr", has_text="chat").get_by_role("button", name="Send test").click()
    expect(page.locator("#channel-list .alert-ok")).to_have_text(
        "Test message delivered to “chat” (answer 200)."
    )
    assert page.evaluate("() => window.notReloaded") is True
    assert list(AuditEvent.objects.filter(action="alert_channel.test").values_list("outcome", flat=True)) == [
        "failed",
        "ok",
    ]


def test_send_test_works_without_javascript(live_server, browser: Browser, receiver):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        base = live_server.url
        log_in(page, base, "ada")
        page.goto(f"{base}/o/acme/settings/alerts/")
        page.locator("#channels tr", has_text="chat").get_by_role("button", name="Send test").click()
        page.wait_for_url(f"{base}/o/acme/settings/alerts/#channels")
        expect(
            page.get_by_text("The test message to “chat” failed: the receiver answered HTTP 503")
        ).to_be_visible()
    finally:
        context.close()
