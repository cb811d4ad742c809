"""Open incidents on the wall: a banner each, worst first, with only what a public screen may show, and a tag
that changes when they change and at no other time."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from encodings_app.models import AlertKind, Organization, Role
from encodings_app.selectors.wall import ROWS_GIVEN_UP, ROWS_PER_LIST
from encodings_app.services.alerts import alerts_evaluate
from encodings_app.services.display_links import display_link_create
from tests.factories import failed_encodings, make_encoding, make_incident, make_member
from tests.views.wall.test_wall import HTMX, open_link

pytestmark = pytest.mark.django_db


def banners_of(html: str) -> str:
    return html.split('class="wall-incidents"')[1].split("</ul>")[0]


def evaluate(organization: Organization, **delta) -> None:
    alerts_evaluate(
        organization=Organization.objects.get(pk=organization.pk), now=timezone.now() + timedelta(**delta)
    )


def test_open_incidents_are_banners_worst_first_naming_their_organization(client, acme, globex):
    make_incident(acme, AlertKind.STUCK, title="2 encodings stuck", minutes_ago=3)
    make_incident(globex, AlertKind.SYNC, title="Sync broken: Bitmovin rejects the API key", minutes_ago=125)
    make_incident(acme, AlertKind.FAILED, title="Resolved already", resolved_minutes_ago=1)
    _, token = display_link_create(label="Both", organizations=[acme, globex])

    html = client.get(f"/wall/{token}/", follow=True).content.decode()

    banners = banners_of(html)
    assert banners.index("Sync broken") < banners.index("2 encodings stuck")
    assert "Resolved already" not in html
    assert "<span>Critical</span>" in banners and "<span>Warning</span>" in banners
    assert '<span class="wall-incident-org">Globex</span>' in banners
    words = re.sub(r"<[^>]+>", "", banners)
    assert "opened 2 h ago" in words and "opened 3 min ago" in words


def test_banners_show_no_links_and_no_summary_on_a_public_screen(client, link, acme):
    incident = make_incident(acme, summary="The last error: request req-77 refused", title="Sync broken")
    _, token = link
    html = client.get(f"/wall/{token}/", follow=True).content.decode()
    banners = banners_of(html)
    assert "Sync broken" in banners
    assert "<a " not in banners and "/incidents/" not in html
    assert incident.summary not in html
    assert "wall-incident-org" not in banners, "one organization: its name is on its card already"


def test_the_tag_follows_open_incidents_and_ignores_an_evaluation_that_finds_them_unchanged(
    client, link, acme
):
    _, token = link
    wall = open_link(client, token)

    def tag() -> str:
        return client.get(wall, **HTMX)["ETag"]

    def unchanged(etag: str) -> bool:
        return client.get(wall, HTTP_IF_NONE_MATCH=etag, **HTMX).status_code == 304

    before = tag()
    failed_encodings(acme, 3, code=2001, minutes_ago=2)
    assert unchanged(before), "the wall's own data version did not move"
    evaluate(acme)
    opened = tag()
    assert opened != before
    assert "3 encodings failed" in banners_of(client.get(wall, **HTMX).content.decode())

    evaluate(acme)
    assert unchanged(opened), "found again as it was: only last_seen_at moved"

    failed_encodings(acme, 1, code=2001, minutes_ago=1)
    evaluate(acme)
    counted = tag()
    assert counted != opened
    assert "4 encodings failed" in banners_of(client.get(wall, **HTMX).content.decode())

    Organization.objects.filter(pk=acme.pk).update(
        last_sync_succeeded_at=timezone.now() + timedelta(minutes=20)
    )
    evaluate(acme, minutes=20)
    assert not acme.incidents.filter(kind=AlertKind.FAILED, resolved_at__isnull=True).exists()
    resolved = tag()
    assert resolved != counted
    assert "encodings failed" not in client.get(wall, **HTMX).content.decode()


@pytest.mark.parametrize("incidents", [1, 30])
def test_a_full_render_reads_the_banners_in_one_query(
    client, link, acme, django_assert_num_queries, incidents
):
    for number in range(incidents):
        make_incident(acme, title=f"Incident {number}")
    _, token = link
    wall = open_link(client, token)
    # scope, organizations, seven per organization, the open incidents, and the link's last-seen stamp
    with django_assert_num_queries(11):
        client.get(wall, **HTMX)


def test_more_incidents_than_lines_end_in_a_count_and_the_lists_make_room(client, link, acme):
    now = timezone.now()
    for number in range(20):
        make_encoding(
            acme, name=f"Running job {number:02d}", status="RUNNING", progress=number, running_at=now
        )
    for number in range(5):
        make_incident(acme, AlertKind.FAILED, title=f"Cause {number}", count=10 + number)
    _, token = link

    html = client.get(f"/wall/{token}/", follow=True).content.decode()

    banners = banners_of(html)
    assert [title for title in ("Cause 4", "Cause 3", "Cause 2", "Cause 1") if title in banners] == [
        "Cause 4",
        "Cause 3",
    ], "the most encodings first, two banners and a count in three lines"
    assert "+3 more open incidents" in banners
    assert html.count("Running job") == ROWS_PER_LIST[1] - ROWS_GIVEN_UP[1][3]


def test_the_member_wall_shows_banners_and_its_tag_follows_them(acme, held_clock):
    member = Client()
    member.force_login(make_member(acme, Role.VIEWER))
    etag = member.get("/o/acme/wall/", **HTMX)["ETag"]
    make_incident(acme, title="Sync broken")
    response = member.get("/o/acme/wall/", HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert response.status_code == 200
    assert "Sync broken" in banners_of(response.content.decode())
