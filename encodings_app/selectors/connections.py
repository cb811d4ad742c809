"""What the page of an account connection shows: the organizations its key reaches as a tree, each with the
organization of the dashboard that watches it and since when the periodic check has offered it, and the
watched ones the key no longer lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, QuerySet
from django.utils.dateparse import parse_datetime

from encodings_app.models import AccountConnection, AccountMembership, Organization
from encodings_app.services.account_connect import AccountReach, watched_by_tenant
from encodings_app.services.account_discovery import ReachableOrganization


@dataclass(frozen=True)
class ReachedRow:
    organization: ReachableOrganization
    watched: Organization | None
    offered_since: datetime | None


@dataclass(frozen=True)
class ConnectionTree:
    rows: list[ReachedRow] = field(default_factory=list)
    # Organizations of this connection its key no longer lists (only known when the list could be read).
    unreached: list[Organization] = field(default_factory=list)


def account_members_of(connection: AccountConnection) -> list[AccountMembership]:
    """Who has a role across the account, by user name."""
    return list(connection.memberships.select_related("user").order_by("user__username"))


def connections_with_counts(connections: QuerySet[AccountConnection]) -> QuerySet[AccountConnection]:
    return connections.annotate(watched=Count("organizations")).order_by("name")


def connection_tree(connection: AccountConnection, reach: AccountReach | None) -> ConnectionTree:
    if reach is None:
        return ConnectionTree()
    watched = watched_by_tenant(connection)
    offered_since = {
        entry.get("id"): parse_datetime(str(entry.get("firstSeen") or ""))
        for entry in connection.offered
        if isinstance(entry, dict)
    }
    reached = {item.id for item in reach.organizations}
    return ConnectionTree(
        rows=[
            ReachedRow(item, watched.get(item.id), offered_since.get(item.id)) for item in reach.organizations
        ],
        unreached=[
            organization
            for tenant, organization in watched.items()
            if tenant not in reached and organization.connection_id == connection.pk
        ],
    )
