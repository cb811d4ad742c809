"""Every page of the product in Chromium, as the role that uses it: axe-core finds no serious or critical
accessibility problem (in the light theme, and no contrast problem in the dark one), no page is wider than
the screen, and each page is saved as var/screenshots/<page>-<viewport>.png at every viewport.

The pages (tests/e2e/every_page.py) come from the URL routes: each route of
tests/views/test_url_access_walk.py's ROUTES (which that module checks against Django's resolver) is either
visited or said not to be a page, so a new view cannot be forgotten. One browser context per role; axe runs
once per page at the desktop viewport, and the same loaded page is resized for the screenshots.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from encodings_app import tasks
from encodings_app.models import (
    AlertChannel,
    AlertDelivery,
    AlertKind,
    AuditEvent,
    BulkItem,
    Organization,
    Role,
    UsageSync,
)
from encodings_app.services.action_registry import ACTIONS
from encodings_app.services.alert_channels.targets import target_hint
from encodings_app.services.alerts import alerts_evaluate
from encodings_app.services.api_tokens import api_token_create
from encodings_app.services.audit import audit_record
from encodings_app.services.bulk_actions import bulk_job_create, bulk_plan
from encodings_app.services.display_links import display_link_create
from tests.e2e.axe import blocking_findings
from tests.e2e.conftest import SCREENSHOTS, csp_refusals, log_in
from tests.e2e.every_page import AXE_VIEWPORT, NOT_PAGES, ROLES, VIEWPORTS, VISITS, Visit
from tests.factories import (
    failed_encoding,
    failed_encodings,
    live_encoding,
    make_encoding,
    make_incident,
    make_member,
    make_message,
    make_usage_day,
    make_user,
    populate,
    running_encoding,
)
from tests.support.api_client import point_at
from tests.views.test_url_access_walk import ROUTES


def test_every_route_is_visited_or_said_not_to_be_a_page():
    visited = {route for visit in VISITS for route in visit.routes}
    assert sorted(visited & set(NOT_PAGES)) == []
    assert sorted(set(ROUTES) - visited - set(NOT_PAGES)) == [], "visit the new page in VISITS"
    assert sorted(visited - set(ROUTES)) == [], "VISITS names a route that no longer exists"
    assert len({visit.name for visit in VISITS}) == len(VISITS)
    assert {visit.role for visit in VISITS} == set(ROLES)


# --- the data every page shows ----------------------------------------------------------------------------


@pytest.fixture
def scene(world, simulator, monkeypatch) -> dict:
    """Acme in every state a page can show: each kind of encoding, failures with messages, sync runs and
    webhook deliveries, audit events, display links, an API token and alert incidents (one notified, one
    resolved); Globex with an encoding and an incident of its own.
    Acme speaks to the simulator with a key that Bitmovin refuses, so the settings page shows Bitmovin's
    refusal with its evidence."""
    now = timezone.now()
    acme, globex = world.acme, world.globex
    point_at(acme, base_url=simulator.base_url, api_key="key-that-bitmovin-refuses")
    for organization in (acme, globex):
        organization.last_sync_succeeded_at = now
        organization.save()
    populate(acme, encodings=30, messages=12)
    populate(globex, encodings=6)
    make_member(globex, Role.VIEWER, user=world.operator)
    make_user("root", is_superuser=True, is_staff=True)
    make_user("newcomer")

    failed = failed_encoding(acme, name="Broken ladder", code=2016)
    running = running_encoding(acme, name="Evening news")
    for index, (subtask, kind) in enumerate([("ANALYSIS", "INFO"), ("", "WARNING"), ("ENCODING", "INFO")]):
        make_message(running, type=kind, subtask=subtask, date=now - timedelta(minutes=9 - index))
    live = live_encoding(acme, last_read=timedelta(seconds=20))
    queued = make_encoding(acme, name="Trailer 4K", status="QUEUED", progress=0, queued_at=now)
    created = make_encoding(acme, name="Draft ladder", status="CREATED", progress=0)
    elsewhere = make_encoding(globex, name="Their encoding")

    # Incidents as the evaluation opens them (failures of one cause, stuck encodings ...), one of them
    # notified to two channels, and one resolved long ago.
    failed_encodings(acme, 3, code=2016, minutes_ago=2)
    alerts_evaluate(organization=Organization.objects.get(pk=acme.pk))
    incident = acme.incidents.get(cause="failed:code:2016")
    # No e-mail channel: the admin's visits add one and find it by its kind.
    for kind, target in (
        ("webhook", "https://hooks.example.com/alerts/x1"),
        ("slack", "https://hooks.example.com/services/T0/B0/x1"),
    ):
        channel = AlertChannel.objects.create(
            organization=acme, kind=kind, name=f"Ops {kind}", target_hint=target_hint(kind, target)
        )
        AlertDelivery.objects.create(
            channel=channel,
            message_key=f"{incident.message_key_prefix}opened",
            kind="opened",
            subject=incident.title,
            body=incident.summary,
            attempts=1,
            last_status=200,
            delivered_at=now,
            next_attempt_at=None,
        )
    make_incident(globex, AlertKind.SYNC, title="Sync broken: Bitmovin rejects the API key")
    make_incident(
        acme,
        AlertKind.SPIKE,
        title="Failure spike: 40 encodings failed in 15 min",
        minutes_ago=130,
        resolved_minutes_ago=90,
    )
    # Usage read from Bitmovin: every day of two months by type, two customer labels.
    today = now.date()
    for offset in range(60):
        day = today - timedelta(days=offset)
        make_usage_day(
            acme, day, "VOD", minutes=40 + offset % 7 * 9, seconds=1800, size=(3 + offset % 5) * 10**9
        )
        make_usage_day(acme, day, "LIVE", minutes=offset % 3 * 25, seconds=900, size=offset % 3 * 10**9)
        make_usage_day(acme, day, "ALL", "customer-acme", minutes=12 + offset % 4, seconds=600, size=10**9)
        make_usage_day(acme, day, "ALL", "customer-globex", minutes=5, seconds=300, size=4 * 10**8)
    UsageSync.objects.create(organization=acme, synced_at=now - timedelta(minutes=12), first_day=today)
    link, token = display_link_create(label="Ops room", organizations=[acme, globex], created_by=world.admin)
    revoked, revoked_token = display_link_create(
        label="Old lobby", organizations=[acme], created_by=world.admin
    )
    api_token_create(user=world.admin, name="nightly export")
    audit_record(
        action=AuditEvent.Action.ENCODING_STOP,
        user=world.operator,
        organization=acme,
        outcome=AuditEvent.Outcome.FAILED,
        target=failed.bitmovin_id,
        detail="Bitmovin refused: the encoding is not running.",
        request_id="4f1c2a9e-5b7d-4c11-9a3e-0d2b8c7f6e51",
    )

    # A bulk stop under way: stopped, refused by Bitmovin, unconfirmed, still waiting, and left alone.
    monkeypatch.setattr(tasks, "bulk_job_enqueue", lambda job_id, countdown=None: None)
    others = [make_encoding(acme, name=f"Night shift {n}", status="RUNNING", progress=30) for n in (1, 2)]
    plan = bulk_plan(
        organization=acme, action="stop", ids=[e.bitmovin_id for e in (running, queued, failed, *others)]
    )
    bulk_job = bulk_job_create(organization=acme, user=world.operator, plan=plan)
    outcomes = {
        running.pk: ("done", "Stop requested: Bitmovin is stopping “Evening news”.", ""),
        queued.pk: (
            "refused",
            "Bitmovin did not stop “Trailer 4K”: Encoding is not running. Read its status before trying "
            "again. (request id 7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f)",
            "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
        ),
        others[0].pk: (
            "unknown",
            "We could not confirm that “Night shift 1” was stopped: Bitmovin did not answer in time, and the "
            "request was not sent again. The status will tell once the dashboard reads it.",
            "",
        ),
    }
    for encoding_id, (state, message, request_id) in outcomes.items():
        BulkItem.objects.filter(job=bulk_job, encoding_id=encoding_id).update(
            state=state, message=message, request_id=request_id, finished_at=now
        )

    values = {
        "bulk_job": bulk_job.pk,
        "running": running.bitmovin_id,
        "failed": failed.bitmovin_id,
        "live": live.bitmovin_id,
        "elsewhere": elsewhere.bitmovin_id,
        "token": token,
        "link_id": link.pk,
        "revoked_token": revoked_token,
        "revoked_link_id": revoked.pk,
        "incident": incident.pk,
        "connection": acme.connection.public_id,
    }
    candidates = [created, queued, running, live, failed]
    for spec in ACTIONS.values():
        if spec.confirm:
            offered = [encoding for encoding in candidates if spec.offered_for(encoding)]
            assert offered, f"the scene has no encoding for which the page offers {spec.key}"
            values[f"offered_{spec.key}"] = offered[0].bitmovin_id
    return values


# --- the walk ---------------------------------------------------------------------------------------------


def hold_still(page: Page) -> None:
    """Pause the page's polling (static/js/app.js stops it while the tab is hidden), so that no swap lands
    while axe reads the page or a screenshot is taken."""
    page.evaluate(
        "() => { Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
        " document.dispatchEvent(new Event('visibilitychange')); }"
    )


def open_page(page: Page, base: str, visit: Visit, scene: dict) -> None:
    if visit.reach is not None:
        visit.reach(page, base, scene)
    else:
        response = page.goto(base + visit.path.format(**scene))
        assert response is not None and response.status == visit.status, (
            visit.name,
            response and response.status,
        )
    if visit.heading:
        expect(page.get_by_role("heading", level=1)).to_have_text(visit.shows)
    else:
        expect(page.get_by_text(visit.shows).first).to_be_visible()
    page.wait_for_load_state()


def screenshots_and_reflow(page: Page, name: str) -> list[str]:
    """Save the page at every viewport; return where it is wider than the screen, which makes a phone
    scroll sideways to read it (WCAG 1.4.10, reflow; a wide table scrolls inside its own box instead)."""
    too_wide = []
    for label, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
        extra = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if extra > 0:
            too_wide.append(f"{name}: {extra} px wider than the {label} screen (reflow, WCAG 1.4.10)")
    page.set_viewport_size(VIEWPORTS[AXE_VIEWPORT])
    return too_wide


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
# One walk of some forty pages with 160 screenshots: about a minute on a quiet machine, more on a busy one.
@pytest.mark.timeout(600)
def test_every_page_has_no_serious_accessibility_problem(browser: Browser, live_server, scene):
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    findings: list[str] = []
    for role, username in ROLES.items():
        context = browser.new_context(viewport=VIEWPORTS[AXE_VIEWPORT], color_scheme="light")
        context.set_default_timeout(15_000)
        try:
            page = context.new_page()
            refused = csp_refusals(page)
            if username:
                log_in(page, base, username)
            for visit in (visit for visit in VISITS if visit.role == role):
                open_page(page, base, visit, scene)
                hold_still(page)
                light = blocking_findings(page, skip=[rule for rule, _why in visit.excluded_rules])
                findings += [f"{visit.name}: {finding}" for finding in light]
                page.emulate_media(color_scheme="dark")
                dark = blocking_findings(page, rules=["color-contrast"])
                findings += [f"{visit.name} (dark theme): {finding}" for finding in dark]
                page.emulate_media(color_scheme="light")
                findings += screenshots_and_reflow(page, visit.name)
            assert refused == [], refused
        finally:
            context.close()
    assert findings == [], "\n".join(findings)
