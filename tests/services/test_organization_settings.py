"""The rules of where a stored key may go, enforced by the services whatever form or command calls them."""

from __future__ import annotations

import sys
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.views.debug import ExceptionReporter

from encodings_app.models import AccountConnection, AuditEvent, Organization
from encodings_app.services.clients import client_for
from encodings_app.services.organizations import (
    ADDRESS_NEEDS_KEY,
    KEY_AGAIN,
    TENANT_TAKEN,
    organization_create,
    organization_update,
)
from tests.factories import (
    TEST_API_KEY,
    make_account_admin,
    make_connection,
    make_organization,
    make_user,
)
from tests.support.simulator import RunningSimulator

pytestmark = pytest.mark.django_db

API = "https://api.bitmovin.com/v1"
OTHER_KEY = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"


@pytest.fixture
def admin():
    return make_user("ada")


@pytest.fixture
def root():
    return make_user("root", is_superuser=True)


def refused_fields(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_a_blank_key_is_kept_while_the_destination_stays(admin):
    organization = make_organization("acme", tenant_org_id="tenant-a")

    organization_update(
        organization=organization, user=admin, name="Acme Media Group", api_base_url=API + "/"
    )

    organization.refresh_from_db()
    assert organization.name == "Acme Media Group" and organization.connection.api_base_url == API
    assert organization.connection.decrypt_api_key() == TEST_API_KEY
    event = AuditEvent.objects.get()
    assert (event.action, event.outcome, event.detail) == (
        AuditEvent.Action.SETTINGS_CHANGE,
        AuditEvent.Outcome.OK,
        "changed: name",
    )


@pytest.mark.parametrize("moved", [{"tenant_org_id": "tenant-b"}, {"tenant_org_id": ""}])
def test_moving_a_stored_key_needs_the_key_again(admin, moved):
    organization = make_organization("acme", tenant_org_id="tenant-a")
    make_account_admin(organization.connection, admin)

    problems = refused_fields(lambda: organization_update(organization=organization, user=admin, **moved))

    assert problems == {"api_key": [KEY_AGAIN]}
    assert organization.tenant_org_id == "tenant-a", "the object is left as stored"
    organization.refresh_from_db()
    assert organization.tenant_org_id == "tenant-a"
    event = AuditEvent.objects.get()
    assert event.outcome == AuditEvent.Outcome.REFUSED and event.detail == "refused: tenant_org_id"


def test_an_organization_without_a_key_may_move_freely(admin):
    organization = make_organization("acme", api_key=None, tenant_org_id="tenant-a")
    organization_update(organization=organization, user=admin, tenant_org_id="tenant-b")
    organization.refresh_from_db()
    assert organization.tenant_org_id == "tenant-b"


def test_the_allow_list_is_enforced_without_any_form(admin):
    organization = make_organization("acme")
    make_account_admin(organization.connection, admin)

    problems = refused_fields(
        lambda: organization_update(
            organization=organization,
            user=admin,
            api_key=OTHER_KEY,
            api_base_url="https://evil.example.com/v1",
        )
    )

    assert list(problems) == ["api_base_url"]
    organization.refresh_from_db()
    assert (
        organization.connection.api_base_url == API
        and organization.connection.decrypt_api_key() == TEST_API_KEY
    )


def test_only_a_superuser_may_bind_a_key_to_a_tenant_read_elsewhere(admin):
    make_organization("globex", name="Globex Broadcasting", tenant_org_id="tenant-g")
    organization = make_organization("acme", tenant_org_id="tenant-a")
    make_account_admin(organization.connection, admin)

    problems = refused_fields(
        lambda: organization_update(
            organization=organization, user=admin, api_key=OTHER_KEY, tenant_org_id="tenant-g"
        )
    )

    assert problems == {"tenant_org_id": [TENANT_TAKEN]}
    assert "globex" not in TENANT_TAKEN.lower()
    organization.refresh_from_db()
    assert (
        organization.tenant_org_id == "tenant-a" and organization.connection.decrypt_api_key() == TEST_API_KEY
    )

    # A superuser may: tests/views/test_organization_settings_tenants.py, where the key is asked of the
    # simulator whether it reaches the tenant.


def test_creating_an_organization_for_a_tenant_read_elsewhere_needs_an_account_admin(admin, root):
    key = f"services-{uuid.uuid4().hex[:12]}"  # the per-key request budget is shared through the cache
    with RunningSimulator(encodings=0, seed=3, api_key=key) as simulator:
        tenant = simulator.accounts()["accounts"][0]["organizations"][0]["id"]
        make_organization("globex", api_base_url=simulator.base_url, tenant_org_id=tenant)
        fields = {
            "name": "Initech",
            "api_key": key,
            "api_base_url": simulator.base_url,
            "tenant_org_id": tenant,
        }

        problems = refused_fields(lambda: organization_create(slug="initech", created_by=admin, **fields))

        assert problems == {"tenant_org_id": [TENANT_TAKEN]}
        assert not Organization.objects.filter(slug="initech").exists()

        organization = organization_create(slug="initech", created_by=root, **fields)
    assert organization.connection.decrypt_api_key() == key
    created = AuditEvent.objects.filter(organization=organization).values_list("action", flat=True)
    assert sorted(created) == [AuditEvent.Action.KEY_SET, AuditEvent.Action.ORGANIZATION_CREATE]


def test_creating_an_organization_with_a_rejected_key_saves_nothing(root):
    with RunningSimulator(encodings=0, seed=3, api_key=f"services-{uuid.uuid4().hex[:12]}") as simulator:
        fields = {"name": "Initech", "api_key": OTHER_KEY, "api_base_url": simulator.base_url}
        problems = refused_fields(lambda: organization_create(slug="initech", created_by=root, **fields))
    assert list(problems) == ["api_key"]
    assert problems["api_key"][0].startswith("Bitmovin did not accept this key, so nothing was saved.")
    assert OTHER_KEY not in problems["api_key"][0]
    assert not Organization.objects.filter(slug="initech").exists()
    refused = AuditEvent.objects.get()
    assert (refused.action, refused.outcome) == (
        AuditEvent.Action.ORGANIZATION_CREATE,
        AuditEvent.Outcome.REFUSED,
    )


def test_an_error_report_of_client_for_hides_the_decrypted_key(monkeypatch):
    organization = make_organization("acme")

    def broken_policy():
        raise RuntimeError("a failure after the key was decrypted")

    monkeypatch.setattr("encodings_app.services.clients.destination_policy", broken_policy)
    try:
        client_for(organization)
    except RuntimeError:
        frames = ExceptionReporter(None, *sys.exc_info()).get_traceback_frames()
    shown = {
        name: value for frame in frames if frame["function"] == "client_for" for name, value in frame["vars"]
    }
    assert "api_key" in shown and TEST_API_KEY not in shown["api_key"]
    assert all(TEST_API_KEY not in str(value) for frame in frames for _, value in frame["vars"])


# --- the key lives on the account connection, shared by the organizations it reaches ------------------------


def test_a_new_organization_of_a_stored_key_joins_the_connection_holding_it(root):
    key = f"services-{uuid.uuid4().hex[:12]}"
    with RunningSimulator(encodings=0, seed=3, api_key=key) as simulator:
        root_tenant, sub_tenant = simulator.accounts()["accounts"][0]["organizations"][:2]
        fields = {"api_key": key, "api_base_url": simulator.base_url + "/"}
        first = organization_create(
            slug="acme", name="Acme", created_by=root, tenant_org_id=root_tenant["id"], **fields
        )
        second = organization_create(
            slug="globex", name="Globex", created_by=root, tenant_org_id=sub_tenant["id"], **fields
        )
    assert second.connection_id == first.connection_id
    connection = AccountConnection.objects.get()
    assert connection.name == "Acme" and connection.api_base_url == simulator.base_url
    assert connection.decrypt_api_key() == key
    assert [first.tenant_org_id, second.tenant_org_id] == [root_tenant["id"], sub_tenant["id"]]


def test_a_key_entered_on_one_organization_replaces_it_for_every_organization_of_its_connection(admin):
    shared = make_connection(name="Acme account")
    acme = make_organization("acme", connection=shared, key_rejected=True, consecutive_failures=4)
    globex = make_organization("globex", connection=shared, key_unreadable=True)
    elsewhere = make_organization("initech", key_rejected=True)
    make_account_admin(shared, admin)  # the key is theirs to replace (test_shared_key_settings.py)

    organization_update(organization=acme, user=admin, api_key=OTHER_KEY)

    assert AccountConnection.objects.count() == 2, "replaced on the connection, none added"
    for organization in (acme, globex):
        organization.refresh_from_db()
        assert organization.connection_id == shared.pk
        assert organization.connection.decrypt_api_key() == OTHER_KEY
        assert not (organization.key_rejected or organization.key_unreadable), "a new key, a fresh chance"
        assert organization.consecutive_failures == 0
    elsewhere.refresh_from_db()
    assert elsewhere.key_rejected and elsewhere.connection.decrypt_api_key() == TEST_API_KEY
    assert list(
        AuditEvent.objects.filter(outcome=AuditEvent.Outcome.OK).values_list("action", flat=True)
    ) == [AuditEvent.Action.KEY_SET]


def test_an_organization_without_a_key_joins_the_connection_already_holding_the_one_it_is_given(admin):
    existing = make_organization("acme").connection
    keyless = make_organization("globex", api_key=None)

    organization_update(organization=keyless, user=admin, api_key=TEST_API_KEY)
    keyless.refresh_from_db()
    assert keyless.connection_id == existing.pk

    another = make_organization("initech", api_key=None)
    organization_update(organization=another, user=admin, api_key=OTHER_KEY)
    another.refresh_from_db()
    assert another.connection_id not in (None, existing.pk)
    assert another.connection.decrypt_api_key() == OTHER_KEY and another.connection.name == another.name


def test_a_base_url_alone_is_refused_for_an_organization_without_a_key(admin, settings):
    settings.BITMOVIN_API_BASE_URLS = [API, "https://api.example.org/v1"]
    keyless = make_organization("acme", api_key=None)

    problems = refused_fields(
        lambda: organization_update(
            organization=keyless, user=admin, api_base_url="https://api.example.org/v1"
        )
    )

    assert problems == {"api_key": [ADDRESS_NEEDS_KEY]}
    keyless.refresh_from_db()
    assert keyless.connection is None and not AccountConnection.objects.exists()
