"""A stored API key only goes where it was entered for: the settings page against real listeners on 127.0.0.1.

The listener plays the attacker's host: it must receive no request carrying the key when an admin moves the
base URL to it without entering the key again, and no connection at all when the destination is not allowed.
"""

from __future__ import annotations

import re
import socket

import pytest

from encodings_app.bitmovin import DestinationPolicy
from encodings_app.models import AuditEvent
from tests.factories import TEST_API_KEY, make_account_admin, make_user
from tests.support.api_client import point_at, point_at_simulator, remove_registered_webhooks
from tests.support.listener import Listener
from tests.views.test_organization_settings import NEW_KEY, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def ada_looks_after_acmes_account(world):
    """Ada changes what Acme reads through (its key, API base URL and tenant id): an account admin's part."""
    make_account_admin(world.acme.connection, world.admin)


KEY_AGAIN = "Enter the API key again"
LOOPBACK = DestinationPolicy(allow_loopback=True)


@pytest.fixture
def simulated(world, simulator, tenant, sim_key):
    """Acme pointed at the simulator, with a key that reaches it; its webhooks are removed afterwards, as
    the simulator (like Bitmovin) takes only five per event."""
    yield point_at_simulator(world.acme, simulator, tenant["id"], sim_key)
    remove_registered_webhooks(world.acme, simulator, tenant["id"], sim_key)


def press_test_and_register(client) -> str:
    connection = client.post("/o/acme/settings/test-connection/", follow=True)
    webhooks = client.post("/o/acme/settings/webhooks/")
    assert connection.status_code == 200 and webhooks.status_code == 200
    return connection.content.decode() + webhooks.content.decode()


def error_block(html: str) -> str:
    return html.split('id="connection-title"')[1].split("</section>")[0]


def test_moving_the_base_url_without_the_key_is_refused_and_the_key_never_reaches_the_new_host(
    simulated, world, login, simulator, sim_key
):
    client = login(world.admin)
    with Listener() as listener:
        response = client.post("/o/acme/settings/", form_data(simulated, api_base_url=listener.url + "/v1"))

        assert response.status_code == 400
        assert KEY_AGAIN in response.content.decode()
        simulated.refresh_from_db()
        assert simulated.connection.api_base_url == simulator.base_url
        assert simulated.connection.decrypt_api_key() == sim_key

        press_test_and_register(client)
        assert listener.requests_with_header("X-Api-Key") == []
        assert listener.connections == 0
    refused = AuditEvent.objects.get(action=AuditEvent.Action.SETTINGS_CHANGE)
    assert refused.outcome == AuditEvent.Outcome.REFUSED and "api_base_url" in refused.detail
    assert sim_key not in refused.detail


def test_changing_the_tenant_without_the_key_is_refused(simulated, world, login, tenant):
    response = login(world.admin).post(
        "/o/acme/settings/", form_data(simulated, tenant_org_id="another-tenant-id")
    )
    assert response.status_code == 400
    assert KEY_AGAIN in response.content.decode()
    simulated.refresh_from_db()
    assert simulated.tenant_org_id == tenant["id"]


def test_a_key_entered_with_the_new_base_url_is_the_only_key_sent_there(simulated, world, login, sim_key):
    client = login(world.admin)
    with Listener(body=b"SSH-2.0-OpenSSH_9.2 internal-banner") as listener:
        response = client.post(
            "/o/acme/settings/", form_data(simulated, api_base_url=listener.url + "/v1", api_key=NEW_KEY)
        )
        assert response.status_code == 302

        html = client.post("/o/acme/settings/test-connection/", follow=True).content.decode()

        sent = {item.headers["X-Api-Key"] for item in listener.requests_with_header("X-Api-Key")}
        assert sent == {NEW_KEY}
    block = error_block(html)
    assert "Could not connect to the API: the answer was not the Bitmovin API." in block
    assert "OpenSSH" not in html and "internal-banner" not in html
    changes = AuditEvent.objects.filter(outcome=AuditEvent.Outcome.OK).values_list("action", "detail")
    assert (AuditEvent.Action.SETTINGS_CHANGE, "changed: api_base_url") in list(changes)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.KEY_SET).count() == 1
    assert not AuditEvent.objects.filter(detail__contains=NEW_KEY).exists()


def test_a_local_base_url_is_refused_when_loopback_is_not_allowed(world, login, settings):
    settings.BITMOVIN_ALLOW_LOOPBACK = False
    with Listener() as listener:
        response = login(world.admin).post(
            "/o/acme/settings/", form_data(world.acme, api_base_url=listener.url + "/v1", api_key=NEW_KEY)
        )

        assert response.status_code == 400
        html = response.content.decode()
        assert "may only send API keys to https://api.bitmovin.com/v1" in html
        assert listener.connections == 0
    world.acme.refresh_from_db()
    assert world.acme.connection.api_base_url == "https://api.bitmovin.com/v1"
    assert world.acme.connection.decrypt_api_key() == TEST_API_KEY


def test_a_stored_base_url_that_is_not_allowed_is_never_contacted(world, login, settings):
    settings.BITMOVIN_ALLOW_LOOPBACK = False
    with Listener() as listener:
        # As a row written before the allow-list existed would hold it.
        point_at(world.acme, base_url=listener.url + "/v1")

        html = press_test_and_register(login(world.admin))

        assert listener.connections == 0
    assert "is not one this dashboard may send its key to" in html
    tested = AuditEvent.objects.get(action=AuditEvent.Action.CONNECTION_TEST)
    assert tested.outcome == AuditEvent.Outcome.FAILED


def test_an_allowed_name_that_resolves_to_loopback_is_still_refused_by_the_client(world, login, settings):
    settings.BITMOVIN_ALLOW_LOOPBACK = False
    with Listener() as listener:
        settings.BITMOVIN_API_BASE_URLS = [f"https://localhost:{listener.port}/v1"]
        point_at(world.acme, base_url=f"https://localhost:{listener.port}/v1")

        html = login(world.admin).post("/o/acme/settings/test-connection/", follow=True).content.decode()

        assert listener.connections == 0
    assert "Could not connect to the API: the destination is not allowed." in error_block(html)


def test_a_refused_connection_is_explained_without_the_http_stacks_words(simulated, world, login):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    point_at(simulated, base_url=f"http://127.0.0.1:{closed_port}/v1")

    html = login(world.admin).post("/o/acme/settings/test-connection/", follow=True).content.decode()

    block = error_block(html)
    assert "Could not connect to the API: the connection to the API was refused" in block
    for words in ("Errno", "HTTPConnectionPool", "NewConnectionError", "Max retries", str(closed_port)):
        assert words not in block


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/v1", "file:///etc/passwd", "gopher://127.0.0.1:6379/_"])
def test_a_base_url_with_another_scheme_is_refused_by_the_form(world, login, url):
    response = login(world.admin).post("/o/acme/settings/", form_data(world.acme, api_base_url=url))

    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r"http:// or https:// address|Enter a valid URL", html)
    world.acme.refresh_from_db()
    assert world.acme.connection.api_base_url == "https://api.bitmovin.com/v1"


def test_a_stored_ftp_base_url_is_explained_not_a_server_error(world, login):
    point_at(world.acme, base_url="ftp://files.example.com/v1")

    html = press_test_and_register(login(world.admin))

    assert "is not one this dashboard may send its key to" in html


def test_adding_an_organization_refuses_an_address_outside_the_allow_list(world, login):
    response = login(make_user("root", is_superuser=True)).post(
        "/organizations/new/",
        {
            "name": "Initech",
            "slug": "initech",
            "colour": "#5e4a8c",
            "api_base_url": "http://169.254.169.254/latest",
            "api_key": NEW_KEY,
            "tenant_org_id": "",
        },
    )
    assert response.status_code == 400
    assert "may only send API keys to" in response.content.decode()


def test_the_settings_form_offers_the_allowed_addresses(world, login, settings):
    settings.BITMOVIN_API_BASE_URLS = ["https://api.bitmovin.com/v1", "https://eu.api.example.com/v1"]
    html = login(world.admin).get("/o/acme/settings/").content.decode()
    datalist = html.split('<datalist id="api-base-urls">')[1].split("</datalist>")[0]
    assert '<option value="https://api.bitmovin.com/v1">' in datalist
    assert '<option value="https://eu.api.example.com/v1">' in datalist


def test_the_key_field_is_kept_out_of_error_reports(world, login):
    response = login(world.admin).post("/o/acme/settings/", form_data(world.acme, api_key=NEW_KEY))
    assert tuple(response.wsgi_request.sensitive_post_parameters) == ("api_key",)


def test_an_error_page_of_another_server_is_not_repeated(simulated, world, login):
    client = login(world.admin)
    with Listener(status=403, body=b"<html>Redis admin panel: connection broke</html>") as listener:
        client.post(
            "/o/acme/settings/", form_data(simulated, api_base_url=listener.url + "/v1", api_key=NEW_KEY)
        )
        html = client.post("/o/acme/settings/test-connection/", follow=True).content.decode()
        webhooks = client.post("/o/acme/settings/webhooks/").content.decode()

    assert "Could not connect to the API: the answer (HTTP 403) was not the Bitmovin API." in error_block(
        html
    )
    assert "the answer (HTTP 403) was not the Bitmovin API." in webhooks
    for page in (html, webhooks):
        assert "Redis admin panel" not in page and "connection broke" not in page
