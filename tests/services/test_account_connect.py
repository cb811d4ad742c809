"""Connecting a Bitmovin account against the simulator (services/account_connect.py, the connect_account
command): a key tested by what it reaches, stored once, and only the organizations picked watched."""

from __future__ import annotations

import io

import pytest
import requests
from bitmovin_api_sdk import Organization as SdkOrganization
from bitmovin_api_sdk import OrganizationType
from django.core.management import CommandError, call_command
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from encodings_app.models import AccountConnection, AuditEvent, Encoding, Organization
from encodings_app.selectors.health import problems_of
from encodings_app.services import sync
from encodings_app.services.account_connect import (
    COLOURS,
    ConnectRefused,
    account_connect,
    connection_check,
    connection_key_replace,
    free_colour,
    organizations_watch,
)
from tests.factories import make_organization
from tests.support.api_client import simulator_client
from tests.support.simulator import RunningSimulator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def simulator():
    # Two accounts of four organizations each (a root and three sub-organizations), each with its own key.
    with RunningSimulator(
        encodings=60, seed=3, organizations=4, api_key=None, args=["--accounts", "2", "--rate-limits", "off"]
    ) as running:
        yield running


@pytest.fixture
def account(simulator) -> dict:
    return simulator.accounts()["accounts"][0]


def connect(simulator, key: str, **kwargs):
    return account_connect(api_key=key, api_base_url=simulator.base_url, **kwargs)


def test_two_picked_of_four_are_watched_and_exactly_those_two_are_synced(simulator, account):
    key = account["apiKeys"][0]
    connection, reach = connect(simulator, key)
    assert {item.id for item in reach.organizations} == {item["id"] for item in account["organizations"]}
    root = next(item for item in account["organizations"] if not item["parentId"])
    assert connection.name == root["name"], "named as Bitmovin names the account's root"
    picked = [item["id"] for item in account["organizations"] if item["parentId"]][:2]

    outcome = organizations_watch(connection=connection, tenant_ids=picked, reach=reach)

    assert sorted(organization.tenant_org_id for organization in outcome.added) == sorted(picked)
    assert Organization.objects.count() == 2
    assert len({organization.colour for organization in outcome.added}) == 2
    for organization in outcome.added:
        assert organization.connection == connection
        assert organization.name == next(
            item.name for item in reach.organizations if item.id == organization.tenant_org_id
        )
        run = sync.organization_sync(organization_id=organization.pk)
        assert run is not None and run.outcome == run.Outcome.OK
        with simulator_client(simulator, organization.tenant_org_id, key) as api:
            in_bitmovin = sorted(item.id for item in api.iter_encodings())
        mirrored = Encoding.objects.filter(organization=organization).values_list("bitmovin_id", flat=True)
        assert sorted(mirrored) == in_bitmovin
    assert Encoding.objects.exclude(organization__tenant_org_id__in=picked).count() == 0
    assert AccountConnection.objects.count() == 1


def test_connecting_the_same_key_again_reuses_its_connection_and_leaves_the_watched_as_they_are(
    simulator, account
):
    key = account["apiKeys"][0]
    first, reach = connect(simulator, key)
    sub = next(item["id"] for item in account["organizations"] if item["parentId"])
    organizations_watch(connection=first, tenant_ids=[sub], reach=reach)

    again, reach = connect(simulator, f"  {key}\n", name="Another name")
    outcome = organizations_watch(connection=again, tenant_ids=[sub], reach=reach)

    assert again == first and again.name == first.name
    assert outcome.added == [] and [organization.tenant_org_id for organization in outcome.already] == [sub]
    assert Organization.objects.count() == 1


def test_each_watched_organization_keeps_its_bitmovin_parent_and_the_root_none(simulator, account):
    connection, reach = connect(simulator, account["apiKeys"][0])
    root = next(item for item in account["organizations"] if not item["parentId"])

    organizations_watch(
        connection=connection, tenant_ids=[item.id for item in reach.organizations], reach=reach
    )

    parents = dict(Organization.objects.values_list("tenant_org_id", "bitmovin_parent_id"))
    assert parents == {
        item["id"]: ("" if item["id"] == root["id"] else item["parentId"])
        for item in account["organizations"]
    }
    assert set(parents.values()) == {"", root["id"]}


def test_a_tenant_the_key_does_not_reach_refuses_the_whole_pick(simulator, account):
    connection, reach = connect(simulator, account["apiKeys"][0])
    foreign = simulator.accounts()["accounts"][1]["organizations"][0]["id"]
    own = account["organizations"][0]["id"]

    with pytest.raises(ConnectRefused) as refused:
        organizations_watch(connection=connection, tenant_ids=[own, foreign], reach=reach)

    assert foreign in refused.value.message and refused.value.field == "tenants"
    assert Organization.objects.count() == 0


def test_a_key_bitmovin_refuses_saves_nothing_and_is_audited_without_the_key(simulator):
    with pytest.raises(ConnectRefused) as refused:
        connect(simulator, "not-a-key-bitmovin-knows")

    assert "Bitmovin did not accept this key, so nothing was saved" in refused.value.message
    assert "not-a-key-bitmovin-knows" not in refused.value.message
    assert AccountConnection.objects.count() == 0
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_CONNECT)
    assert event.outcome == AuditEvent.Outcome.REFUSED
    assert "not-a-key" not in f"{event.target} {event.detail}"


def test_an_address_this_dashboard_may_not_send_keys_to_is_refused_before_any_call(settings):
    settings.BITMOVIN_ALLOW_LOOPBACK = False
    with pytest.raises(ConnectRefused) as refused:
        account_connect(api_key="some-key", api_base_url="http://127.0.0.1:9/v1")
    assert refused.value.field == "api_base_url"
    assert AccountConnection.objects.count() == 0


def test_colours_go_to_the_one_fewest_organizations_have():
    assert free_colour([]) == COLOURS[0]
    assert free_colour([COLOURS[0], COLOURS[1].upper()]) == COLOURS[2]
    assert free_colour([*COLOURS, COLOURS[0]]) == COLOURS[1]


def test_the_command_reads_the_key_from_a_file_and_watches_what_it_is_told(simulator, account, tmp_path):
    key_file = tmp_path / "key"
    key = account["apiKeys"][0]
    key_file.write_text(f"{key}\n")
    sub = next(item for item in account["organizations"] if item["parentId"])
    out = io.StringIO()

    call_command(
        "connect_account",
        "--api-key-file",
        str(key_file),
        "--base-url",
        simulator.base_url,
        "--tenant",
        sub["id"],
        stdout=out,
    )

    text = out.getvalue()
    assert f"{sub['name']}  {sub['id']}  added as " in text
    assert text.count("not watched") == 3
    assert key not in text and key[:-4] not in text
    assert list(Organization.objects.values_list("tenant_org_id", flat=True)) == [sub["id"]]

    out = io.StringIO()
    call_command(
        "connect_account",
        "--api-key-file",
        str(key_file),
        "--base-url",
        simulator.base_url,
        "--all",
        stdout=out,
    )
    assert out.getvalue().count("added as") == 3 and out.getvalue().count("watched as") == 1
    assert Organization.objects.count() == 4 and AccountConnection.objects.count() == 1


def test_the_command_refuses_a_key_file_that_holds_more_than_a_key(simulator, tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("two words\n")
    with pytest.raises(CommandError, match="must hold the API key alone"):
        call_command("connect_account", "--api-key-file", str(key_file), "--base-url", simulator.base_url)
    assert AccountConnection.objects.count() == 0


@pytest.fixture
def changing():
    """A world of its own: these tests add and remove organizations at the simulator."""
    with RunningSimulator(encodings=6, organizations=3, api_key=None, args=["--accounts", "2"]) as running:
        yield running


def test_the_check_offers_a_new_sub_organization_and_marks_a_watched_one_no_longer_reached(changing):
    account = changing.accounts()["accounts"][0]
    key = account["apiKeys"][0]
    root, first, second = sorted(account["organizations"], key=lambda item: bool(item["parentId"]))
    connection, reach = account_connect(api_key=key, api_base_url=changing.base_url)
    organizations_watch(connection=connection, tenant_ids=[first["id"], second["id"]], reach=reach)

    checked = connection_check(connection)
    assert (checked.offered, checked.newly_offered, checked.unreachable) == (1, 1, 0)
    connection.refresh_from_db()
    assert [entry["id"] for entry in connection.offered] == [root["id"]]
    seen = connection.offered[0]["firstSeen"]

    created = changing.sdk(api_key=key).account.organizations.create(
        SdkOrganization(name="Night desk", type_=OrganizationType.SUB_ORGANIZATION, parent_id=root["id"])
    )
    requests.delete(f"{changing.root_url}/_sim/organizations/{second['id']}", timeout=10).raise_for_status()
    checked = connection_check(connection)

    assert (checked.offered, checked.newly_offered, checked.unreachable) == (2, 1, 1)
    connection.refresh_from_db()
    offered = {entry["id"]: entry for entry in connection.offered}
    assert set(offered) == {root["id"], created.id}, "offered, never watched on its own"
    assert offered[root["id"]]["firstSeen"] == seen, "offered since it was first seen"
    assert Organization.objects.count() == 2
    gone = Organization.objects.get(tenant_org_id=second["id"])
    assert gone.unreachable_since is not None, "marked, not deleted"
    assert Organization.objects.get(tenant_org_id=first["id"]).unreachable_since is None
    assert "Key no longer reaches it" in [
        problem.text for problem in problems_of(gone, 0, sync_stopped=False)
    ]


def test_a_check_that_cannot_read_keeps_every_mark_and_says_why(changing):
    account = changing.accounts()["accounts"][0]
    connection, reach = account_connect(api_key=account["apiKeys"][0], api_base_url=changing.base_url)
    organizations_watch(connection=connection, tenant_ids=[reach.organizations[0].id], reach=reach)
    connection.set_api_key("a-key-bitmovin-never-issued")
    connection.save()

    checked = connection_check(connection)

    connection.refresh_from_db()
    assert "Bitmovin did not accept this key" in checked.problem == connection.check_problem
    assert Organization.objects.get().unreachable_since is None


def test_a_new_key_replaces_the_old_one_for_every_organization_only_once_it_reaches_them_all(changing):
    accounts = changing.accounts()["accounts"]
    own_key, other_key = accounts[0]["apiKeys"][0], accounts[1]["apiKeys"][0]
    connection, reach = account_connect(api_key=own_key, api_base_url=changing.base_url)
    organizations_watch(
        connection=connection, tenant_ids=[item.id for item in reach.organizations], reach=reach
    )
    Organization.objects.update(key_rejected=True, consecutive_failures=3)
    before = connection.api_key_encrypted

    with pytest.raises(ConnectRefused, match="The new key does not reach"):
        connection_key_replace(connection=connection, api_key=other_key)
    connection.refresh_from_db()
    assert connection.api_key_encrypted == before
    assert AuditEvent.objects.get(action=AuditEvent.Action.KEY_SET).outcome == AuditEvent.Outcome.REFUSED

    # The account's key entered again (as after rotating it at Bitmovin): it reaches them all.
    connection_key_replace(connection=connection, api_key=f" {own_key} ")

    connection.refresh_from_db()
    assert connection.api_key_encrypted != before and connection.decrypt_api_key() == own_key
    assert not Organization.objects.filter(key_rejected=True).exists(), (
        "a fresh chance for every organization"
    )
    assert set(Organization.objects.values_list("consecutive_failures", flat=True)) == {0}


def test_the_check_corrects_a_parent_that_changed_and_updates_only_those_that_did(changing):
    account = changing.accounts()["accounts"][0]
    root, first, second = sorted(account["organizations"], key=lambda item: bool(item["parentId"]))
    connection, reach = account_connect(api_key=account["apiKeys"][0], api_base_url=changing.base_url)
    organizations_watch(
        connection=connection, tenant_ids=[root["id"], first["id"], second["id"]], reach=reach
    )
    # As Bitmovin reported it before the sub-organization moved, and a root that was once listed under
    # another; the key's own organization (no tenant id) read through the same connection.
    Organization.objects.filter(tenant_org_id=first["id"]).update(bitmovin_parent_id="an-old-parent")
    Organization.objects.filter(tenant_org_id=root["id"]).update(bitmovin_parent_id="was-somewhere")
    own = make_organization(name="Own", slug="own", connection=connection, tenant_org_id="")
    Organization.objects.filter(pk=own.pk).update(bitmovin_parent_id="stale")

    with CaptureQueriesContext(db) as queries:
        connection_check(connection)

    assert dict(Organization.objects.values_list("tenant_org_id", "bitmovin_parent_id")) == {
        root["id"]: "",
        first["id"]: root["id"],
        second["id"]: root["id"],
        "": "",
    }
    parent_updates = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith("UPDATE") and "bitmovin_parent_id" in query["sql"]
    ]
    assert len(parent_updates) == 3, "one per organization whose parent changed, none for the unchanged"
    assert all('"unreachable_since"' not in sql for sql in parent_updates), "nothing else is touched"
