"""The switcher's menu groups organizations by the Bitmovin account they are read through
(selectors/switcher.py): accounts by name, each root before its sub-organizations, keyless ones last."""

from __future__ import annotations

import pytest

from encodings_app.selectors.organizations import organizations_with_health
from encodings_app.selectors.switcher import KEYLESS_GROUP_NAME, switcher_groups, switcher_menu
from tests.factories import make_connection, make_member, make_organization, make_user
from tests.support.accounts_fleet import GROUPED, make_accounts_fleet

pytestmark = pytest.mark.django_db


def shape(groups) -> list[tuple[str, list[tuple[str, int]]]]:
    return [
        (group.name, [(entry.health.organization.name, entry.depth) for entry in group.entries])
        for group in groups
    ]


@pytest.fixture
def superuser():
    return make_user("root", is_superuser=True)


def test_organizations_are_grouped_by_account_roots_first_and_sub_organizations_under_them(superuser):
    make_accounts_fleet()

    assert shape(switcher_groups(organizations_with_health(superuser))) == GROUPED


def test_organizations_without_a_key_come_last_in_a_group_of_their_own(superuser):
    make_accounts_fleet()
    make_organization("lone-b", name="beta without key", api_key=None)
    make_organization("lone-a", name="Alpha without key", api_key=None)

    groups = switcher_groups(organizations_with_health(superuser))

    assert shape(groups)[:-1] == GROUPED
    assert shape(groups)[-1] == (KEYLESS_GROUP_NAME, [("Alpha without key", 0), ("beta without key", 0)])


def test_there_is_no_keyless_group_when_every_organization_has_a_key(superuser):
    make_accounts_fleet()

    names = [group.name for group in switcher_groups(organizations_with_health(superuser))]

    assert KEYLESS_GROUP_NAME not in names


def test_a_member_sees_only_their_organizations_and_a_sub_organization_without_its_parent_stands_alone():
    fleet = make_accounts_fleet()
    user = make_user("member")
    for name in ("Acme Live", "Acme Archive", "Zephyr"):
        make_member(fleet[name], user=user)

    groups = switcher_groups(organizations_with_health(user))

    assert shape(groups) == [
        ("Acme account", [("Acme Archive", 0), ("Acme Live", 0)]),
        ("Zephyr Broadcast", [("Zephyr", 0)]),
    ]


def test_the_accounts_own_organization_without_a_tenant_id_is_a_root(superuser):
    connection = make_connection(name="Solo")
    make_organization("own", name="Own", connection=connection, tenant_org_id="")
    make_organization("sub", name="A sub", connection=connection, tenant_org_id="s-1", bitmovin_parent_id="r")

    assert shape(switcher_groups(organizations_with_health(superuser))) == [
        ("Solo", [("Own", 0), ("A sub", 0)])
    ]


def test_grouping_reads_nothing_more_from_the_database(superuser, django_assert_num_queries):
    make_accounts_fleet()
    healths = organizations_with_health(superuser)

    with django_assert_num_queries(0):
        groups = switcher_groups(healths)

    assert sum(len(group.entries) for group in groups) == 12


def test_the_filter_box_is_offered_past_ten_organizations(superuser):
    fleet = make_accounts_fleet()
    assert switcher_menu(organizations_with_health(superuser)).filterable

    fleet["Mondo Lab"].delete()
    fleet["Mondo East"].delete()

    assert not switcher_menu(organizations_with_health(superuser)).filterable
