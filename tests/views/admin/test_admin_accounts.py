"""User accounts in the admin: created, changed, given a password and deleted with an audit entry each;
never deleted while they are an organization's only active admin; one's own password is changed on the
account page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from encodings_app.models import AuditEvent, Membership, Role
from tests.factories import PASSWORD, make_member, make_user

pytestmark = pytest.mark.django_db

User = get_user_model()
NEW_PASSWORD = "lantern-orchard-velvet-42"
BLOCKED = (
    "ada is an active admin of Acme Media, which would have none left: make someone else admin there first"
)


def audit(action: str) -> list[tuple[str, str, str]]:
    return list(
        AuditEvent.objects.filter(action=action).order_by("pk").values_list("username", "target", "detail")
    )


def test_an_account_created_in_the_admin_is_audited(admin_client):
    response = admin_client.post(
        reverse("admin:auth_user_add"),
        {"username": "nina", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    assert User.objects.get(username="nina").check_password(NEW_PASSWORD)
    assert audit(AuditEvent.Action.ACCOUNT_CREATE) == [("root", "nina", "")]
    assert not AuditEvent.objects.filter(detail__contains=NEW_PASSWORD).exists()


def test_making_someone_an_account_admin_is_audited_by_the_fields_that_changed(admin_client, world):
    vera = world.viewer
    data = {
        "username": vera.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-12-01",
        "date_joined_1": "10:00:00",
    }
    response = admin_client.post(reverse("admin:auth_user_change", args=[vera.pk]), data)
    assert response.status_code == 302
    vera.refresh_from_db()
    assert vera.is_superuser and vera.is_staff
    [(who, target, detail)] = audit(AuditEvent.Action.ACCOUNT_CHANGE)
    assert (who, target) == ("root", "vera")
    assert "Staff status" in detail and "Superuser status" in detail


def test_a_password_set_by_an_account_admin_is_audited_and_ends_the_users_sessions(admin_client, world):
    vera = world.viewer
    her_browser = Client()
    assert her_browser.post("/login/", {"username": "vera", "password": PASSWORD}).status_code == 302

    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[vera.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    assert User.objects.get(pk=vera.pk).check_password(NEW_PASSWORD)
    assert audit(AuditEvent.Action.PASSWORD_CHANGE) == [("root", "vera", "Set by an account admin.")]
    assert her_browser.get("/").status_code == 302


def test_the_only_active_admin_of_an_organization_cannot_be_deleted(admin_client, world):
    ada = world.admin
    url = reverse("admin:auth_user_delete", args=[ada.pk])
    page = admin_client.get(url).content.decode()
    assert "Cannot delete user" in page
    assert BLOCKED in page

    admin_client.post(url, {"post": "yes"})

    assert User.objects.filter(pk=ada.pk).exists()
    assert Membership.objects.filter(user=ada, organization=world.acme, role=Role.ADMIN).exists()
    assert audit(AuditEvent.Action.ACCOUNT_DELETE) == []


def test_an_account_deleted_in_the_admin_is_audited(admin_client, world):
    make_member(world.acme, Role.ADMIN, user=make_user("beth"))
    ada = world.admin
    response = admin_client.post(reverse("admin:auth_user_delete", args=[ada.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=ada.pk).exists()
    assert audit(AuditEvent.Action.ACCOUNT_DELETE) == [("root", "ada", "")]


def test_the_admins_own_password_change_is_the_account_pages(admin_client):
    response = admin_client.get("/admin/password_change/")
    assert response.status_code == 302 and response["Location"] == "/account/#password"
    assert admin_client.get("/admin/password_change/done/")["Location"] == "/account/"


def test_the_only_active_admin_of_an_organization_is_not_deactivated(admin_client, world):
    ada = world.admin
    data = {"username": "ada", "date_joined_0": "2026-12-01", "date_joined_1": "10:00:00"}
    # "is_active" left out: its box unticked.
    response = admin_client.post(reverse("admin:auth_user_change", args=[ada.pk]), data)
    assert response.status_code == 200
    assert BLOCKED + "." in response.content.decode()
    ada.refresh_from_db()
    assert ada.is_active
    assert audit(AuditEvent.Action.ACCOUNT_CHANGE) == []

    make_member(world.acme, Role.ADMIN, user=make_user("beth"))
    assert admin_client.post(reverse("admin:auth_user_change", args=[ada.pk]), data).status_code == 302
    ada.refresh_from_db()
    assert not ada.is_active
    [(who, target, detail)] = audit(AuditEvent.Action.ACCOUNT_CHANGE)
    assert (who, target) == ("root", "ada") and detail.startswith("Changed: Active")


def test_two_admins_deleted_together_do_not_leave_their_organization_without_one(admin_client, world):
    beth = make_member(world.acme, Role.ADMIN, user=make_user("beth"))
    selected = {"action": "delete_selected", "_selected_action": [world.admin.pk, beth.pk]}
    page = admin_client.post(reverse("admin:auth_user_changelist"), selected).content.decode()
    assert "Cannot delete users" in page
    assert BLOCKED in page and "beth is an active admin of Acme Media, which would have none left" in page

    admin_client.post(reverse("admin:auth_user_changelist"), {**selected, "post": "yes"})

    assert User.objects.filter(pk__in=[world.admin.pk, beth.pk]).count() == 2
    assert audit(AuditEvent.Action.ACCOUNT_DELETE) == []
