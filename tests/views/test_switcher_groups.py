"""The switcher in the header groups organizations by Bitmovin account, roots before their
sub-organizations, and offers a filter box once there are more than ten; its links are the same single
click as before, and a longer list costs no more queries."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from encodings_app.models import Organization, Role
from tests.factories import make_member, make_organization, make_user
from tests.support.accounts_fleet import GROUPED, make_accounts_fleet

pytestmark = pytest.mark.django_db


def switcher_of(page: str) -> str:
    return page.split('<nav class="org-switcher"')[1].split("</nav>")[0]


def groups_of(switcher: str) -> list[tuple[str, list[tuple[str, int]]]]:
    """(heading, [(organization, depth)]) as the menu shows them: each group a list its heading labels."""
    found = []
    for _heading_id, heading, items in re.findall(
        r'<span class="switcher-group-name" id="([^"]+)">([^<]+)</span>\s*'
        r'<ul class="switcher-group-items" aria-labelledby="\1">(.*?)</ul>',
        switcher,
        re.DOTALL,
    ):
        entries = re.findall(
            r'<li class="switcher-depth-(\d)" data-switcher-entry>.*?'
            r'<span class="switcher-name">([^<]+)</span>',
            items,
            re.DOTALL,
        )
        found.append((heading, [(name, int(depth)) for depth, name in entries]))
    return found


@pytest.fixture
def superuser():
    return make_user("root", is_superuser=True)


def test_the_switcher_groups_organizations_by_account_with_sub_organizations_under_their_parent(
    superuser, login
):
    make_accounts_fleet()

    switcher = switcher_of(login(superuser).get("/o/fleet-m-east/").content.decode())

    assert groups_of(switcher) == GROUPED
    assert switcher.count('class="chip chip-') == 12, "a health chip for each"
    assert 'href="/o/fleet-m-east/" aria-current="page"' in switcher
    assert switcher.count('aria-current="page"') == 1
    assert 'href="/o/fleet-a-root/"' in switcher, "a single click to another overview"


def test_the_links_still_land_on_the_same_kind_of_page(superuser, login):
    make_accounts_fleet()

    switcher = switcher_of(login(superuser).get("/o/fleet-m-east/encodings/?status=RUNNING").content.decode())

    assert 'href="/o/fleet-z-kids/switch/?to=list&amp;back=status%3DRUNNING"' in switcher


def test_keyless_organizations_are_listed_last_under_without_a_key(superuser, login):
    make_accounts_fleet()
    make_organization("keyless", name="Keyless Org", api_key=None)

    groups = groups_of(switcher_of(login(superuser).get("/").content.decode()))

    assert groups[-1] == ("Without a key", [("Keyless Org", 0)])
    assert groups[:-1] == GROUPED


def test_without_keyless_organizations_there_is_no_such_group(world, login):
    user = make_user("multi")
    make_member(world.acme, Role.VIEWER, user=user)
    make_member(world.globex, Role.VIEWER, user=user)

    switcher = switcher_of(login(user).get("/o/acme/").content.decode())

    assert groups_of(switcher) == [
        ("Acme Media", [("Acme Media", 0)]),
        ("Globex Broadcasting", [("Globex Broadcasting", 0)]),
    ]
    assert "Without a key" not in switcher


def test_more_than_ten_organizations_get_a_labelled_filter_box_and_ten_do_not(superuser, login):
    fleet = make_accounts_fleet()
    client = login(superuser)

    switcher = switcher_of(client.get("/").content.decode())
    assert '<label for="switcher-filter-input">Filter organizations</label>' in switcher
    assert '<input type="search" id="switcher-filter-input"' in switcher
    assert 'class="switcher-filter needs-js"' in switcher, "hidden without JavaScript, which filters it"

    fleet["Mondo Lab"].delete()
    fleet["Mondo East"].delete()
    switcher = switcher_of(client.get("/").content.decode())
    assert "Filter organizations" not in switcher and 'type="search"' not in switcher


def test_the_page_reads_as_many_rows_with_twelve_organizations_over_three_accounts_as_with_two(
    superuser, login, django_assert_num_queries
):
    make_accounts_fleet()
    client = login(superuser)
    pages = ("/", "/o/fleet-a-root/", "/o/fleet-a-root/encodings/")
    counts = {}
    for url in pages:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[url] = len(queries)

    Organization.objects.exclude(slug__in=["fleet-a-root", "fleet-z-news"]).delete()

    for url in pages:
        with django_assert_num_queries(counts[url]):
            page = client.get(url).content.decode()
        assert [name for _heading, group in groups_of(switcher_of(page)) for name, _depth in group] == [
            "Acme HQ",
            "Zephyr News",
        ]
