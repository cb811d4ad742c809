"""An account admin at /admin/, and one row of everything the admin shows, each holding the secrets it must
never show."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from encodings_app.models import DisplayToken, Organization
from encodings_app.services.alerts import alerts_evaluate
from encodings_app.services.api_tokens import api_token_create
from encodings_app.services.display_links import display_link_create
from encodings_app.services.memberships import membership_set
from encodings_app.services.refresh_outbox import refresh_request
from tests.factories import TEST_API_KEY, failed_encodings, make_delivery, make_sync_run, make_user


@pytest.fixture
def root(db):
    return make_user("root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(root) -> Client:
    client = Client()
    client.force_login(root)
    return client


@dataclass
class Everything:
    api_token_id: int
    link: DisplayToken
    secrets: dict[str, str]


@pytest.fixture
def everything(world) -> Everything:
    """A token, a display link, a sync run, a delivery, a waiting refresh and audit entries, and every secret
    among them."""
    acme = world.acme
    webhook_secret = acme.ensure_webhook_secret()
    acme.save()
    acme = Organization.objects.get(pk=acme.pk)
    api_token, api_token_text = api_token_create(user=world.admin, name="nightly report")
    link, link_token = display_link_create(label="Ops room", organizations=[acme], created_by=world.admin)
    make_sync_run(acme, api_calls={"GET /encoding/encodings": 2})
    make_delivery(acme, event_type="ENCODING_FINISHED", event_id="evt-1", payload='{"eventId": "evt-1"}')
    refresh_request(organization_id=acme.pk, bitmovin_id="enc-1")
    membership_set(organization=acme, user=world.viewer, role="operator", actor=world.admin)
    failed_encodings(acme, 2, code=2001)
    alerts_evaluate(organization=acme)
    stored_key = acme.connection.api_key_encrypted
    stored_secret = acme.webhook_secret_encrypted
    return Everything(
        api_token_id=api_token.pk,
        link=link,
        secrets={
            "API key": TEST_API_KEY,
            "stored API key": stored_key,
            # The Fernet token alone, in case a page cut the "v1:<key id>:" prefix off.
            "encrypted API key": stored_key.split(":", 2)[2],
            "webhook signing secret": webhook_secret,
            "stored webhook signing secret": stored_secret,
            "encrypted webhook signing secret": stored_secret.split(":", 2)[2],
            "API token": api_token_text,
            "API token hash": api_token.token_hash,
            "display link token": link_token,
            "display link token hash": link.token_hash,
            "password hash": world.admin.password,
        },
    )


def secrets_in(html: str, secrets: dict[str, str]) -> list[str]:
    return [name for name, value in secrets.items() if value and value in html]
