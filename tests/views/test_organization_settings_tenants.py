"""One key reaching several tenants: an account admin cannot point it at a tenant another organization of
the dashboard already reads (its encodings stay untouched), a superuser can; an organization's own admin
cannot re-point it at all, and a tenant the key does not reach is refused."""

from __future__ import annotations

import re

import pytest

from encodings_app.models import AuditEvent, Encoding
from encodings_app.services import sync
from tests.factories import make_account_admin, make_connection, make_member, make_user
from tests.support.api_client import point_at_simulator, simulator_client
from tests.views.test_organization_settings import form_data

pytestmark = pytest.mark.django_db

TAKEN = "Another organization in this dashboard already reads this tenant organization"


@pytest.fixture
def tenants(simulator):
    """Two tenants of one account: the root organization and its sub-organization."""
    root, sub = simulator.accounts()["accounts"][0]["organizations"][:2]
    return root, sub


@pytest.fixture
def two_organizations(world, simulator, tenants, sim_key):
    """Acme reads the root organization, Globex the sub-organization, through one connection holding the
    account-wide key."""
    point_at_simulator(world.acme, simulator, tenants[0]["id"], sim_key)
    world.globex.tenant_org_id = tenants[1]["id"]
    world.globex.connection = world.acme.connection
    world.globex.save()
    make_account_admin(world.acme.connection, world.admin)  # she may re-point Acme, not at any tenant
    return world


def ids_in(simulator, key: str, tenant_id: str) -> set[str]:
    with simulator_client(simulator, tenant_id, key) as client:
        return {item.id for item in client.iter_encodings()}


def test_an_account_admin_cannot_point_the_key_at_another_organizations_tenant(
    two_organizations, login, simulator, tenants, sim_key
):
    world = two_organizations
    globex_ids = ids_in(simulator, sim_key, tenants[1]["id"])
    assert globex_ids, "the sub-organization has encodings to protect"
    client = login(world.admin)

    response = client.post(
        "/o/acme/settings/",
        form_data(world.acme, tenant_org_id=tenants[1]["id"].upper(), api_key=sim_key),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert TAKEN in html
    said = " ".join(re.findall(r'<p class="field-error"[^>]*>(.*?)</p>', html))
    assert TAKEN in said and "Globex" not in said and "globex" not in said, "the refusal does not say who"
    world.acme.refresh_from_db()
    assert world.acme.tenant_org_id == tenants[0]["id"]

    run = sync.organization_sync(organization_id=world.acme.pk)
    assert run is not None and run.outcome == "ok", run and run.error_message
    mirrored = set(Encoding.objects.filter(organization=world.acme).values_list("bitmovin_id", flat=True))
    assert mirrored and not mirrored & globex_ids, "the sync pulled nothing of Globex into Acme"

    victim = sorted(globex_ids)[0]
    assert client.post(f"/o/acme/encodings/{victim}/actions/delete/").status_code == 404
    assert ids_in(simulator, sim_key, tenants[1]["id"]) == globex_ids, "nothing of Globex was deleted"

    refused = AuditEvent.objects.get(action=AuditEvent.Action.SETTINGS_CHANGE)
    assert refused.outcome == AuditEvent.Outcome.REFUSED
    assert refused.detail == "refused: tenant_org_id, api_key"


def test_an_account_admin_may_set_up_a_tenant_twice(two_organizations, login, tenants, sim_key):
    world = two_organizations
    root = make_user("root", is_superuser=True)

    response = login(root).post(
        "/o/acme/settings/", form_data(world.acme, tenant_org_id=tenants[1]["id"], api_key=sim_key)
    )

    assert response.status_code == 302
    world.acme.refresh_from_db()
    assert world.acme.tenant_org_id == tenants[1]["id"]
    assert world.acme.bitmovin_parent_id == tenants[0]["id"], "its parent, as the key reported it"
    saved = AuditEvent.objects.filter(outcome=AuditEvent.Outcome.OK).values_list("action", "detail")
    assert sorted(saved) == [
        (AuditEvent.Action.KEY_SET, ""),
        (AuditEvent.Action.SETTINGS_CHANGE, "changed: tenant_org_id"),
    ]
    assert not AuditEvent.objects.filter(detail__contains=sim_key).exists()


def test_a_tenant_read_elsewhere_through_another_api_address_is_not_taken(
    two_organizations, login, tenants, sim_key, simulator
):
    world = two_organizations
    world.globex.connection = make_connection(api_key=sim_key, api_base_url="https://api.bitmovin.com/v1")
    world.globex.save()

    response = login(world.admin).post(
        "/o/acme/settings/", form_data(world.acme, tenant_org_id=tenants[1]["id"], api_key=sim_key)
    )

    assert response.status_code == 302


def test_an_organization_admin_cannot_re_point_the_tenant_and_is_not_shown_the_key(
    two_organizations, login, tenants, sim_key
):
    world = two_organizations
    organization_admin = make_member(world.acme, "admin", user=make_user("olga"))
    client = login(organization_admin)

    page = client.get("/o/acme/settings/").content.decode()
    assert 'name="tenant_org_id"' not in page and 'name="api_key"' not in page
    assert world.acme.connection.masked_api_key not in page
    assert "kept by the account admins" in page
    client.post("/o/acme/settings/", form_data(world.acme, tenant_org_id=tenants[1]["id"], api_key=sim_key))

    world.acme.refresh_from_db()
    assert world.acme.tenant_org_id == tenants[0]["id"], "the posted tenant id was ignored"
    assert world.acme.connection.decrypt_api_key() == sim_key


def test_a_tenant_the_key_does_not_reach_is_refused(two_organizations, login, sim_key):
    world = two_organizations

    response = login(world.admin).post(
        "/o/acme/settings/",
        form_data(world.acme, tenant_org_id="not-an-organization-of-this-key", api_key=sim_key),
    )

    assert response.status_code == 400
    assert "This key does not reach that tenant organization" in response.content.decode()
    world.acme.refresh_from_db()
    assert world.acme.tenant_org_id != "not-an-organization-of-this-key"
