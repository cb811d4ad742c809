"""What a key reaches, read from the simulator over HTTP (services/account_discovery.py)."""

from __future__ import annotations

import pytest

from encodings_app.bitmovin import BitmovinClient, DestinationPolicy
from encodings_app.bitmovin.resources import Organization as ApiOrganization
from encodings_app.services.account_discovery import _as_tree, reachable_organizations
from tests.support.simulator import RunningSimulator


@pytest.fixture(scope="module")
def accounts():
    # Two accounts of four organizations each (a root and three sub-organizations), each with its own key.
    with RunningSimulator(encodings=0, organizations=4, args=["--accounts", "2"]) as simulator:
        yield simulator


def client(simulator: RunningSimulator, key: str) -> BitmovinClient:
    return BitmovinClient(
        key, base_url=simulator.base_url, destinations=DestinationPolicy(allow_loopback=True)
    )


def test_an_accounts_key_reaches_its_root_then_its_sub_organizations_by_name(accounts):
    account = accounts.accounts()["accounts"][0]
    with client(accounts, account["apiKeys"][0]) as api:
        tree = reachable_organizations(api)

    root = next(item for item in account["organizations"] if item["type"] == "ROOT_ORGANIZATION")
    subs = sorted((item for item in account["organizations"] if item["parentId"]), key=lambda i: i["name"])
    assert [(item.id, item.depth, item.is_root) for item in tree] == [
        (root["id"], 0, True),
        *[(sub["id"], 1, False) for sub in subs],
    ]
    assert all(item.parent_id == root["id"] for item in tree[1:])
    assert [item.name for item in tree] == [root["name"], *[sub["name"] for sub in subs]]


def test_a_key_for_every_organization_reaches_both_accounts_trees(accounts):
    with client(accounts, accounts.api_key) as api:
        tree = reachable_organizations(api)

    every = [item for account in accounts.accounts()["accounts"] for item in account["organizations"]]
    assert sorted(item.id for item in tree) == sorted(item["id"] for item in every)
    assert [item.depth for item in tree] == [0, 1, 1, 1, 0, 1, 1, 1]


def test_a_sub_organization_whose_parent_is_not_reached_comes_after_the_trees():
    found = {
        "r": ApiOrganization(id="r", name="Root", type="ROOT_ORGANIZATION"),
        "b": ApiOrganization(id="b", name="b-sub", type="SUB_ORGANIZATION", parent_id="r"),
        "a": ApiOrganization(id="a", name="A-sub", type="SUB_ORGANIZATION", parent_id="r"),
        "o": ApiOrganization(id="o", name="Orphan", type="SUB_ORGANIZATION", parent_id="elsewhere"),
    }
    assert [(item.id, item.depth) for item in _as_tree(found)] == [("r", 0), ("a", 1), ("b", 1), ("o", 0)]
