"""Who may see and do what: every page and API view gets its organization through here.

An organization the user does not belong to is a 404 (its existence does not leak); a member whose role is
too low for an action gets a 403. A user's role in an organization is the higher of their membership of it
and their role across its account (AccountMembership: every organization read through that connection).
Superusers are admins everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Case, CharField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import Http404

from encodings_app.models import (
    AccountConnection,
    AccountMembership,
    BulkJob,
    Encoding,
    Incident,
    Membership,
    Organization,
    Role,
    SavedView,
)

# Each role can do what the roles after it can.
_RANK = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMIN: 2}


def _member_of(user, role: str | None = None) -> Q:
    """Organizations the user is a member of, directly or across their account (with `role` in either)."""
    memberships = Membership.objects.filter(user=user)
    accounts = AccountMembership.objects.filter(user=user)
    if role is not None:
        memberships, accounts = memberships.filter(role=role), accounts.filter(role=role)
    return Q(pk__in=memberships.values("organization_id")) | Q(
        connection_id__in=accounts.values("connection_id")
    )


def organizations_for(user) -> QuerySet[Organization]:
    """With each one's connection: pages say whether an organization has a key (has_api_key)."""
    if not user.is_authenticated:
        return Organization.objects.none()
    organizations = Organization.objects.select_related("connection")
    return organizations if user.is_superuser else organizations.filter(_member_of(user))


def organizations_administered_by(user) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    if user.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(_member_of(user, Role.ADMIN))


def connections_administered_by(user) -> QuerySet[AccountConnection]:
    """The connections whose key, watched organizations, tenant ids and account members the user looks
    after: every one for superusers, else those they are an account admin of."""
    if not user.is_authenticated:
        return AccountConnection.objects.none()
    if user.is_superuser:
        return AccountConnection.objects.all()
    return AccountConnection.objects.filter(memberships__user=user, memberships__role=Role.ADMIN)


def looks_after_accounts(user) -> bool:
    """Whether the user sees the pages across accounts (the connections, the usage across organizations):
    superusers, and account admins of at least one connection."""
    return user.is_authenticated and (user.is_superuser or connections_administered_by(user).exists())


def organizations_of_accounts_administered_by(user) -> QuerySet[Organization]:
    """Every organization of the accounts the user looks after (every organization for superusers, keyless
    ones included)."""
    if user.is_authenticated and user.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(connection__in=connections_administered_by(user))


def administers_connection(user, connection: AccountConnection | None) -> bool:
    if connection is None or not user.is_authenticated:
        return False
    return user.is_superuser or connections_administered_by(user).filter(pk=connection.pk).exists()


def account_role(user) -> Subquery:
    """For annotating organizations: the user's role across each one's account, None without one."""
    held = AccountMembership.objects.filter(connection=OuterRef("connection_id"), user=user)
    return Subquery(held.values("role")[:1], output_field=CharField())


def with_roles(organizations: QuerySet[Organization], user) -> QuerySet[Organization]:
    """Annotated with ``own_role`` (their membership of it) and ``account_role`` (across its connection),
    in the same query; ``higher_role`` takes the higher."""
    own = Membership.objects.filter(organization=OuterRef("pk"), user=user).values("role")[:1]
    return organizations.annotate(
        own_role=Subquery(own, output_field=CharField()), account_role=account_role(user)
    )


def higher_role(*roles: str | None) -> str | None:
    held = [Role(role) for role in roles if role]
    return max(held, key=_RANK.__getitem__) if held else None


def higher_role_in_sql() -> Case:
    """higher_role in the query, over the annotations of with_roles."""
    highest_first = sorted(_RANK, key=_RANK.__getitem__, reverse=True)
    return Case(
        *(When(Q(own_role=role) | Q(account_role=role), then=Value(role.value)) for role in highest_first),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class OrganizationAccess:
    """What organization_for decided: the organization, and the role the user holds in it. Pages take it
    whole (views/common.py render_page), so what they show of the role is what was checked."""

    organization: Organization
    role: str


def has_role(role: str | None, needed: str) -> bool:
    return role is not None and _RANK[Role(role)] >= _RANK[Role(needed)]


def organization_for(user, slug: str, *, needs: str = Role.VIEWER) -> OrganizationAccess:
    """The organization with this slug and the user's role in it, if the user may see it (404 otherwise)
    and holds `needs` (403). Superusers are admins everywhere."""
    if not user.is_authenticated:
        raise Http404("No such organization")
    found = Organization.objects.select_related("connection").filter(slug=slug)
    if user.is_superuser:
        organization, role = found.first(), Role.ADMIN
    else:
        organization = with_roles(found, user).first()
        role = higher_role(organization.own_role, organization.account_role) if organization else None
    if organization is None or role is None:
        raise Http404("No such organization")
    if not has_role(role, needs):
        raise PermissionDenied(f"This needs the {Role(needs).label.lower()} role in {organization.name}.")
    return OrganizationAccess(organization, role)


def still_holds(user, organization: Organization, needs: str) -> bool:
    """Whether the user, if still active, holds `needs` in the organization now: for work that outlives the
    request that asked for it (a bulk job), which must stop once its asker is demoted or removed."""
    if user is None or not user.is_active:
        return False
    try:
        organization_for(user, organization.slug, needs=needs)
    except (Http404, PermissionDenied):
        return False
    return True


def encoding_for(organization: Organization, bitmovin_id: str) -> Encoding:
    """An encoding of this organization (404 for any other organization's id), holding that organization
    object, so that reading ``encoding.organization`` costs no query."""
    encoding = Encoding.objects.filter(organization=organization, bitmovin_id=bitmovin_id).first()
    if encoding is None:
        raise Http404("No such encoding")
    encoding.organization = organization
    return encoding


def incident_for(organization: Organization, incident_id: int) -> Incident:
    """An incident of this organization (404 for any other organization's id), holding that organization."""
    incident = Incident.objects.filter(organization=organization, pk=incident_id).first()
    if incident is None:
        raise Http404("No such incident")
    incident.organization = organization
    return incident


def bulk_job_for(organization: Organization, job_id: int) -> BulkJob:
    """A bulk job of this organization (404 for any other organization's), holding that organization."""
    job = BulkJob.objects.filter(organization=organization, pk=job_id).first()
    if job is None:
        raise Http404("No such bulk job")
    job.organization = organization
    return job


def visible_saved_views(organization: Organization, user) -> QuerySet[SavedView]:
    """The views of the list a user may pick in this organization: their own and the shared ones."""
    return SavedView.objects.filter(organization=organization).filter(Q(owner=user) | Q(shared=True))


def saved_view_for(viewer: OrganizationAccess, user, view_id: int) -> SavedView:
    """A view this user may pick in the viewer's organization (404 for another organization's view and for
    another member's personal one: neither is theirs to know of)."""
    view = visible_saved_views(viewer.organization, user).filter(pk=view_id).first()
    if view is None:
        raise Http404("No such view")
    view.organization = viewer.organization
    return view


def may_share_views(viewer: OrganizationAccess) -> bool:
    """Shared views change every member's picker: admins create, rename and delete them."""
    return has_role(viewer.role, Role.ADMIN)


def may_change_saved_view(viewer: OrganizationAccess, user, view: SavedView) -> bool:
    """A shared view is the admins'; a personal one only its owner's."""
    return may_share_views(viewer) if view.shared else view.owner_id == user.pk


def check_may_change_saved_view(viewer: OrganizationAccess, user, view: SavedView) -> None:
    if not may_change_saved_view(viewer, user, view):
        raise PermissionDenied(f"Only admins of {viewer.organization.name} change shared views.")
