"""Roles across a whole account (access.py): every organization of the connection, those watched later too,
and the higher of the account's and the organization's own role."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from encodings_app import access
from encodings_app.models import AccountMembership, Role
from encodings_app.selectors import organizations_with_health
from encodings_app.selectors.organizations import organizations_with_role
from tests.api.helpers import ApiCaller, result_of, token_for
from tests.factories import make_connection, make_member, make_organization, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    """Media Co's account (acme, acme-sports) and another account (globex)."""
    media = make_connection(name="Media Co")
    acme = make_organization("acme", connection=media)
    sports = make_organization("acme-sports", connection=media, tenant_org_id="sub-1")
    globex = make_organization("globex", api_key="another-key-0000")
    return media, acme, sports, globex


def across(connection, role: str, user=None):
    user = user or make_user()
    AccountMembership.objects.create(user=user, connection=connection, role=role)
    return user


def test_a_role_across_the_account_reaches_every_organization_of_it_and_those_watched_later(account):
    media, acme, sports, _globex = account
    viewer = across(media, Role.VIEWER)

    assert set(access.organizations_for(viewer)) == {acme, sports}
    later = make_organization("acme-news", connection=media, tenant_org_id="sub-2")
    assert set(access.organizations_for(viewer)) == {acme, sports, later}
    assert access.organization_for(viewer, "acme-news").role == Role.VIEWER
    with pytest.raises(Http404):
        access.organization_for(viewer, "globex")
    with pytest.raises(PermissionDenied):
        access.organization_for(viewer, "acme", needs=Role.OPERATOR)
    assert list(access.organizations_administered_by(viewer)) == []


@pytest.mark.parametrize(
    ("own", "account_role", "held"),
    [
        (Role.ADMIN, Role.VIEWER, Role.ADMIN),
        (Role.VIEWER, Role.ADMIN, Role.ADMIN),
        (Role.OPERATOR, Role.VIEWER, Role.OPERATOR),
        (Role.VIEWER, Role.OPERATOR, Role.OPERATOR),
    ],
)
def test_the_higher_of_the_account_role_and_the_organization_role_counts(account, own, account_role, held):
    media, acme, _sports, _globex = account
    user = across(media, account_role, make_member(acme, own))

    assert access.organization_for(user, "acme").role == held
    assert organizations_with_role(user).get(pk=acme.pk).api_role == held
    assert (acme in access.organizations_administered_by(user)) == (held == Role.ADMIN)


def test_an_account_admin_administers_every_organization_of_the_account_and_its_connection_only(account):
    media, acme, sports, globex = account
    admin = across(media, Role.ADMIN)

    assert set(access.organizations_administered_by(admin)) == {acme, sports}
    assert list(access.connections_administered_by(admin)) == [media]
    assert access.administers_connection(admin, media)
    assert not access.administers_connection(admin, globex.connection)
    organization_admin = make_member(acme, Role.ADMIN)
    assert not access.administers_connection(organization_admin, media), "an organization's admin is not"


def test_deciding_access_stays_one_query(account, django_assert_num_queries):
    media, _acme, _sports, _globex = account
    user = across(media, Role.OPERATOR)
    with django_assert_num_queries(1):
        access.organization_for(user, "acme-sports")


def test_the_switcher_and_the_api_show_the_account_roles(account):
    media, _acme, _sports, _globex = account
    admin = across(media, Role.ADMIN)
    viewer = across(media, Role.VIEWER)

    assert sorted(h.organization.slug for h in organizations_with_health(admin)) == ["acme", "acme-sports"]
    listed = result_of(ApiCaller(token_for(viewer)).get("/organizations"))
    assert [(item["slug"], item["role"]) for item in listed["items"]] == [
        ("acme", "viewer"),
        ("acme-sports", "viewer"),
    ]
