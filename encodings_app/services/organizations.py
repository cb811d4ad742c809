"""Organizations, their API keys, and the webhooks the dashboard registers in Bitmovin for them
(webhooks_register; the deliveries are verified in services/webhooks.py; members and roles are in
services/memberships.py).

A stored API key is bound to where it was entered for: the base URL (one of the installation's allowed API
addresses) and the tenant organization id. Changing either needs the key again, in the same change, so a
key entered by one person for one destination is never sent elsewhere by another. Each (base URL, tenant)
pair is watched by one organization of the installation; only a superuser may watch it twice.

The key and its base URL are kept on the organization's account connection (services/connections.py),
shared with the other organizations of the same key: a new organization joins the connection that already
holds its key, and a key or base URL entered on an organization's settings replaces it on its connection,
for every organization read through it.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from encodings_app import crypto
from encodings_app.access import administers_connection
from encodings_app.bitmovin import (
    BitmovinError,
    InvalidArgumentError,
    NotFoundError,
)
from encodings_app.bitmovin.error_codes import ErrorExplanation, explain
from encodings_app.models import (
    DEFAULT_API_BASE_URL,
    AccountConnection,
    Membership,
    Organization,
    Role,
)
from encodings_app.services.account_connect import ConnectRefused, key_reach
from encodings_app.services.account_memberships import account_member_set
from encodings_app.services.action_outcomes import ErrorEvidence, api_did_not_answer
from encodings_app.services.audit import Action, Outcome, audit_record
from encodings_app.services.clients import (
    KeyUnavailable,
    base_url_refusal,
    client_for,
    normalize_base_url,
    same_base_url,
)
from encodings_app.services.connections import (
    connection_matching,
    connection_save,
    with_fresh_key_verdicts,
)
from encodings_app.services.webhooks import REGISTERED_EVENTS

logger = logging.getLogger(__name__)

KEY_AGAIN = (
    "Enter the API key again: a stored key is only sent to the API base URL and tenant organization id it "
    "was entered for, so changing either needs the key in the same form."
)
TENANT_TAKEN = (
    "Another organization in this dashboard already reads this tenant organization through this API base "
    "URL. Only a superuser can set up the same tenant twice."
)
# Names none of the other organizations: the user may not even know they exist.
ACCOUNT_ADMINS_ONLY = (
    "What this organization reads through (its Bitmovin account's API key, the API base URL and its tenant "
    "organization id) is changed only by an account admin of that account."
)
TENANT_NOT_REACHED = (
    "This key does not reach that tenant organization: use the id of an organization or sub-organization "
    "the key reaches (the account's page lists them)."
)
ADDRESS_NEEDS_KEY = (
    "An API base URL is stored with the key that is sent to it: enter the API key to use it with."
)
UNDECRYPTABLE_SIGNING = (
    "The webhook signing secret cannot be decrypted with the configured encryption keys, so webhooks cannot "
    "be registered with it. Replace the signing secret, then register the webhooks again."
)


def _normalized(fields: dict[str, Any]) -> dict[str, Any]:
    fields = dict(fields)
    if "api_base_url" in fields:
        fields["api_base_url"] = normalize_base_url(fields["api_base_url"])
    if "tenant_org_id" in fields:
        fields["tenant_org_id"] = (fields["tenant_org_id"] or "").strip()
    return fields


def _base_url_of(organization: Organization) -> str:
    """Where the organization's key is sent; the default address while it has none."""
    connection = organization.connection
    return connection.api_base_url if connection is not None else DEFAULT_API_BASE_URL


def may_repoint(user, organization: Organization) -> bool:
    """Whether the user may change what the organization reads through: its connection's key and address,
    and its tenant id. An account admin of the connection may (superusers are of every one), and a script
    (no user); an organization without a connection yet is its own admins' to give a key."""
    connection = organization.connection
    return user is None or connection is None or administers_connection(user, connection)


def _tenant_reach_problems(organization: Organization, *, api_key: str, base_url: str) -> dict[str, str]:
    """Ask Bitmovin whether the key reaches the organization's new tenant id; on the way, learn its parent."""
    try:
        reach = key_reach(api_key=api_key, api_base_url=base_url)
    except ConnectRefused as exc:
        return {exc.field: exc.message}
    reached = next((item for item in reach.organizations if item.id == organization.tenant_org_id), None)
    if reached is None:
        return {"tenant_org_id": TENANT_NOT_REACHED}
    organization.bitmovin_parent_id = reached.parent_id or ""
    return {}


def _tenant_taken(organization: Organization, base_url: str, user) -> bool:
    """True when another organization already reads this (base URL, tenant) pair and the user may not
    set it up twice. A blank tenant id means the key's own organization: it binds nothing."""
    if not organization.tenant_org_id or getattr(user, "is_superuser", False):
        return False
    others = Organization.objects.filter(
        tenant_org_id__iexact=organization.tenant_org_id, connection__isnull=False
    )
    if organization.pk is not None:
        others = others.exclude(pk=organization.pk)
    return any(
        same_base_url(url, base_url) for url in others.values_list("connection__api_base_url", flat=True)
    )


def _destination_problems(
    organization: Organization, *, base_url: str, user, moved: bool, key_given: bool, had_key: bool
) -> dict[str, str]:
    """What is wrong with the organization's destination (its tenant already assigned), by form field."""
    problems: dict[str, str] = {}
    refusal = base_url_refusal(base_url)
    if refusal is not None:
        problems["api_base_url"] = refusal
    if moved and had_key and not key_given:
        problems["api_key"] = KEY_AGAIN
    if moved and _tenant_taken(organization, base_url, user):
        problems["tenant_org_id"] = TENANT_TAKEN
    return problems


@sensitive_variables("api_key")
def organization_create(
    *,
    name: str,
    slug: str,
    api_key: str,
    created_by=None,
    request: HttpRequest | None = None,
    **fields: Any,
) -> Organization:
    fields = _normalized(fields)
    base_url = fields.pop("api_base_url", DEFAULT_API_BASE_URL)
    organization = Organization(name=name, slug=slug, **fields)
    problems = _destination_problems(
        organization,
        base_url=base_url,
        user=created_by,
        moved=True,
        key_given=bool(api_key.strip()),
        had_key=False,
    )

    def refuse(errors: dict, why: str, error: BitmovinError | None = None) -> ValidationError:
        audit_record(
            action=Action.ORGANIZATION_CREATE,
            user=created_by,
            outcome=Outcome.REFUSED,
            target=slug,
            detail=f"refused: {why}",
            request_id=(error.request_id or "") if error is not None else "",
            request=request,
        )
        return ValidationError(errors)

    if problems:
        raise refuse(problems, ", ".join(sorted(problems)))
    connection = connection_matching(api_key=api_key, api_base_url=base_url)
    if connection is None:
        connection = AccountConnection(name=name, api_base_url=base_url)
        connection.set_api_key(api_key)
    organization.connection = connection
    check = _connection_check(organization)
    if not check.ok:
        summary = _error_summary(check.error) if check.error else "key unusable"
        raise refuse({"api_key": _key_refusal(check)}, f"api_key ({summary})", check.error)
    with transaction.atomic():
        organization.ensure_webhook_secret()
        if connection.pk is None:
            connection.full_clean()
            connection_save(connection=connection, key_replaced=False)
        organization.connection = connection
        organization.full_clean()
        organization.save()
        if created_by is not None and not created_by.is_superuser:
            Membership.objects.create(user=created_by, organization=organization, role=Role.ADMIN)
        for action in (Action.ORGANIZATION_CREATE, Action.KEY_SET):
            audit_record(
                action=action, user=created_by, organization=organization, target=slug, request=request
            )
    return organization


@sensitive_variables("api_key")
def organization_update(
    *,
    organization: Organization,
    user=None,
    api_key: str = "",
    request: HttpRequest | None = None,
    **fields: Any,
) -> Organization:
    """Change settings; a blank api_key keeps the stored one (the field is write-only on the pages).

    A key or base URL entered here replaces it on the organization's connection, so for every organization
    read through that connection (an organization without one joins the connection already holding the
    key, or gets a new one).

    Raises ValidationError (by field name) and saves nothing when the base URL is not allowed, when the
    base URL or tenant id changes without the key being entered again, when a base URL is given to an
    organization without a key, when a user who is not a superuser points the organization at a
    tenant another organization already reads, when the key does not reach the new tenant id (asked of
    Bitmovin), or when a user who is not an account admin of the organization's connection changes the
    key, the base URL or the tenant id.
    """
    fields = _normalized(fields)
    base_url = fields.pop("api_base_url", _base_url_of(organization))
    changed = [name for name, value in fields.items() if getattr(organization, name) != value]
    moved_address = base_url != _base_url_of(organization)
    changed = sorted([*changed, *(["api_base_url"] if moved_address else [])])
    moved = bool({"api_base_url", "tenant_org_id"} & set(changed))
    key_given = bool(api_key.strip())
    had_key = organization.has_api_key
    for name in changed:
        if name != "api_base_url":
            setattr(organization, name, fields[name])
    problems = _destination_problems(
        organization, base_url=base_url, user=user, moved=moved, key_given=key_given, had_key=had_key
    )
    if moved_address and not had_key and not key_given:
        problems.setdefault("api_key", ADDRESS_NEEDS_KEY)
    connection = organization.connection
    if (key_given or moved) and not may_repoint(user, organization):
        problems.setdefault("api_key", ACCOUNT_ADMINS_ONLY)
    if not problems and "tenant_org_id" in changed and organization.tenant_org_id and key_given:
        problems = _tenant_reach_problems(organization, api_key=api_key, base_url=base_url)
    key_replaced = False
    try:
        if problems:
            raise ValidationError(problems)
        new_connection = False
        if connection is None and key_given:
            connection = connection_matching(api_key=api_key, api_base_url=base_url)
            if connection is None:
                connection = AccountConnection(name=organization.name, api_base_url=base_url)
                connection.set_api_key(api_key)
                new_connection = True
        elif connection is not None and (key_given or moved_address):
            connection.api_base_url = base_url
            if key_given:
                connection.set_api_key(api_key)
                key_replaced = True
        if connection is not None:
            connection.full_clean()
        organization.full_clean()
    except ValidationError:
        organization.refresh_from_db()
        if connection is not None and connection.pk is not None:
            connection.refresh_from_db()
        attempted = [*changed, *(["api_key"] if key_given else [])]
        audit_record(
            action=Action.SETTINGS_CHANGE,
            user=user,
            organization=organization,
            outcome=Outcome.REFUSED,
            detail=f"refused: {', '.join(attempted) or 'no change'}",
            request=request,
        )
        raise
    with transaction.atomic():
        if connection is not None and (key_given or moved_address):
            connection_save(connection=connection, key_replaced=key_replaced)
            organization.connection = connection
        if new_connection and user is not None and not user.is_superuser:
            # Whoever brought the key looks after it: they may change it, or this tenant, again.
            account_member_set(connection=connection, user=user, role=Role.ADMIN, actor=user, request=request)
        if key_given:
            with_fresh_key_verdicts(organization)
        organization.save()
        if changed:
            audit_record(
                action=Action.SETTINGS_CHANGE,
                user=user,
                organization=organization,
                detail=f"changed: {', '.join(changed)}",
                request=request,
            )
        if key_given:
            audit_record(action=Action.KEY_SET, user=user, organization=organization, request=request)
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


def organization_test_connection(
    *, organization: Organization, user=None, request: HttpRequest | None = None
) -> ConnectionCheck:
    """Which account and organization the stored key reaches, or why it reaches none."""
    check = _connection_check(organization)
    success = f"reached organization {check.organization_id}".strip()
    _audit_call(
        Action.CONNECTION_TEST, organization, check.ok, success, check.error, check.problem, user, request
    )
    return check


def _connection_check(organization: Organization) -> ConnectionCheck:
    try:
        with client_for(organization, interactive=True) as client:
            account = client.get_account_information()
            organizations = client.list_organizations().items
    except KeyUnavailable as exc:
        return ConnectionCheck(ok=False, problem=str(exc))
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


def _key_refusal(check: ConnectionCheck) -> str:
    """Why a new organization's key was refused, in plain words, without anything the remote side said."""
    if check.error is None:
        return f"The key could not be checked, so nothing was saved: {check.problem}."
    if api_did_not_answer(check.error):
        lead = "The key could not be checked, so nothing was saved"
    else:
        lead = "Bitmovin did not accept this key, so nothing was saved"
    return ErrorEvidence.from_error(check.error).after(lead)


def _audit_call(
    action: str,
    organization: Organization,
    ok: bool,
    success: str,
    error: BitmovinError | None,
    problem: str,
    user,
    request: HttpRequest | None,
) -> None:
    """One audit entry for a call made to Bitmovin from the settings page: what it achieved, or why not."""
    failure = _error_summary(error) if error is not None else problem
    detail = success if ok else failure
    audit_record(
        action=action,
        user=user,
        organization=organization,
        outcome=Outcome.OK if ok else Outcome.FAILED,
        detail=detail,
        request_id=(error.request_id or "") if error is not None else "",
        request=request,
    )


def _error_summary(error: BitmovinError) -> str:
    """An audit entry's words for an API error: its class, status and code, never the remote text."""
    parts = [type(error).__name__]
    if error.http_status is not None:
        parts.append(f"HTTP {error.http_status}")
    if error.code is not None:
        parts.append(f"code {error.code}")
    return ", ".join(parts)


@dataclass
class WebhookRegistration:
    registered: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    error: BitmovinError | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None and not self.problem


@sensitive_variables("secret")
def webhooks_register(
    *, organization: Organization, callback_url: str, user=None, request: HttpRequest | None = None
) -> WebhookRegistration:
    """Make Bitmovin post the organization's encoding events to callback_url, signed with its secret.

    Idempotent: events whose webhook this dashboard registered before (and Bitmovin still lists) are left
    alone, so pressing the button twice creates nothing twice. After the secret was replaced, the webhooks
    registered with the old one are deleted and registered anew.
    """
    outcome = WebhookRegistration()
    try:
        secret = organization.ensure_webhook_secret()
    except crypto.DecryptionError:
        logger.error("webhook secret of %s cannot be decrypted with the configured keys", organization.slug)
        outcome.problem = UNDECRYPTABLE_SIGNING
        _audit_registration(organization, outcome, user, request)
        return outcome
    known = dict(organization.registered_webhooks or {})
    stale = organization.webhooks_secret_stale
    try:
        with client_for(organization, interactive=True) as client:
            for event in REGISTERED_EVENTS:
                if known.get(event) and stale:
                    _delete_webhook(client, event, known[event])
                    del known[event]
                    outcome.replaced.append(event)
                elif known.get(event) and _still_registered(client, event, known[event], callback_url):
                    outcome.already.append(event)
                    continue
                webhook = client.create_webhook(event, callback_url, secret)
                known[event] = webhook.id
                if event not in outcome.replaced:
                    outcome.registered.append(event)
        stale = False
    except BitmovinError as exc:
        outcome.error = exc
    except KeyUnavailable as exc:
        outcome.problem = str(exc)
    finally:
        Organization.objects.filter(pk=organization.pk).update(
            registered_webhooks=known,
            webhook_secret_encrypted=organization.webhook_secret_encrypted,
            webhooks_secret_stale=stale,
        )
        organization.registered_webhooks = known
        organization.webhooks_secret_stale = stale
    _audit_registration(organization, outcome, user, request)
    return outcome


def _audit_registration(
    organization: Organization, outcome: WebhookRegistration, user, request: HttpRequest | None
) -> None:
    done = [
        f"{label}: {', '.join(events)}"
        for label, events in (
            ("registered", outcome.registered),
            ("replaced", outcome.replaced),
            ("already registered", outcome.already),
        )
        if events
    ]
    _audit_call(
        Action.WEBHOOKS_REGISTER,
        organization,
        outcome.ok,
        "; ".join(done),
        outcome.error,
        outcome.problem,
        user,
        request,
    )


def _still_registered(client, event: str, webhook_id: str, callback_url: str) -> bool:
    try:
        webhooks = client.list_webhooks(event, limit=100).items
    except InvalidArgumentError:
        return True  # no list endpoint for this family: trust our record
    return any(webhook.id == webhook_id and webhook.url == callback_url for webhook in webhooks)


def _delete_webhook(client, event: str, webhook_id: str) -> None:
    # Already gone (someone removed it in Bitmovin) is as good as deleted.
    with contextlib.suppress(NotFoundError):
        client.delete_webhook(event, webhook_id)


def webhook_secret_replace(
    *, organization: Organization, user=None, request: HttpRequest | None = None
) -> None:
    """A new webhook signing secret (for instance after the old one became unreadable).

    Bitmovin keeps signing with the old secret until the webhooks are registered again, which then replaces
    them; deliveries in between fail verification and are logged as such.
    """
    organization.replace_webhook_secret()
    with transaction.atomic():
        Organization.objects.filter(pk=organization.pk).update(
            webhook_secret_encrypted=organization.webhook_secret_encrypted,
            webhooks_secret_stale=organization.webhooks_secret_stale,
        )
        audit_record(
            action=Action.WEBHOOK_SECRET_RESET,
            user=user,
            organization=organization,
            detail="webhooks to register again" if organization.webhooks_secret_stale else "",
            request=request,
        )
