"""The incident pages: the list (open worst first, resolved newest first, in pages) and one incident with its
explanation, its transitions and the notifications sent about it; members only, tenant-safe, no secrets."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from encodings_app.models import AlertDelivery, AlertKind, Incident, Organization, Role
from encodings_app.selectors.incidents import RESOLVED_PER_PAGE, incident_list_path
from encodings_app.services.alert_channels.delivery import message_enqueue
from encodings_app.services.alert_channels.message import AlertMessage
from encodings_app.services.alert_channels.targets import channel_add
from encodings_app.services.alerts import alerts_evaluate
from tests.factories import failed_encodings, make_incident, make_member

pytestmark = pytest.mark.django_db

HOOK_SECRET_PATH = "/services/T0/B0/s3cretHookPart"


def titles_in(html: str, section_id: str) -> list[str]:
    section = html.split(f'id="{section_id}"')[1].split("</section>")[0]
    return re.findall(r'href="/o/acme/incidents/\d+/">([^<]+)</a>', section)


def evaluated_failure(organization: Organization) -> Incident:
    """A failure incident as the evaluation opens it: four encodings failed with error 2001."""
    failed_encodings(organization, 4, code=2001)
    alerts_evaluate(organization=Organization.objects.get(pk=organization.pk))
    return organization.incidents.get(kind=AlertKind.FAILED)


def notify(incident: Incident, kind: str = "opened") -> None:
    message_enqueue(
        message=AlertMessage(
            organization_id=incident.organization_id,
            key=f"incident-{incident.pk}-{kind}",
            kind=kind,
            severity=incident.severity,
            subject=incident.title,
            body=incident.summary,
            link="",
        )
    )


# --- the list ---------------------------------------------------------------------------------------------


def test_open_incidents_come_worst_first_then_resolved_ones_newest_first(world, login):
    make_incident(world.acme, AlertKind.STUCK, title="Few stuck", count=2, minutes_ago=5)
    make_incident(world.acme, AlertKind.FAILED, title="Many failed", count=40, minutes_ago=50)
    make_incident(world.acme, AlertKind.SYNC, title="Sync broken", count=1, minutes_ago=90)
    make_incident(world.acme, AlertKind.SPIKE, title="Old spike", minutes_ago=300, resolved_minutes_ago=200)
    make_incident(world.acme, AlertKind.FAILED, title="Recent one", minutes_ago=60, resolved_minutes_ago=30)
    make_incident(world.globex, AlertKind.SYNC, title="Their sync")

    response = login(world.viewer).get("/o/acme/incidents/")

    assert response.status_code == 200
    html = response.content.decode()
    assert titles_in(html, "open-incidents") == ["Sync broken", "Many failed", "Few stuck"]
    assert titles_in(html, "resolved-incidents") == ["Recent one", "Old spike"]
    assert "Their sync" not in html
    # Severity is a word with its own icon, not a colour alone.
    open_part = html.split('id="open-incidents"')[1].split("</section>")[0]
    assert open_part.count("<span>Critical</span>") == 1 and open_part.count("<span>Warning</span>") == 2


def test_without_incidents_the_list_says_so(world, login):
    html = login(world.viewer).get("/o/acme/incidents/").content.decode()
    assert "No open incidents" in html
    assert "No incident has been resolved yet." in html


def test_resolved_incidents_come_in_pages(world, login):
    for number in range(RESOLVED_PER_PAGE + 2):
        make_incident(
            world.acme, title=f"Resolved {number:02d}", minutes_ago=1000 - number, resolved_minutes_ago=1
        )
    client = login(world.viewer)
    first = client.get("/o/acme/incidents/").content.decode()
    second = client.get("/o/acme/incidents/?page=2").content.decode()
    assert titles_in(first, "resolved-incidents")[0] == f"Resolved {RESOLVED_PER_PAGE + 1:02d}"
    assert titles_in(second, "resolved-incidents") == ["Resolved 01", "Resolved 00"]
    assert 'href="?page=2#resolved-incidents"' in first
    assert "Page 2 of 2" in second


@pytest.mark.parametrize(
    ("page", "note"),
    [
        ("abc", "Resolved incidents page: “abc” is not a page number; showing the first page."),
        ("0", "Resolved incidents page: “0” is not a page number; showing the first page."),
        ("-3", "Resolved incidents page: “-3” is not a page number; showing the first page."),
        ("1e9", "Resolved incidents page: “1e9” is not a page number; showing the first page."),
        ("7", "There is no page 7 of resolved incidents; this is the last one, page 1."),
    ],
)
def test_a_page_that_is_not_there_gets_a_note_not_an_error(world, login, page, note):
    make_incident(world.acme, title="Gone now", resolved_minutes_ago=1)
    response = login(world.viewer).get(f"/o/acme/incidents/?page={page}")
    assert response.status_code == 200
    html = response.content.decode()
    assert note in html
    assert titles_in(html, "resolved-incidents") == ["Gone now"]


# --- one incident -----------------------------------------------------------------------------------------


def test_a_failure_incident_explains_itself_and_links_to_exactly_its_encodings(world, login):
    incident = evaluated_failure(world.acme)

    response = login(world.viewer).get(f"/o/acme/incidents/{incident.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    details = incident.details
    assert incident.title in html
    assert "<span>Warning</span>" in html and "since" in html
    for text in (details["meaning"], details["what_to_do"]):
        assert escape(text) in html
    assert "Will starting again help?" in html
    # The documentation link is made clickable only as every Bitmovin link is (safe_links.page_link).
    assert f'<a href="{details["doc_url"]}" rel="noopener noreferrer" target="_blank">' in html
    encodings = incident_list_path(incident, "acme")
    assert encodings.startswith("/o/acme/encodings/?") and "code=2001" in encodings
    assert f'href="{encodings.replace("&", "&amp;")}"' in html
    timeline = html.split('id="timeline-title"')[1].split("</section>")[0]
    assert "Opened" in timeline and 'class="ts"' in timeline


def test_a_resolved_incident_says_when_and_shows_both_transitions(world, login):
    incident = make_incident(world.acme, AlertKind.STUCK, title="3 encodings stuck", resolved_minutes_ago=2)
    html = login(world.viewer).get(f"/o/acme/incidents/{incident.pk}/").content.decode()
    assert "<span>Resolved</span>" in html and "after 8 min" in html
    timeline = html.split('id="timeline-title"')[1].split("</section>")[0]
    assert timeline.index("Opened") < timeline.index("Resolved")


def test_a_sync_incident_has_no_encodings_link_and_shows_the_request_id(world, login):
    incident = make_incident(
        world.acme,
        AlertKind.SYNC,
        title="Sync broken: 4 syncs in a row failed",
        details={
            "consecutive_failures": 4,
            "last_error_request_id": "req-42",
            "last_sync_succeeded_at": None,
        },
    )
    html = login(world.viewer).get(f"/o/acme/incidents/{incident.pk}/").content.decode()
    assert "<span>Critical</span>" in html
    assert "Show these encodings" not in html
    assert "<code>req-42</code>" in html and "Failed syncs in a row" in html
    assert incident.summary in html, "its summary is all it says of itself"


def test_notifications_show_channel_outcome_and_answer_but_never_the_channel_url(world, login, settings):
    settings.ALERT_CHANNELS_ALLOW_LOOPBACK = True  # the webhook's receiver would be on this machine
    incident = evaluated_failure(world.acme)
    hook = channel_add(
        organization=world.acme,
        kind="webhook",
        name="On-call",
        target="http://127.0.0.1:9" + HOOK_SECRET_PATH,
    )
    channel_add(organization=world.acme, kind="email", name="Ops mail", target="ops@example.com")
    notify(incident)
    now = timezone.now()
    AlertDelivery.objects.filter(channel=hook.channel).update(
        delivered_at=now, next_attempt_at=None, attempts=2, last_status=200
    )
    AlertDelivery.objects.exclude(channel=hook.channel).update(
        next_attempt_at=None, attempts=6, last_status=550, last_error="the mail server refused the recipient"
    )
    # Its reminder is one of its messages; a digest of many incidents and another incident's are not.
    AlertDelivery.objects.create(
        channel=hook.channel, message_key=f"incident-{incident.pk}-update-9", kind="update", subject="s"
    )
    AlertDelivery.objects.create(channel=hook.channel, message_key="digest-1", kind="digest", subject="s")
    other = make_incident(world.acme, AlertKind.STUCK, title="Other")
    notify(other)

    response = login(world.viewer).get(f"/o/acme/incidents/{incident.pk}/")

    html = response.content.decode()
    table = html.split('id="notifications-title"')[1].split("</section>")[0]
    assert table.count("<tr>") == 1 + 3, "a header and this incident's three deliveries"
    assert "Still open" in table and "Digest" not in table
    assert "On-call" in table and "Ops mail" in table
    assert "<span>delivered</span>" in table and "<span>given up</span>" in table
    assert "HTTP 200" in table and "SMTP 550" in table
    assert "the mail server refused the recipient" in table
    assert f"<code>{hook.channel.target_hint}</code>" in table
    for secret in ("s3cretHookPart", HOOK_SECRET_PATH, hook.signing_secret):
        assert secret not in html


def test_an_incident_of_another_organization_is_not_found(world, login):
    theirs = make_incident(world.globex, title="Their incident")
    client = login(world.viewer)
    assert client.get(f"/o/acme/incidents/{theirs.pk}/").status_code == 404
    assert client.get(f"/o/globex/incidents/{theirs.pk}/").status_code == 404
    assert client.get("/o/globex/incidents/").status_code == 404
    assert client.get("/o/acme/incidents/999999/").status_code == 404
    assert client.get(f"/o/acme/incidents/{2**70}/").status_code == 404, "past any id the database holds"


def test_anonymous_visitors_are_sent_to_log_in(world):
    incident = make_incident(world.acme)
    for url in ("/o/acme/incidents/", f"/o/acme/incidents/{incident.pk}/"):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_url_names_other_code_links_with(world):
    incident = make_incident(world.acme)
    assert reverse("incident-list", args=["acme"]) == "/o/acme/incidents/"
    assert reverse("incident-detail", args=["acme", incident.pk]) == f"/o/acme/incidents/{incident.pk}/"


def test_the_organization_navigation_leads_to_the_incidents(world, login):
    incident = make_incident(world.acme)
    client = login(world.viewer)
    overview = client.get("/o/acme/").content.decode()
    assert '<a href="/o/acme/incidents/">Incidents</a>' in overview
    for url in ("/o/acme/incidents/", f"/o/acme/incidents/{incident.pk}/"):
        html = client.get(url).content.decode()
        assert '<a href="/o/acme/incidents/" aria-current="page">Incidents</a>' in html


def test_switching_organization_on_an_incident_lands_on_the_other_ones_incidents(world, login):
    incident = make_incident(world.acme)
    make_member(world.acme, Role.VIEWER, user=world.outsider)
    client = login(world.outsider)
    html = client.get(f"/o/acme/incidents/{incident.pk}/").content.decode()
    assert 'href="/o/globex/switch/?to=incidents"' in html
    response = client.get("/o/globex/switch/?to=incidents")
    assert response.status_code == 302 and response["Location"] == "/o/globex/incidents/"


def test_an_incident_open_for_days_reads_in_days(world, login):
    incident = make_incident(world.acme, minutes_ago=timedelta(days=3).total_seconds() / 60)
    html = login(world.viewer).get("/o/acme/incidents/").content.decode()
    row = html.split(f'href="/o/acme/incidents/{incident.pk}/"')[1].split("</tr>")[0]
    assert "3 d ago" in row
