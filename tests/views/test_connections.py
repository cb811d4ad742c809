"""The pages that connect a Bitmovin account and pick its organizations (views/connections.py), against the
simulator: account admins (superusers) only, and the key never shown again."""

from __future__ import annotations

import pytest

from encodings_app.models import AccountConnection, AuditEvent, Organization
from tests.factories import make_user
from tests.support.simulator import RunningSimulator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def simulator():
    with RunningSimulator(encodings=8, organizations=4, api_key=None, args=["--accounts", "2"]) as running:
        yield running


@pytest.fixture
def root(login):
    return login(make_user("root", is_superuser=True, is_staff=True))


def connect(client, simulator, key: str, name: str = ""):
    return client.post(
        "/connections/new/", {"api_key": key, "api_base_url": simulator.base_url, "name": name}
    )


def test_an_account_admin_connects_a_key_picks_two_organizations_and_sees_them_watched(simulator, root):
    account = simulator.accounts()["accounts"][0]
    key = account["apiKeys"][0]

    answer = connect(root, simulator, key, name="Acme Media")

    connection = AccountConnection.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/connections/{connection.public_id}/"
    page = root.get(answer["Location"]).content.decode()
    assert "The key reaches 4 organizations of Acme Media. Pick those to watch." in page
    for organization in account["organizations"]:
        assert organization["name"] in page and f'value="{organization["id"]}"' in page
    assert key not in page and connection.masked_api_key in page

    subs = [item for item in account["organizations"] if item["parentId"]][:2]
    picked = root.post(answer["Location"], {"tenant": [item["id"] for item in subs]})

    assert picked.status_code == 302
    assert sorted(Organization.objects.values_list("tenant_org_id", flat=True)) == sorted(
        i["id"] for i in subs
    )
    page = root.get(answer["Location"]).content.decode()
    assert page.count("watched</span>") == 2
    for item in subs:
        assert f'value="{item["id"]}"' not in page, "a watched organization is no longer offered"
    listing = root.get("/connections/").content.decode()
    assert "Acme Media" in listing and key not in listing and ">2</td>" in listing


def test_a_refused_key_is_explained_on_the_form_and_nothing_is_kept(simulator, root):
    answer = connect(root, simulator, "a-key-bitmovin-never-issued")

    html = answer.content.decode()
    assert answer.status_code == 200
    assert "Bitmovin did not accept this key, so nothing was saved" in html
    assert "a-key-bitmovin-never-issued" not in html, "the key is not sent back, not even in the form"
    assert AccountConnection.objects.count() == 0
    assert (
        AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_CONNECT).outcome == AuditEvent.Outcome.REFUSED
    )


def test_picking_an_organization_of_another_account_adds_nothing(simulator, root):
    accounts = simulator.accounts()["accounts"]
    connect(root, simulator, accounts[0]["apiKeys"][0])
    connection = AccountConnection.objects.get()

    answer = root.post(
        f"/connections/{connection.public_id}/", {"tenant": accounts[1]["organizations"][0]["id"]}
    )

    assert answer.status_code == 400
    assert "This key does not reach" in answer.content.decode()
    assert Organization.objects.count() == 0


@pytest.mark.parametrize("path", ["/connections/", "/connections/new/"])
def test_members_who_are_not_account_admins_are_refused(world, login, path):
    assert login(world.admin).get(path).status_code == 403


def test_a_key_that_does_not_reach_every_watched_organization_is_refused_on_the_page(simulator, root):
    accounts = simulator.accounts()["accounts"]
    connect(root, simulator, accounts[0]["apiKeys"][0])
    connection = AccountConnection.objects.get()
    root.post(f"/connections/{connection.public_id}/", {"tenant": accounts[0]["organizations"][0]["id"]})
    other_key = accounts[1]["apiKeys"][0]

    refused = root.post(f"/connections/{connection.public_id}/key/", {"api_key": other_key})

    html = refused.content.decode()
    assert refused.status_code == 400 and "The new key does not reach" in html
    assert other_key not in html
    replaced = root.post(f"/connections/{connection.public_id}/key/", {"api_key": accounts[0]["apiKeys"][0]})
    assert replaced.status_code == 302
    assert "was replaced for all its organizations" in root.get(replaced["Location"]).content.decode()
