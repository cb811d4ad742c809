"""What organizations read through (their connection's key and API base URL, and each one's tenant id) is
changed only by an account admin of that connection or a superuser (services/organizations.py,
organization_update): an organization admin's settings cannot re-point it, and the refusal names none of
the other organizations of the account."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from encodings_app.models import Role
from encodings_app.services.organizations import ACCOUNT_ADMINS_ONLY, organization_update
from tests.factories import make_account_admin, make_connection, make_member, make_organization, make_user

pytestmark = pytest.mark.django_db

OTHER_KEY = "a-newer-key-of-the-account-0001"


@pytest.fixture
def shared():
    connection = make_connection(name="Acme Media")
    acme = make_organization("acme", connection=connection)
    sports = make_organization("sports", connection=connection)
    return connection, acme, sports


@pytest.mark.parametrize("of_both", [False, True], ids=["admin-of-one", "admin-of-every-one"])
def test_an_organization_admin_cannot_change_the_key_its_address_or_the_tenant(shared, of_both):
    connection, acme, sports = shared
    admin = make_member(acme, Role.ADMIN)
    if of_both:
        make_member(sports, Role.ADMIN, user=admin)
    before = connection.api_key_encrypted

    for change in (
        {"api_key": OTHER_KEY},
        {"api_base_url": "http://127.0.0.1:9/v1", "api_key": OTHER_KEY},
        {"tenant_org_id": "another-tenant", "api_key": OTHER_KEY},
    ):
        with pytest.raises(ValidationError) as refused:
            organization_update(organization=acme, user=admin, **change)
        assert refused.value.message_dict["api_key"] == [ACCOUNT_ADMINS_ONLY]
        assert sports.name not in ACCOUNT_ADMINS_ONLY, "not even their names"

    connection.refresh_from_db()
    acme.refresh_from_db()
    assert connection.api_key_encrypted == before and acme.tenant_org_id == ""
    organization_update(organization=acme, user=admin, name="Acme (news)")  # the rest is still theirs
    acme.refresh_from_db()
    assert acme.name == "Acme (news)"


def test_an_account_admin_or_a_superuser_may_replace_the_key_for_every_organization(shared):
    connection, acme, sports = shared
    account_admin = make_account_admin(connection)

    organization_update(organization=acme, user=account_admin, api_key=OTHER_KEY)
    connection.refresh_from_db()
    assert connection.decrypt_api_key() == OTHER_KEY

    root = make_user("root", is_superuser=True)
    organization_update(organization=sports, user=root, api_key=f"{OTHER_KEY}-2")
    connection.refresh_from_db()
    assert connection.decrypt_api_key() == f"{OTHER_KEY}-2"


def test_whoever_gives_a_keyless_organization_its_own_new_key_looks_after_that_account(shared):
    keyless = make_organization("keyless", api_key=None)
    admin = make_member(keyless, Role.ADMIN)

    organization_update(organization=keyless, user=admin, api_key="a-key-nobody-else-has-0042")

    keyless.refresh_from_db()
    assert keyless.connection is not None
    assert list(keyless.connection.memberships.values_list("user", "role")) == [(admin.pk, Role.ADMIN)]
    organization_update(organization=keyless, user=admin, api_key="its-next-key-0043")
    keyless.refresh_from_db()
    assert keyless.connection.decrypt_api_key() == "its-next-key-0043"
