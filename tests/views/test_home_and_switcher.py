"""The start page (cross-organization overview, worst first) and the organization switcher in the header."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from encodings_app.models import Organization, Role
from tests.factories import failed_encoding, make_member, make_organization, make_user, running_encoding

pytestmark = pytest.mark.django_db


def test_user_without_organization_reads_that_they_are_not_a_member_yet(login):
    response = login(make_user("newbie")).get("/")
    assert response.status_code == 200
    assert "not a member of any organization yet" in response.content.decode()


def test_member_of_one_organization_goes_straight_to_its_overview(world, login):
    response = login(world.viewer).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/"


def test_member_of_several_organizations_sees_them_worst_first(world, login):
    healthy = make_organization("calm", name="Calm Corp")
    healthy.last_sync_succeeded_at = timezone.now()
    healthy.save()
    world.acme.last_sync_succeeded_at = timezone.now()
    world.acme.save()
    failed_encoding(world.acme)
    world.globex.key_rejected = True
    world.globex.save()
    user = make_user("multi")
    for organization in (healthy, world.acme, world.globex):
        make_member(organization, Role.VIEWER, user=user)

    page = login(user).get("/").content.decode()

    main = page.split('<main id="main"')[1]
    order = [m for m in re.findall(r'<h2 class="org-card-title">.*?>([^<]+)</a></h2>', main)]
    assert order == ["Globex Broadcasting", "Acme Media", "Calm Corp"]
    assert "Key rejected" in main
    assert "1 failed in 24 h" in main
    assert "Healthy" in main


def test_cross_organization_overview_counts_running_queued_stuck_and_failed(world, login):
    user = make_user("multi")
    make_member(world.acme, Role.VIEWER, user=user)
    make_member(world.globex, Role.VIEWER, user=user)
    Organization.objects.update(last_sync_succeeded_at=timezone.now())
    running_encoding(world.acme)
    running_encoding(world.acme, progress_changed_at=timezone.now() - timedelta(hours=3))
    failed_encoding(world.acme)

    page = login(user).get("/").content.decode()

    acme_card = page.split("Acme Media</a></h2>")[1].split("</li>\n    \n")[0]
    assert '?status=RUNNING">2</a>' in acme_card
    assert '?stuck=1">1</a>' in acme_card
    # "in 24 h" is part of the failure count's own link, beside its number.
    assert (
        'period=24h"><span class="org-card-number">1</span> <span class="org-card-period">in 24 h</span></a>'
        in (acme_card)
    )


def test_the_card_of_an_organization_that_never_synced_shows_no_zeros(world, login):
    user = make_user("multi")
    make_member(world.acme, Role.VIEWER, user=user)
    make_member(world.globex, Role.VIEWER, user=user)
    world.globex.last_sync_succeeded_at = timezone.now()
    world.globex.save(update_fields=["last_sync_succeeded_at"])
    world.acme.key_rejected = True
    world.acme.save(update_fields=["key_rejected"])

    page = login(user).get("/").content.decode()

    acme_card = page.split("Acme Media</a></h2>")[1].split("</li>\n    \n")[0]
    assert "Never synced: Bitmovin rejected its API key" in acme_card
    assert "org-card-counts" not in acme_card and "Healthy" not in acme_card
    globex_card = page.split("Globex Broadcasting</a></h2>")[1].split("</li>\n    \n")[0]
    assert "org-card-counts" in globex_card


def test_switcher_lists_only_the_users_organizations_with_a_health_chip_each(world, login):
    make_organization("secret", name="Secret Org")
    user = make_user("multi")
    make_member(world.acme, Role.VIEWER, user=user)
    make_member(world.globex, Role.VIEWER, user=user)

    page = login(user).get("/o/acme/encodings/").content.decode()

    switcher = page.split('<nav class="org-switcher"')[1].split("</nav>")[0]
    assert "Acme Media" in switcher and "Globex Broadcasting" in switcher
    assert "Secret Org" not in switcher
    assert switcher.count('class="chip chip-') == 2
    assert 'href="/o/acme/" aria-current="page"' in switcher
    assert 'href="/"' in switcher


def test_active_organization_name_and_colour_are_on_every_organization_page(world, login):
    client = login(world.admin)
    encoding = running_encoding(world.acme)
    for url in (
        "/o/acme/",
        "/o/acme/encodings/",
        f"/o/acme/encodings/{encoding.bitmovin_id}/",
        "/o/acme/settings/",
    ):
        page = client.get(url).content.decode()
        org_bar = page.split('<div class="org-bar">')[1].split("</nav>")[0]
        assert 'fill="#b3261e"' in org_bar, url
        assert "Acme Media" in org_bar, url


def test_superuser_reaches_every_organization_from_the_start_page(world):
    root = make_user("root", is_superuser=True)
    client = Client()
    client.force_login(root)
    page = client.get("/").content.decode()
    assert "Acme Media" in page and "Globex Broadcasting" in page
    assert "/organizations/new/" in page


def test_start_page_polls_its_live_part_and_answers_htmx_with_the_fragment(world, login):
    user = make_user("multi")
    make_member(world.acme, Role.VIEWER, user=user)
    make_member(world.globex, Role.VIEWER, user=user)
    client = login(user)
    full = client.get("/")
    assert 'hx-trigger="every 15s, poll-now"' in full.content.decode()
    fragment = client.get("/", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert 'id="all-live"' in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"]
