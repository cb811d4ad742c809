"""A key shared by several organizations of one account connection is changed only by someone who
administers all of them (services/organizations.py, organization_update): an organization admin's settings
page must not replace the key, or its address, under organizations they do not administer."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from encodings_app.models import Role
from encodings_app.services.organizations import organization_update
from tests.factories import make_connection, make_member, make_organization, make_user

pytestmark = pytest.mark.django_db

OTHER_KEY = "a-newer-key-of-the-account-0001"


@pytest.fixture
def shared():
    connection = make_connection(name="Acme Media")
    acme = make_organization("acme", connection=connection)
    sports = make_organization("sports", connection=connection)
    return connection, acme, sports


def test_an_admin_of_one_organization_cannot_change_the_key_the_others_share(shared):
    connection, acme, sports = shared
    admin = make_member(acme, Role.ADMIN)
    before = connection.api_key_encrypted

    for change in ({"api_key": OTHER_KEY}, {"api_base_url": "http://127.0.0.1:9/v1", "api_key": OTHER_KEY}):
        with pytest.raises(ValidationError) as refused:
            organization_update(organization=acme, user=admin, **change)
        assert "shared with other organizations" in str(refused.value.message_dict["api_key"])
        assert sports.name not in str(refused.value.message_dict["api_key"]), "not even their names"

    connection.refresh_from_db()
    assert connection.api_key_encrypted == before
    organization_update(organization=acme, user=admin, name="Acme (news)")  # the rest is still theirs
    acme.refresh_from_db()
    assert acme.name == "Acme (news)"


def test_an_admin_of_every_organization_of_the_connection_or_an_account_admin_may(shared):
    connection, acme, sports = shared
    admin = make_member(acme, Role.ADMIN)
    make_member(sports, Role.ADMIN, user=admin)

    organization_update(organization=acme, user=admin, api_key=OTHER_KEY)
    connection.refresh_from_db()
    assert connection.decrypt_api_key() == OTHER_KEY

    root = make_user("root", is_superuser=True)
    organization_update(organization=sports, user=root, api_key=f"{OTHER_KEY}-2")
    connection.refresh_from_db()
    assert connection.decrypt_api_key() == f"{OTHER_KEY}-2"
