"""API tokens and wall display links are revoked in the admin through their services: the same effect and
the same audit entries as on the pages, in the name of the account admin who did it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from encodings_app.models import ApiToken, AuditEvent, DisplayToken
from encodings_app.services.api_tokens import api_token_create
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def revoke(client: Client, model, rows) -> list[str]:
    url = reverse(f"admin:encodings_app_{model._meta.model_name}_changelist")
    response = client.post(
        url, {"action": "revoke_selected", "_selected_action": [row.pk for row in rows]}, follow=True
    )
    assert response.redirect_chain == [(url, 302)]
    return [str(message) for message in response.context["messages"]]


def test_an_api_token_revoked_in_the_admin_stops_working_and_is_audited(admin_client, world, everything):
    token = ApiToken.objects.get(pk=everything.api_token_id)
    secret = everything.secrets["API token"]
    assert Client().get("/api/v1/organizations", HTTP_X_API_KEY=secret).status_code == 200

    assert revoke(admin_client, ApiToken, [token]) == ["1 revoked."]

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client().get("/api/v1/organizations", HTTP_X_API_KEY=secret).status_code == 401
    entry = AuditEvent.objects.get(action=AuditEvent.Action.API_TOKEN_REVOKE)
    assert (entry.username, entry.target, entry.detail) == (
        "root",
        f"nightly report ({token.hint})",
        "A token of ada.",
    )


def test_revoking_again_keeps_the_first_time(admin_client, world, everything):
    first = ApiToken.objects.get(pk=everything.api_token_id)
    other, _secret = api_token_create(user=world.viewer, name="chat bot")
    revoke(admin_client, ApiToken, [first])
    revoked_at = ApiToken.objects.get(pk=first.pk).revoked_at

    assert revoke(admin_client, ApiToken, [first, other]) == ["1 revoked. 1 had been revoked already."]

    assert ApiToken.objects.get(pk=first.pk).revoked_at == revoked_at
    assert AuditEvent.objects.filter(action=AuditEvent.Action.API_TOKEN_REVOKE).count() == 2


def test_a_display_link_revoked_in_the_admin_goes_dark_and_is_audited(admin_client, world, everything):
    link = everything.link
    screen = Client()
    assert screen.get(f"/wall/{everything.secrets['display link token']}/", follow=True).status_code == 200

    assert revoke(admin_client, DisplayToken, [link]) == ["1 revoked."]

    assert DisplayToken.objects.get(pk=link.pk).revoked_at is not None
    assert "This display link was revoked" in screen.get(f"/wall/d/{link.pk}/").content.decode()
    entry = AuditEvent.objects.get(action=AuditEvent.Action.DISPLAY_LINK_REVOKE)
    assert (entry.username, entry.organization, entry.detail) == (
        "root",
        world.acme,
        "Revoked in the admin site.",
    )


def test_staff_who_may_only_view_tokens_cannot_revoke_them(world, everything):
    staff = make_user("sam", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_apitoken", "view_displaytoken"])
    )
    client = Client()
    client.force_login(staff)
    listed = client.get(reverse("admin:encodings_app_apitoken_changelist"))
    assert listed.status_code == 200 and "revoke_selected" not in listed.content.decode()
    client.post(
        reverse("admin:encodings_app_apitoken_changelist"),
        {"action": "revoke_selected", "_selected_action": [everything.api_token_id]},
    )
    assert ApiToken.objects.get(pk=everything.api_token_id).revoked_at is None
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.API_TOKEN_REVOKE).exists()
