"""Open incidents where people already look: the overview's panel, the start page's organization cards and
the switcher's health chip, which takes the worst of the sync's health and the incidents' severity."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from encodings_app.models import AlertKind, Organization, Role
from encodings_app.selectors.incidents import incident_list_path
from tests.factories import make_incident, make_member, make_organization, make_user

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def synced(world):
    Organization.objects.update(last_sync_succeeded_at=timezone.now())


def panel_of(html: str) -> str:
    return html.split('id="incidents-title"')[1].split("</section>")[0]


def switcher_chip(html: str, name: str) -> str:
    """The switcher's chip of the organization called `name`."""
    item = html.split('class="switcher-menu"')[1].split(f'<span class="switcher-name">{name}</span>')[1]
    return re.search(r'<span class="chip chip-(\w+)">.*?<span>([^<]+)</span></span>', item).groups()


def test_the_overview_lists_open_incidents_worst_first_with_links(world, login):
    stuck = make_incident(
        world.acme, AlertKind.STUCK, title="2 encodings stuck", details={"list_query": {"stuck": "1"}}
    )
    sync = make_incident(world.acme, AlertKind.SYNC, title="Sync broken: key rejected", minutes_ago=30)
    make_incident(world.acme, AlertKind.FAILED, title="Long over", resolved_minutes_ago=1)

    html = login(world.viewer).get("/o/acme/").content.decode()

    panel = panel_of(html)
    titles = re.findall(r'href="/o/acme/incidents/\d+/">([^<]+)</a>', panel)
    assert titles == ["Sync broken: key rejected", "2 encodings stuck"]
    assert f'href="/o/acme/incidents/{sync.pk}/"' in panel
    assert f'href="{incident_list_path(stuck, "acme")}">Show the encodings</a>' in panel
    assert panel.count("Show the encodings") == 1, "a broken sync has no encodings of its own"
    assert "<span>Critical</span>" in panel and "<span>Warning</span>" in panel
    assert 'href="/o/acme/incidents/">All incidents</a>' in panel


def test_the_overview_says_when_nothing_is_open_and_its_live_part_keeps_the_panel(world, login):
    make_incident(world.acme, title="Resolved", resolved_minutes_ago=1)
    client = login(world.viewer)
    assert "No open incidents" in panel_of(client.get("/o/acme/").content.decode())
    make_incident(world.acme, title="Just opened")
    fragment = client.get("/o/acme/", headers=HTMX).content.decode()
    assert "Just opened" in panel_of(fragment)


def test_the_start_page_counts_each_organizations_open_incidents_and_their_worst_severity(world, login):
    user = make_user("multi")
    for organization in (world.acme, world.globex):
        make_member(organization, Role.VIEWER, user=user)
    make_incident(world.acme, AlertKind.STUCK)
    make_incident(world.acme, AlertKind.SYNC)
    make_incident(world.acme, AlertKind.FAILED, resolved_minutes_ago=1)

    html = login(user).get("/").content.decode()

    main = html.split('<main id="main"')[1]
    # Each card's title (the links to narrow the page to an account name them too).
    acme_title, globex_title = "Acme Media</a></h2>", "Globex Broadcasting</a></h2>"
    acme = main.split(acme_title)[1].split("</li>\n")[0]
    assert '<span>Critical</span></span> <a href="/o/acme/incidents/">2 open incidents</a>' in acme
    assert "Healthy" not in acme, "two open incidents are not healthy"
    globex = main.split(globex_title)[1]
    assert '<a href="/o/globex/incidents/">No open incidents</a>' in globex
    # Acme's critical incidents put it first, although both syncs are fine.
    assert main.index(acme_title) < main.index(globex_title)
    assert "org-card org-card-bad" in main.split(acme_title)[0].rsplit("<li", 1)[1]


def test_the_switcher_chip_counts_open_incidents_and_takes_the_worst_of_sync_and_incidents(world, login):
    calm = make_organization("calm", name="Calm Corp")
    calm.last_sync_succeeded_at = timezone.now()
    calm.save()
    warned = make_organization("warned", name="Warned Inc")
    warned.last_sync_succeeded_at = timezone.now()
    warned.save()
    Organization.objects.filter(pk=world.globex.pk).update(key_rejected=True)
    for organization in (calm, warned, world.globex):
        make_member(organization, Role.VIEWER, user=world.viewer)
    make_incident(world.acme, AlertKind.SPIKE)
    make_incident(warned, AlertKind.STUCK)
    make_incident(warned, AlertKind.FAILED)
    make_incident(world.globex, AlertKind.FAILED)
    make_incident(calm, AlertKind.SYNC, resolved_minutes_ago=1)

    html = login(world.viewer).get("/o/acme/").content.decode()

    assert switcher_chip(html, "Acme Media") == ("bad", "1 open incident")
    assert switcher_chip(html, "Warned Inc") == ("warn", "2 open incidents")
    assert switcher_chip(html, "Globex Broadcasting") == ("bad", "Key rejected · 1 open incident")
    assert switcher_chip(html, "Calm Corp") == ("ok", "Healthy")
