"""Connecting a Bitmovin account: the key is tested by reading what it reaches, stored once on an account
connection (services/connections.py), and each organization the account admin picks becomes an
organization of the dashboard read through that connection: the name Bitmovin gives it, a colour no other
organization has yet, a slug made from its name, and its id as the tenant organization id.

Nothing is watched that was not picked: organizations the key reaches and nobody picked are only offered.

Each connection is checked periodically (connection_check, beat every CONNECTION_CHECK_SECONDS): the
organizations it reaches that nobody watches are kept as offered (a new sub-organization shows up there,
never watched on its own), and a watched organization its key no longer reaches is marked
(Organization.unreachable_since), not deleted: it keeps its mirror, and the mark goes once it is reached
again. Each watched organization keeps its Bitmovin parent as the key last reported it
(Organization.bitmovin_parent_id), which the organization switcher groups by.
Replacing a connection's key (connection_key_replace) tests the new key first: it must reach every
organization the connection watches, and then replaces the key for all of them at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.debug import sensitive_variables

from encodings_app.bitmovin import AuthenticationError, BitmovinError
from encodings_app.models import AccountConnection, Organization
from encodings_app.services.account_discovery import ReachableOrganization, reachable_organizations
from encodings_app.services.action_outcomes import ErrorEvidence, api_did_not_answer
from encodings_app.services.audit import Action, Outcome, audit_record
from encodings_app.services.clients import (
    KeyUnavailable,
    base_url_refusal,
    client_for_connection,
    client_for_key,
    normalize_base_url,
    same_base_url,
)
from encodings_app.services.connections import connection_matching, connection_save

logger = logging.getLogger(__name__)

# Organizations get these in turn, each the first one no organization has yet: readable on the light and
# the dark theme, and far enough apart to tell the organizations apart on a wall.
COLOURS = (
    "#1d5bb8",
    "#b3261e",
    "#1e6b34",
    "#8a5300",
    "#6b3fa0",
    "#00707a",
    "#a3316f",
    "#4d5b00",
    "#3a4fb0",
    "#8f3b1b",
    "#2f6f5e",
    "#5c4a9e",
)


class ConnectRefused(Exception):
    """The key could not be connected, or an organization not watched, in plain words; `field` names the
    form field it is about. Nothing was saved."""

    def __init__(self, message: str, *, field: str = "api_key") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class AccountReach:
    """What a key reaches: the account's name as Bitmovin gives it, and its organizations as a tree."""

    account_name: str
    organizations: list[ReachableOrganization]


@dataclass
class WatchOutcome:
    added: list[Organization] = field(default_factory=list)
    already: list[Organization] = field(default_factory=list)


@sensitive_variables("api_key")
def key_reach(*, api_key: str, api_base_url: str) -> AccountReach:
    """Test a key that is not stored yet by reading what it reaches. Raises ConnectRefused."""
    refusal = base_url_refusal(api_base_url)
    if refusal is not None:
        raise ConnectRefused(refusal, field="api_base_url")
    if not api_key.strip():
        raise ConnectRefused("Enter the account's API key.")
    return _reach(lambda: client_for_key(api_key, api_base_url))


def connection_reach(connection: AccountConnection) -> AccountReach:
    """What a stored connection's key reaches now. Raises ConnectRefused."""
    try:
        client = client_for_connection(connection, interactive=True)
    except KeyUnavailable as exc:
        raise ConnectRefused(str(exc)) from None
    return _reach(lambda: client)


def _reach(make_client) -> AccountReach:
    try:
        with make_client() as client:
            information = client.get_account_information()
            organizations = reachable_organizations(client)
    except BitmovinError as exc:
        raise ConnectRefused(_refusal_words(exc)) from None
    roots = [item.name for item in organizations if item.is_root]
    name = (
        (roots[0] if len(roots) == 1 else "")
        or information.company
        or information.email
        or "Bitmovin account"
    )
    return AccountReach(account_name=name, organizations=organizations)


def _refusal_words(error: BitmovinError) -> str:
    """Why a key could not be used, without anything the remote side said."""
    if isinstance(error, AuthenticationError):
        lead = "Bitmovin did not accept this key, so nothing was saved"
    elif api_did_not_answer(error):
        lead = "The key could not be checked, so nothing was saved"
    else:
        lead = "Bitmovin refused to list the account's organizations, so nothing was saved"
    return ErrorEvidence.from_error(error).after(lead)


@sensitive_variables("api_key")
def account_connect(
    *,
    api_key: str,
    api_base_url: str,
    user=None,
    name: str = "",
    request: HttpRequest | None = None,
) -> tuple[AccountConnection, AccountReach]:
    """The connection holding this key at this base URL, once the key proved to work: the one that already
    holds it, or a new one (named `name`, else as Bitmovin names the account). Raises ConnectRefused, and
    records the attempt either way."""
    api_base_url = normalize_base_url(api_base_url)
    try:
        reach = key_reach(api_key=api_key, api_base_url=api_base_url)
    except ConnectRefused as exc:
        audit_record(
            action=Action.ACCOUNT_CONNECT,
            user=user,
            outcome=Outcome.REFUSED,
            target=api_base_url,
            detail=exc.field,
            request=request,
        )
        raise
    connection = connection_matching(api_key=api_key, api_base_url=api_base_url)
    if connection is None:
        connection = AccountConnection(
            name=(name.strip() or reach.account_name)[:120], api_base_url=api_base_url
        )
        connection.set_api_key(api_key)
        connection.full_clean()
        connection_save(connection=connection, key_replaced=False)
        detail = f"connected, reaching {len(reach.organizations)} organizations"
    else:
        detail = f"already connected, reaching {len(reach.organizations)} organizations"
    audit_record(
        action=Action.ACCOUNT_CONNECT,
        user=user,
        target=f"{connection.name} ({connection.masked_api_key})",
        detail=detail,
        request=request,
    )
    return connection, reach


def watched_by_tenant(connection: AccountConnection) -> dict[str, Organization]:
    """The organizations of the dashboard reading a tenant at the connection's base URL, by tenant id: those
    of this connection, and those another connection to the same API reads."""
    watched: dict[str, Organization] = {}
    candidates = Organization.objects.exclude(tenant_org_id="").select_related("connection")
    for organization in candidates.filter(connection__isnull=False):
        same_api = same_base_url(organization.connection.api_base_url, connection.api_base_url)
        # This connection's own organization wins over another connection's for the same tenant.
        ours_or_first = (
            organization.connection_id == connection.pk or organization.tenant_org_id not in watched
        )
        if same_api and ours_or_first:
            watched[organization.tenant_org_id] = organization
    return watched


def organizations_watch(
    *,
    connection: AccountConnection,
    tenant_ids: Iterable[str],
    reach: AccountReach | None = None,
    user=None,
    request: HttpRequest | None = None,
) -> WatchOutcome:
    """Watch each picked organization the connection's key reaches. One already watched is left as it is;
    an id the key does not reach refuses the whole pick (ConnectRefused), and nothing is added."""
    reach = reach or connection_reach(connection)
    reached = {item.id: item for item in reach.organizations}
    picked = list(dict.fromkeys(tenant_id.strip() for tenant_id in tenant_ids if tenant_id.strip()))
    unknown = [tenant_id for tenant_id in picked if tenant_id not in reached]
    if unknown:
        raise ConnectRefused(
            f"This key does not reach {', '.join(unknown)}, so nothing was added. Pick from the list.",
            field="tenants",
        )
    outcome = WatchOutcome()
    watched = watched_by_tenant(connection)
    with transaction.atomic():
        for item in (reached[tenant_id] for tenant_id in picked):
            if item.id in watched:
                outcome.already.append(watched[item.id])
                continue
            organization = Organization(
                name=item.name[:120],
                slug=free_slug(item.name),
                colour=free_colour(),
                connection=connection,
                tenant_org_id=item.id,
                bitmovin_parent_id=parent_of(item),
            )
            organization.ensure_webhook_secret()
            organization.full_clean()
            organization.save()
            outcome.added.append(organization)
            audit_record(
                action=Action.ORGANIZATION_CREATE,
                user=user,
                organization=organization,
                target=organization.slug,
                detail=f"watched through the account connection {connection.name}",
                request=request,
            )
    return outcome


def parent_of(item: ReachableOrganization) -> str:
    """The Bitmovin parent id an organization of the dashboard keeps: blank for an account's own (root)
    organization, whatever else the answer said."""
    return "" if item.is_root else (item.parent_id or "")


def free_slug(name: str) -> str:
    base = slugify(name)[:50].strip("-") or "organization"
    slug, number = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def free_colour(taken: Sequence[str] | None = None) -> str:
    """The first of COLOURS no organization has; once all are taken, the one fewest have."""
    used = [
        colour.lower()
        for colour in (taken if taken is not None else Organization.objects.values_list("colour", flat=True))
    ]
    return min(COLOURS, key=lambda colour: (used.count(colour), COLOURS.index(colour)))


@dataclass(frozen=True)
class CheckOutcome:
    offered: int
    newly_offered: int
    unreachable: int
    problem: str = ""


def connection_check(connection: AccountConnection) -> CheckOutcome:
    """Read what the connection's key reaches now, and record it: the organizations nobody watches (offered),
    and the watched ones it no longer reaches (marked). A check that cannot read leaves every mark as it was
    and records why."""
    now = timezone.now()
    try:
        reach = connection_reach(connection)
    except ConnectRefused as exc:
        AccountConnection.objects.filter(pk=connection.pk).update(checked_at=now, check_problem=exc.message)
        logger.warning("check of account connection %s failed: %s", connection.public_id, exc.message)
        return CheckOutcome(
            offered=len(connection.offered), newly_offered=0, unreachable=0, problem=exc.message
        )
    reached = {item.id for item in reach.organizations}
    watched = watched_by_tenant(connection)
    first_seen = {
        entry.get("id"): entry.get("firstSeen") for entry in connection.offered if isinstance(entry, dict)
    }
    offered = [
        {
            "id": item.id,
            "name": item.name,
            "parentId": item.parent_id,
            "firstSeen": first_seen.get(item.id) or now.isoformat(),
        }
        for item in reach.organizations
        if item.id not in watched
    ]
    newly = [entry for entry in offered if entry["id"] not in first_seen]
    own = connection.organizations.exclude(tenant_org_id="")
    with transaction.atomic():
        own.exclude(tenant_org_id__in=reached).filter(unreachable_since=None).update(unreachable_since=now)
        own.filter(tenant_org_id__in=reached).exclude(unreachable_since=None).update(unreachable_since=None)
        _parents_record(connection, reach.organizations)
        AccountConnection.objects.filter(pk=connection.pk).update(
            checked_at=now, check_problem="", offered=offered
        )
    for entry in newly:
        logger.info(
            "account connection %s reaches a new organization, offered: %s (%s)",
            connection.public_id,
            entry["name"],
            entry["id"],
        )
    unreachable = own.exclude(tenant_org_id__in=reached).count()
    return CheckOutcome(offered=len(offered), newly_offered=len(newly), unreachable=unreachable)


def _parents_record(connection: AccountConnection, reached: Sequence[ReachableOrganization]) -> None:
    """Keep each watched organization's parent as the key reports it now: a sub-organization moved to
    another parent in Bitmovin moves in the switcher too. The organization without a tenant id is the key's
    own, a root. One not reached keeps the parent it had."""
    parents = {item.id: parent_of(item) for item in reached}
    stored = connection.organizations.values_list("pk", "tenant_org_id", "bitmovin_parent_id")
    for pk, tenant_org_id, parent_id in stored:
        current = parents.get(tenant_org_id) if tenant_org_id else ""
        if current is not None and current != parent_id:
            Organization.objects.filter(pk=pk).update(bitmovin_parent_id=current)


def connections_check_all() -> int:
    """connection_check for every connection; one that fails is logged and the others still checked.
    Returns how many were checked."""
    checked = 0
    for connection in AccountConnection.objects.order_by("pk"):
        try:
            connection_check(connection)
        except Exception:
            logger.exception("check of account connection %s failed", connection.public_id)
        else:
            checked += 1
    return checked


@sensitive_variables("api_key")
def connection_key_replace(
    *, connection: AccountConnection, api_key: str, user=None, request: HttpRequest | None = None
) -> AccountReach:
    """Replace the connection's key for all its organizations at once, once the new key proved to reach
    every one of them. Raises ConnectRefused and changes nothing otherwise."""
    try:
        reach = key_reach(api_key=api_key, api_base_url=connection.api_base_url)
        reached = {item.id for item in reach.organizations}
        missed = [
            organization.name
            for organization in connection.organizations.exclude(tenant_org_id="").order_by("name")
            if organization.tenant_org_id not in reached
        ]
        if missed:
            raise ConnectRefused(
                f"The new key does not reach {', '.join(missed)}, so the key was not replaced: those "
                "organizations would stop syncing."
            )
    except ConnectRefused as exc:
        audit_record(
            action=Action.KEY_SET,
            user=user,
            outcome=Outcome.REFUSED,
            target=connection.name,
            detail=f"account connection: {exc.field}",
            request=request,
        )
        raise
    connection.set_api_key(api_key)
    connection_save(connection=connection, key_replaced=True)
    audit_record(
        action=Action.KEY_SET,
        user=user,
        target=f"{connection.name} ({connection.masked_api_key})",
        detail=f"account connection: replaced for {connection.organizations.count()} organizations",
        request=request,
    )
    return reach
