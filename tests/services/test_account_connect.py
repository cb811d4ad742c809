"""Connecting a Bitmovin account against the simulator (services/account_connect.py, the connect_account
command): a key tested by what it reaches, stored once, and only the organizations picked watched."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from encodings_app.models import AccountConnection, AuditEvent, Encoding, Organization
from encodings_app.services import sync
from encodings_app.services.account_connect import (
    COLOURS,
    ConnectRefused,
    account_connect,
    free_colour,
    organizations_watch,
)
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
