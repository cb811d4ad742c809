"""Organizations that come and go: a sub-organization created through the API (as Bitmovin's SDK creates
one) is reached at once by its account's keys; one removed through /_sim leaves every key's reach."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from bitmovin_api_sdk import Organization, OrganizationType

from tests.simulator.conftest import Http, error_of
from tests.support.simulator import RunningSimulator


@pytest.fixture
def sim() -> Iterator[RunningSimulator]:
    # A world of its own: these tests change which organizations exist.
    with RunningSimulator(encodings=12, organizations=3, args=["--accounts", "2"]) as running:
        yield running


def ids_listed(http: Http) -> set[str]:
    return {item["id"] for item in http.result("GET", "/account/organizations")["items"]}


def test_a_sub_organization_created_with_the_sdk_is_reached_by_its_accounts_keys_only(sim):
    own, other = sim.accounts()["accounts"]
    root = next(item for item in own["organizations"] if item["type"] == "ROOT_ORGANIZATION")
    sdk = sim.sdk(api_key=own["apiKeys"][0])

    created = sdk.account.organizations.create(
        Organization(name="Sports desk", type_=OrganizationType.SUB_ORGANIZATION, parent_id=root["id"])
    )

    assert created.id and created.name == "Sports desk" and created.parent_id == root["id"]
    mine, theirs = Http(sim.base_url, own["apiKeys"][0]), Http(sim.base_url, other["apiKeys"][0])
    assert created.id in ids_listed(mine)
    assert created.id not in ids_listed(theirs)
    subs = mine.result("GET", f"/account/organizations/{root['id']}/sub-organizations")["items"]
    assert created.id in {item["id"] for item in subs}
    assert mine.result("GET", "/encoding/encodings", headers={"X-Tenant-Org-Id": created.id})["items"] == []
    assert created.id in {item["id"] for item in sim.accounts()["accounts"][0]["organizations"]}


def test_only_sub_organizations_with_a_name_can_be_created(sim):
    http = Http(sim.base_url, sim.accounts()["accounts"][0]["apiKeys"][0])
    assert error_of(http.post("/account/organizations", {"name": "  "})) == (400, 1000)
    assert error_of(http.post("/account/organizations", {"name": "X", "type": "ROOT_ORGANIZATION"})) == (
        400,
        1001,
    )
    foreign_root = sim.accounts()["accounts"][1]["organizations"][0]["id"]
    assert error_of(http.post("/account/organizations", {"name": "X", "parentId": foreign_root})) == (
        403,
        1003,
    )


def test_a_removed_sub_organization_is_no_longer_reached(sim):
    account = sim.accounts()["accounts"][0]
    sub = next(item for item in account["organizations"] if item["parentId"])
    root = next(item for item in account["organizations"] if not item["parentId"])
    http = Http(sim.base_url, account["apiKeys"][0])

    removed = requests.delete(f"{sim.root_url}/_sim/organizations/{sub['id']}", timeout=10)

    assert removed.status_code == 200
    assert sub["id"] not in ids_listed(http)
    listing = http.request("GET", "/encoding/encodings", headers={"X-Tenant-Org-Id": sub["id"]})
    assert error_of(listing) == (403, 1003)
    assert error_of(http.get(f"/account/organizations/{sub['id']}")) == (404, 1001)
    assert requests.delete(f"{sim.root_url}/_sim/organizations/{root['id']}", timeout=10).status_code == 400
    assert requests.delete(f"{sim.root_url}/_sim/organizations/{sub['id']}", timeout=10).status_code == 404
