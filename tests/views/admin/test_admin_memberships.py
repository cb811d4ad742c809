"""Memberships changed in the admin go through services/memberships.py: the last active admin of an
organization stays, every change is audited in the account admin's name, and a refusal changes nothing."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.messages import get_messages
from django.urls import reverse

from encodings_app.models import AuditEvent, DisplayToken, Membership, Role
from encodings_app.services.display_links import display_link_create
from tests.factories import make_member, make_user

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:encodings_app_membership_changelist")
LAST_ADMIN = "Acme Media must keep at least one active admin, so this change was not made."


def change_url(membership: Membership) -> str:
    return reverse("admin:encodings_app_membership_change", args=[membership.pk])


def delete_url(membership: Membership) -> str:
    return reverse("admin:encodings_app_membership_delete", args=[membership.pk])


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def audit(action: str) -> list[tuple[str, str, str]]:
    return list(
        AuditEvent.objects.filter(action=action).order_by("pk").values_list("username", "target", "outcome")
    )


@pytest.fixture
def ada_in_acme(world) -> Membership:
    """The only admin of Acme."""
    return world.acme.memberships.get(user=world.admin)


def test_an_account_admin_adds_a_member_through_the_service(admin_client, world):
    newcomer = make_user("nina")
    response = admin_client.post(
        reverse("admin:encodings_app_membership_add"),
        {"user": newcomer.pk, "organization": world.acme.pk, "role": Role.OPERATOR},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=newcomer, organization=world.acme)
    assert membership.role == Role.OPERATOR
    assert audit(AuditEvent.Action.MEMBER_ADD) == [("root", "nina", "ok")]
    assert any("was added successfully" in text for text in said(response))


def test_a_person_already_in_the_organization_is_not_added_twice(admin_client, world):
    response = admin_client.post(
        reverse("admin:encodings_app_membership_add"),
        {"user": world.viewer.pk, "organization": world.acme.pk, "role": Role.ADMIN},
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert world.acme.memberships.get(user=world.viewer).role == Role.VIEWER
    assert audit(AuditEvent.Action.MEMBER_ADD) == []


def test_a_role_changed_in_the_admin_is_audited_in_the_account_admins_name(admin_client, world):
    membership = world.acme.memberships.get(user=world.viewer)
    response = admin_client.post(change_url(membership), {"role": Role.OPERATOR})
    assert response.status_code == 302 and response["Location"] == CHANGELIST
    membership.refresh_from_db()
    assert membership.role == Role.OPERATOR
    assert audit(AuditEvent.Action.MEMBER_ROLE) == [("root", "vera", "ok")]


def test_saving_an_untouched_membership_changes_and_records_nothing(admin_client, world):
    membership = world.acme.memberships.get(user=world.viewer)
    response = admin_client.post(change_url(membership), {"role": Role.VIEWER})
    assert response.status_code == 302
    assert not AuditEvent.objects.exists()


def test_the_last_admin_cannot_be_demoted_in_the_admin(admin_client, ada_in_acme):
    response = admin_client.post(change_url(ada_in_acme), {"role": Role.VIEWER})
    assert response.status_code == 302 and response["Location"] == change_url(ada_in_acme)
    assert any(text.startswith(LAST_ADMIN) for text in said(response))
    assert not any("successfully" in text for text in said(response))
    ada_in_acme.refresh_from_db()
    assert ada_in_acme.role == Role.ADMIN
    assert audit(AuditEvent.Action.MEMBER_ROLE) == [("root", "ada", "refused")]
    assert not LogEntry.objects.exists()


def test_deleting_the_last_admin_membership_is_refused_with_the_rules_words(admin_client, ada_in_acme):
    confirm = admin_client.get(delete_url(ada_in_acme))
    assert confirm.status_code == 200
    response = admin_client.post(delete_url(ada_in_acme), {"post": "yes"})
    assert response.status_code == 302 and response["Location"] == change_url(ada_in_acme)
    assert any(text.startswith(LAST_ADMIN) for text in said(response))
    assert not any("deleted successfully" in text for text in said(response))
    assert Membership.objects.filter(pk=ada_in_acme.pk).exists()
    assert audit(AuditEvent.Action.MEMBER_REMOVE) == [("root", "ada", "refused")]
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()


def test_deleting_an_admin_who_is_not_the_last_goes_through_the_service(admin_client, world, ada_in_acme):
    make_member(world.acme, Role.ADMIN, user=make_user("beth"))
    link, _token = display_link_create(label="Ops room", organizations=[world.acme], created_by=world.admin)
    response = admin_client.post(delete_url(ada_in_acme), {"post": "yes"})
    assert response.status_code == 302 and response["Location"] == CHANGELIST
    assert not Membership.objects.filter(pk=ada_in_acme.pk).exists()
    assert audit(AuditEvent.Action.MEMBER_REMOVE) == [("root", "ada", "ok")]
    # What the service does beyond deleting the row: ada's wall display link goes dark with her role.
    assert DisplayToken.objects.get(pk=link.pk).revoked_at is not None
    entry = LogEntry.objects.get(action_flag=DELETION)
    assert entry.object_id == str(ada_in_acme.pk) and entry.user.username == "root"


def test_deleting_every_admin_at_once_stops_at_the_last_one(admin_client, world, ada_in_acme):
    beth = make_member(world.acme, Role.ADMIN, user=make_user("beth"))
    admins = list(world.acme.memberships.filter(role=Role.ADMIN).order_by("pk"))
    selected = {"action": "delete_selected", "_selected_action": [m.pk for m in admins]}

    confirm = admin_client.post(CHANGELIST, selected)
    assert confirm.status_code == 200
    assert "Are you sure" in confirm.content.decode()
    assert world.acme.memberships.filter(role=Role.ADMIN).count() == 2

    response = admin_client.post(CHANGELIST, {**selected, "post": "yes"})
    assert response.status_code == 302
    messages = said(response)
    assert any(text.startswith(LAST_ADMIN) for text in messages)
    assert "1 membership deleted." in messages
    assert list(world.acme.memberships.filter(role=Role.ADMIN).values_list("user", flat=True)) == [beth.pk]
    assert audit(AuditEvent.Action.MEMBER_REMOVE) == [("root", "ada", "ok"), ("root", "beth", "refused")]
