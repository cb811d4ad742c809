"""Organizations, their API keys, and what the dashboard registers in Bitmovin for them (members and roles:
services/memberships.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import transaction

from encodings_app.bitmovin import BitmovinError, InvalidArgumentError
from encodings_app.bitmovin.error_codes import ErrorExplanation, explain
from encodings_app.models import Membership, Organization, Role
from encodings_app.services.clients import KeyUnavailable, client_for
from encodings_app.services.webhooks import REGISTERED_EVENTS

logger = logging.getLogger(__name__)

# An admin is waiting for "Test connection": give up sooner than a worker would.
INTERACTIVE_RETRY_BUDGET_S = 8.0


@transaction.atomic
def organization_create(*, name: str, slug: str, api_key: str, created_by=None, **fields) -> Organization:
    organization = Organization(name=name, slug=slug, **fields)
    organization.set_api_key(api_key)
    organization.ensure_webhook_secret()
    organization.full_clean()
    organization.save()
    if created_by is not None and not created_by.is_superuser:
        Membership.objects.create(user=created_by, organization=organization, role=Role.ADMIN)
    return organization


def organization_update(*, organization: Organization, api_key: str = "", **fields) -> Organization:
    """Change settings; a blank api_key keeps the stored one (the field is write-only on the pages)."""
    for name, value in fields.items():
        setattr(organization, name, value)
    if api_key.strip():
        organization.set_api_key(api_key)
    organization.full_clean()
    organization.save()
    return organization


@dataclass
class ConnectionCheck:
    ok: bool
    account_email: str = ""
    organization_name: str = ""
    organization_id: str = ""
    explanation: ErrorExplanation | None = None
    error: BitmovinError | None = None
    problem: str = ""


def organization_test_connection(*, organization: Organization) -> ConnectionCheck:
    """Which account and organization the stored key reaches, or why it reaches none."""
    try:
        client = client_for(organization, retry_budget_s=INTERACTIVE_RETRY_BUDGET_S, interactive=True)
    except KeyUnavailable as exc:
        return ConnectionCheck(ok=False, problem=str(exc))
    try:
        with client:
            account = client.get_account_information()
            organizations = client.list_organizations().items
    except BitmovinError as exc:
        return ConnectionCheck(ok=False, explanation=explain(exc.code, exc.message), error=exc)
    reached = next((org for org in organizations if org.id == organization.tenant_org_id), None)
    if reached is None:
        reached = next((org for org in organizations if str(org.type) == "ROOT_ORGANIZATION"), None)
    return ConnectionCheck(
        ok=True,
        account_email=account.email or "",
        organization_name=(reached.name or "") if reached else "",
        organization_id=(reached.id if reached else organization.tenant_org_id) or "",
    )


@dataclass
class WebhookRegistration:
    registered: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    error: BitmovinError | None = None
    problem: str = ""


def webhooks_register(*, organization: Organization, callback_url: str) -> WebhookRegistration:
    """Make Bitmovin post the organization's encoding events to callback_url, signed with its secret.

    Idempotent: events whose webhook this dashboard registered before (and Bitmovin still lists) are left
    alone, so pressing the button twice creates nothing twice.
    """
    outcome = WebhookRegistration()
    secret = organization.ensure_webhook_secret()
    known = dict(organization.registered_webhooks or {})
    try:
        with client_for(organization, retry_budget_s=INTERACTIVE_RETRY_BUDGET_S, interactive=True) as client:
            for event in REGISTERED_EVENTS:
                if known.get(event) and _still_registered(client, event, known[event], callback_url):
                    outcome.already.append(event)
                    continue
                webhook = client.create_webhook(event, callback_url, secret)
                known[event] = webhook.id
                outcome.registered.append(event)
    except BitmovinError as exc:
        outcome.error = exc
    except KeyUnavailable as exc:
        outcome.problem = str(exc)
    finally:
        Organization.objects.filter(pk=organization.pk).update(
            registered_webhooks=known, webhook_secret_encrypted=organization.webhook_secret_encrypted
        )
        organization.registered_webhooks = known
    return outcome


def _still_registered(client, event: str, webhook_id: str, callback_url: str) -> bool:
    try:
        webhooks = client.list_webhooks(event, limit=100).items
    except InvalidArgumentError:
        return True  # no list endpoint for this family: trust our record
    return any(webhook.id == webhook_id and webhook.url == callback_url for webhook in webhooks)
