"""Walking the organizations a key reaches (BitmovinClient.iter_organizations, iter_sub_organizations): the
first page asked as Bitmovin's SDK asks it, the rest while an answer says more follow."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from encodings_app.bitmovin import BitmovinClient, DestinationPolicy
from tests.bitmovin.conftest import page, success, url
from tests.support.simulator import RunningSimulator


def organization(number: int, parent: str | None = None) -> dict:
    item = {"id": f"org-{number:03d}", "name": f"Tenant {number}", "type": "SUB_ORGANIZATION"}
    if parent is None:
        item["type"] = "ROOT_ORGANIZATION"
    else:
        item["parentId"] = parent
    return item


def asked(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


@responses.activate
def test_the_first_page_is_asked_without_bounds_and_the_rest_in_pages_of_a_hundred(client):
    everything = [organization(0)] + [organization(n, "org-000") for n in range(1, 131)]
    responses.get(url("/account/organizations"), json=success(page(everything[:25], 0, 25)))
    responses.get(url("/account/organizations"), json=success(page(everything[25:125], 25, 100)))
    responses.get(url("/account/organizations"), json=success(page(everything[125:], 125, 100)))

    found = [item.id for item in client.iter_organizations()]

    assert found == [item["id"] for item in everything]
    assert [asked(call) for call in responses.calls] == [
        {},
        {"offset": ["25"], "limit": ["100"]},
        {"offset": ["125"], "limit": ["100"]},
    ]


@responses.activate
def test_an_api_that_ignores_the_offset_is_asked_once_more_not_forever(client):
    same = [organization(n) for n in range(25)]
    responses.get(url("/account/organizations"), json=success(page(same, 0, 25)))

    found = [item.id for item in client.iter_organizations()]

    assert found == [item["id"] for item in same]
    assert len(responses.calls) == 2, "the second page brought nothing new: the walk ends there"


@responses.activate
def test_an_unbounded_answer_with_everything_is_one_call(client):
    everything = [organization(n) for n in range(40)]
    responses.get(url("/account/organizations"), json=success({"items": everything}))

    assert len(list(client.iter_organizations())) == 40
    assert len(responses.calls) == 1


@pytest.fixture(scope="module")
def account_simulator():
    # One account: a root and 29 sub-organizations, more than the simulator's default page of 25.
    with RunningSimulator(encodings=0, organizations=30, args=["--accounts", "1"]) as simulator:
        yield simulator


def test_a_keys_organizations_and_sub_organizations_are_all_read_from_the_simulator(account_simulator):
    key = account_simulator.generated_keys[0]
    with BitmovinClient(
        key, base_url=account_simulator.base_url, destinations=DestinationPolicy(allow_loopback=True)
    ) as client:
        reached = list(client.iter_organizations())
        roots = [item for item in reached if item.type == "ROOT_ORGANIZATION"]
        subs = list(client.iter_sub_organizations(roots[0].id))

    assert len(reached) == len({item.id for item in reached}) == 30
    assert len(roots) == 1
    assert {item.id for item in subs} == {item.id for item in reached} - {roots[0].id}
    assert all(item.parent_id == roots[0].id for item in subs)
