"""Organization settings (admins only): key, connection test and webhooks against the simulator, sync
history and webhook log; adding organizations (account admins only). Members: test_members.py."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from encodings_app.models import AccountConnection, AuditEvent, Organization, WebhookDelivery
from tests.factories import TEST_API_KEY, make_account_admin, make_user, populate
from tests.support.api_client import point_at, point_at_simulator
from tests.support.web_server import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def ada_looks_after_acmes_account(world):
    """Ada changes what Acme reads through (its key, API base URL and tenant id): an account admin's part."""
    make_account_admin(world.acme.connection, world.admin)


NEW_KEY = "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


def form_data(organization: Organization, **overrides) -> dict:
    data = {
        "name": organization.name,
        "colour": organization.colour,
        "api_base_url": organization.connection.api_base_url,
        "api_key": "",
        "tenant_org_id": organization.tenant_org_id,
    }
    data.update(overrides)
    return data


@pytest.fixture
def simulated(world, simulator, tenant):
    """Acme pointed at the simulator, with a key that reaches it."""
    return point_at_simulator(world.acme, simulator, tenant["id"], simulator.api_key)


def test_admin_sees_the_key_only_masked(world, login):
    html = login(world.admin).get("/o/acme/settings/").content.decode()
    assert "a new one applies to every organization read through that connection" in html
    assert "••••••••e1f0" in html
    assert TEST_API_KEY not in html
    key_input = re.search(r'<input type="password" name="api_key"[^>]*>', html).group(0)
    assert "value=" not in key_input


def test_saving_with_a_blank_key_keeps_the_current_key(world, login):
    client = login(world.admin)
    response = client.post(
        "/o/acme/settings/", form_data(world.acme, name="Acme Media Group", colour="#123abc")
    )
    assert response.status_code == 302
    world.acme.refresh_from_db()
    assert world.acme.name == "Acme Media Group" and world.acme.colour == "#123abc"
    assert world.acme.connection.decrypt_api_key() == TEST_API_KEY
    assert "Settings of Acme Media Group saved." in client.get("/o/acme/settings/").content.decode()


def test_a_new_key_replaces_the_old_one_and_clears_the_rejection(world, login):
    world.acme.key_rejected = True
    world.acme.save()
    response = login(world.admin).post("/o/acme/settings/", form_data(world.acme, api_key=NEW_KEY))
    assert response.status_code == 302
    world.acme.refresh_from_db()
    assert world.acme.connection.decrypt_api_key() == NEW_KEY
    assert world.acme.connection.masked_api_key.endswith("7c6d")
    assert world.acme.key_rejected is False


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("colour", "red", "Enter a colour like #1d5bb8."),
        ("api_base_url", "not a url", "Enter a valid URL."),
        ("name", "", "This field is required."),
        ("api_key", "has spaces in it", "no spaces"),
    ],
)
def test_invalid_settings_are_explained_and_nothing_changes(world, login, field, value, message):
    response = login(world.admin).post("/o/acme/settings/", form_data(world.acme, **{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert value not in ("has spaces in it",) or value not in response.content.decode()
    world.acme.refresh_from_db()
    assert world.acme.name == "Acme Media" and world.acme.connection.decrypt_api_key() == TEST_API_KEY


def test_test_connection_shows_the_account_and_organization_reached(
    simulated, world, login, simulator, tenant
):
    html = login(world.admin).post("/o/acme/settings/test-connection/", follow=True).content.decode()
    account = simulator.accounts()["accounts"][0]
    assert "Connected" in html
    assert account["email"] in html and tenant["name"] in html
    assert simulator.api_key not in html


def test_test_connection_explains_a_rejected_key_with_its_request_id(simulated, world, login):
    point_at(simulated, api_key="wrong-key-0000")
    html = login(world.admin).post("/o/acme/settings/test-connection/", follow=True).content.decode()
    block = html.split('<div class="api-error" role="alert">')[1].split("</details>")[0]
    assert "401" in block
    assert re.search(r'data-copy="[0-9a-f-]{20,}"', block)
    assert "wrong-key-0000" not in html


def test_test_connection_with_an_unreadable_key_says_so(world, login):
    AccountConnection.objects.filter(pk=world.acme.connection_id).update(
        api_key_encrypted="v9:not-a-ciphertext"
    )
    html = login(world.admin).post("/o/acme/settings/test-connection/", follow=True).content.decode()
    assert "cannot be decrypted" in html


def test_test_connection_with_htmx_answers_with_its_result_in_place(simulated, world, login, tenant):
    client = login(world.admin)
    page = client.get("/o/acme/settings/").content.decode()
    assert 'hx-post="/o/acme/settings/test-connection/"' in page
    assert 'hx-target="#connection-result"' in page
    fragment = client.post("/o/acme/settings/test-connection/", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert html.startswith('<div id="connection-result"')
    assert "Connected" in html and tenant["name"] in html
    assert "<html" not in html, "a fragment, not the page"


def test_test_connection_without_javascript_redirects_and_a_reload_tests_nothing_again(
    simulated, world, login, tenant
):
    client = login(world.admin)
    answer = client.post("/o/acme/settings/test-connection/")
    assert answer.status_code == 302
    assert answer["Location"] == "/o/acme/settings/#connection"
    first = client.get(answer["Location"]).content.decode()
    result = first.split('<div id="connection-result"')[1].split("</section>")[0]
    assert "Connected" in result and tenant["name"] in result
    reloaded = client.get(answer["Location"]).content.decode()
    assert "Connected" not in reloaded.split('<div id="connection-result"')[1].split("</section>")[0]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CONNECTION_TEST).count() == 1


def test_registering_webhooks_twice_registers_them_once(simulated, world, login):
    client = login(world.admin)
    first = client.post("/o/acme/settings/webhooks/").content.decode()
    assert "Registered: finished, error, transfer-error, status-changed." in first
    simulated.refresh_from_db()
    assert set(simulated.registered_webhooks) == {"finished", "error", "transfer-error", "status-changed"}
    second = client.post("/o/acme/settings/webhooks/").content.decode()
    assert "Already registered:" in second
    assert "http://testserver/webhooks/bitmovin/acme/" in second


def test_webhook_registration_error_is_explained(simulated, world, login):
    point_at(simulated, api_key="wrong-key-0000")
    html = login(world.admin).post("/o/acme/settings/webhooks/").content.decode()
    assert '<div class="api-error" role="alert">' in html


def test_sync_history_and_webhook_log_are_listed_newest_first_and_paginated(world, login):
    populate(world.acme, encodings=30)
    client = login(world.admin)
    html = client.get("/o/acme/settings/").content.decode()
    sync = html.split('id="sync-title"')[1].split("</table>")[0]
    assert len(re.findall(r"<tr>", sync)) == 21  # header + 20 runs
    assert "req-28" in sync and "req-0<" not in sync
    log = html.split('id="log-title"')[1].split("</section>")[0]
    assert len(re.findall(r'<td class="nowrap">', log)) == 25
    assert "Page 1 of 2" in log and "Invalid signature" in log
    newest = WebhookDelivery.objects.filter(organization=world.acme).order_by("-received_at", "-pk").first()
    assert log.index(newest.encoding_bitmovin_id) < log.index("</tr>", log.index("<tbody>"))
    second = client.get("/o/acme/settings/?webhooks_page=2").content.decode()
    assert "Page 2 of 2" in second
    assert "not a page number" in client.get("/o/acme/settings/?webhooks_page=x").content.decode()
    assert (
        "There is no webhook log page 7" in client.get("/o/acme/settings/?webhooks_page=7").content.decode()
    )


def new_organization(client: Client, **overrides) -> object:
    data = {
        "name": "Initech",
        "slug": "initech",
        "colour": "#5e4a8c",
        "api_base_url": "https://api.bitmovin.com/v1",
        "api_key": NEW_KEY,
        "tenant_org_id": "",
    }
    return client.post("/organizations/new/", {**data, **overrides})


def test_account_admin_adds_an_organization_after_its_key_reached_bitmovin(world, simulator, sim_key):
    root = make_user("root", is_superuser=True)
    client = Client()
    client.force_login(root)
    assert client.get("/organizations/new/").status_code == 200
    response = new_organization(client, api_base_url=simulator.base_url, api_key=sim_key)
    assert response.status_code == 302 and response["Location"] == "/o/initech/settings/"
    organization = Organization.objects.get(slug="initech")
    assert organization.connection.decrypt_api_key() == sim_key
    page = client.get("/o/initech/settings/").content.decode()
    assert sim_key not in page and "Initech was added" in page


def test_adding_an_organization_with_a_key_bitmovin_rejects_saves_nothing(world, simulator):
    root = make_user("root", is_superuser=True)
    client = Client()
    client.force_login(root)
    response = new_organization(client, api_base_url=simulator.base_url, api_key=NEW_KEY)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Bitmovin did not accept this key, so nothing was saved." in html
    assert NEW_KEY not in html
    assert not Organization.objects.filter(slug="initech").exists()
    refused = AuditEvent.objects.get(action=AuditEvent.Action.ORGANIZATION_CREATE)
    assert refused.outcome == AuditEvent.Outcome.REFUSED and "HTTP 401" in refused.detail
    assert NEW_KEY not in refused.detail


def test_adding_an_organization_whose_api_cannot_be_reached_saves_nothing(world):
    root = make_user("root", is_superuser=True)
    client = Client()
    client.force_login(root)
    closed = f"http://127.0.0.1:{free_port()}/v1"
    response = new_organization(client, api_base_url=closed)
    assert response.status_code == 400
    html = response.content.decode()
    assert "The key could not be checked, so nothing was saved." in html
    assert "Could not reach the Bitmovin API" in html
    assert NEW_KEY not in html
    assert not Organization.objects.filter(slug="initech").exists()


def test_adding_an_organization_refuses_a_taken_slug_and_a_missing_key(world):
    root = make_user("root", is_superuser=True)
    client = Client()
    client.force_login(root)
    response = client.post(
        "/organizations/new/",
        {"name": "Dup", "slug": "acme", "colour": "#5e4a8c", "api_base_url": "https://api.bitmovin.com/v1"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Another organization already uses this slug." in html
    assert "This field is required." in html


def test_only_account_admins_add_organizations(world, login):
    assert login(world.admin).get("/organizations/new/").status_code == 403
    assert login(world.admin).post("/organizations/new/", {"name": "x"}).status_code == 403
