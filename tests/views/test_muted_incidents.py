"""A muted incident says so wherever an open incident shows (the incident list and page, the overview's
panel and its live part), with the silence's note, so nobody wonders why no message came; the incident list
shows the organization's active silences, with the way to Settings → Alerts for admins only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from encodings_app.models import AlertKind
from encodings_app.selectors.muted import mark_muted
from encodings_app.services.alerts.silences import silence_end
from tests.factories import make_incident, make_silence

pytestmark = pytest.mark.django_db

NOTE = "maintenance window"


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def row_of(html: str, title: str) -> str:
    """The table row or list item that holds the incident's title."""
    before, after = html.split(f">{title}</a>", 1)
    start = max(before.rfind("<tr"), before.rfind("<li"))
    end = min(index for index in (after.find("</tr>"), after.find("</li>")) if index >= 0)
    return before[start:] + after[:end]


@pytest.fixture
def incidents(world):
    """A failure muted by a silence of its rule, a broken sync that no silence covers, and a resolved
    failure."""
    make_silence(world.acme, kind=AlertKind.FAILED, reason=NOTE, user=world.admin, hours=2)
    return {
        "muted": make_incident(world.acme, AlertKind.FAILED, title="4 encodings failed"),
        "told": make_incident(world.acme, AlertKind.SYNC, title="Sync broken"),
        "resolved": make_incident(world.acme, AlertKind.FAILED, title="Over now", resolved_minutes_ago=1),
    }


def test_the_list_notes_the_muted_incident_only(world, login, incidents):
    html = login(world.viewer).get("/o/acme/incidents/").content.decode()

    open_section = html.split('id="open-incidents"')[1].split("</section>")[0]
    muted = words(row_of(open_section, "4 encodings failed"))
    assert "Muted until" in muted and f"by ada: {NOTE}" in muted
    assert "Muted" not in row_of(open_section, "Sync broken")
    assert "Muted" not in html.split('id="resolved-incidents"')[1], "nothing more is held back about it"


def test_the_list_shows_the_active_silences_and_links_to_settings_for_admins_only(world, login, incidents):
    make_silence(world.acme, reason="moving racks", user=world.admin)
    for user, link in ((world.admin, True), (world.operator, False), (world.viewer, False)):
        html = login(user).get("/o/acme/incidents/").content.decode()
        section = html.split('id="active-silences"')[1].split("</section>")[0]
        assert "Muted now" in words(section) and "(2)" in section
        assert NOTE in section and "Muted (every rule) until" in words(section) and "moving racks" in section
        assert html.index('id="active-silences"') < html.index('id="open-incidents"')
        assert ('href="/o/acme/settings/alerts/#silences"' in section) is link, user


def test_no_silence_no_section(world, login):
    make_incident(world.acme, AlertKind.FAILED, title="4 encodings failed")
    html = login(world.viewer).get("/o/acme/incidents/").content.decode()
    assert 'id="active-silences"' not in html and "Muted" not in html


def test_the_incident_page_notes_a_muted_open_incident(world, login, incidents):
    client = login(world.viewer)
    muted = client.get(f"/o/acme/incidents/{incidents['muted'].pk}/").content.decode()
    told = client.get(f"/o/acme/incidents/{incidents['told'].pk}/").content.decode()
    resolved = client.get(f"/o/acme/incidents/{incidents['resolved'].pk}/").content.decode()

    assert f"by ada: {NOTE}" in words(muted.split('class="incident-muted"')[1])
    assert "Muted until" not in told and "Muted until" not in resolved


def test_a_silence_of_every_rule_mutes_every_kind_and_one_ended_mutes_none(world, login, incidents):
    everything = make_silence(world.acme, reason="planned outage", user=world.admin, hours=3)
    html = login(world.viewer).get("/o/acme/incidents/").content.decode()
    open_section = html.split('id="open-incidents"')[1].split("</section>")[0]
    assert "planned outage" in row_of(open_section, "Sync broken")
    assert "planned outage" in row_of(open_section, "4 encodings failed"), "it lasts longest"

    silence_end(silence=everything)
    html = login(world.viewer).get("/o/acme/incidents/").content.decode()
    open_section = html.split('id="open-incidents"')[1].split("</section>")[0]
    assert "Muted" not in row_of(open_section, "Sync broken")


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["page", "live-part"])
def test_the_overview_panel_notes_the_muted_incident(world, login, incidents, headers):
    html = login(world.viewer).get("/o/acme/", headers=headers).content.decode()

    panel = html.split('class="card incidents-panel"')[1].split("</section>")[0]
    assert f"by ada: {NOTE}" in words(row_of(panel, "4 encodings failed"))
    assert "Muted" not in row_of(panel, "Sync broken")


def test_a_silence_that_ran_out_mutes_nothing(world, incidents):
    later = timezone.now() + timedelta(hours=2, seconds=1)
    marked = mark_muted([incidents["muted"], incidents["told"]], later)
    assert [incident.muted_by for incident in marked] == [None, None]
    marked = mark_muted([incidents["muted"], incidents["told"]])
    assert marked[0].muted_by.reason == NOTE and marked[1].muted_by is None


def test_another_organizations_silence_mutes_nothing_here(world, login):
    make_silence(world.globex, reason="globex maintenance")
    make_incident(world.acme, AlertKind.FAILED, title="4 encodings failed")
    html = login(world.viewer).get("/o/acme/incidents/").content.decode()
    assert "globex maintenance" not in html and "Muted" not in html
