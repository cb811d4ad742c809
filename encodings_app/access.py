"""Who may see and do what: every page and API view gets its organization through here.

An organization the user does not belong to is a 404 (its existence does not leak); a member whose role is
too low for an action gets a 403. Superusers are account admins of every organization.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from encodings_app.models import Encoding, Incident, Membership, Organization, Role

# Each role can do what the roles after it can.
_RANK = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMIN: 2}


def organizations_for(user) -> QuerySet[Organization]:
    """With each one's connection: pages say whether an organization has a key (has_api_key)."""
    if not user.is_authenticated:
        return Organization.objects.none()
    if user.is_superuser:
        return Organization.objects.select_related("connection")
    return Organization.objects.select_related("connection").filter(memberships__user=user)


def organizations_administered_by(user) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    if user.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(memberships__user=user, memberships__role=Role.ADMIN)


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
    if user.is_superuser:
        organization = Organization.objects.select_related("connection").filter(slug=slug).first()
        role = Role.ADMIN
    else:
        membership = (
            Membership.objects.select_related("organization__connection")
            .filter(user=user, organization__slug=slug)
            .first()
        )
        organization = membership.organization if membership else None
        role = membership.role if membership else None
    if organization is None:
        raise Http404("No such organization")
    if not has_role(role, needs):
        raise PermissionDenied(f"This needs the {Role(needs).label.lower()} role in {organization.name}.")
    return OrganizationAccess(organization, role)


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
