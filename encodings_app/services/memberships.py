"""Members of an organization and their roles, under one rule: an organization always keeps an active admin.

Every change that could take an admin away (a demotion, a removal) runs in one transaction that first locks
the organization's admin memberships (SELECT ... FOR UPDATE, in primary-key order so that two changes never
deadlock) and counts the admins again under that lock. On PostgreSQL a second change waits for the first to
commit and then sees its result, so two admins demoting themselves at once cannot both succeed. SQLite
begins every transaction with its write lock (IMMEDIATE), which serializes them the same way.

Only memberships count: a superuser is an account admin everywhere but is not one of the organization's
admins unless they hold the membership, and a deactivated user is no admin at all.

A member who stops being an admin here takes their wall display links for this organization with them: the
links are revoked in the same transaction (see services/display_links.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest

from encodings_app import access
from encodings_app.models import DisplayToken, Membership, Organization, Role
from encodings_app.services.audit import COMMAND_LINE, Action, Outcome, audit_record
from encodings_app.services.display_links import display_links_revoke_created_by


class LastAdminError(Exception):
    """The change would leave the organization without an active admin; nothing was changed."""

    def __init__(self, organization: Organization) -> None:
        super().__init__(
            f"{organization.name} must keep at least one active admin, so this change was not made. "
            "Make someone else admin first."
        )


@dataclass(frozen=True)
class MembershipChange:
    user: Any
    role: str | None  # None: no longer a member
    previous_role: str | None  # None: was not a member
    revoked_links: int = 0


def membership_set(
    *,
    organization: Organization,
    user: Any,
    role: str,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> MembershipChange:
    """Give `user` the `role` in `organization` (adding them if needed). Raises LastAdminError."""
    role = Role(role)
    try:
        with transaction.atomic():
            membership, admins = _locked(organization, user)
            previous = membership.role if membership else None
            if previous == Role.ADMIN and role != Role.ADMIN:
                _keep_an_admin(organization, membership, admins)
            if membership is None:
                Membership.objects.create(organization=organization, user=user, role=role)
            elif previous != role:
                Membership.objects.filter(pk=membership.pk).update(role=role)
            revoked = _revoke_links(organization, user, role, actor, request)
            change = MembershipChange(user=user, role=role, previous_role=previous, revoked_links=revoked)
            _audit(organization, change, actor, request)
    except LastAdminError:
        _audit_refused(organization, user, Action.MEMBER_ROLE, actor, request, f"Role {role.label.lower()}.")
        raise
    return change


def membership_remove(
    *, organization: Organization, user: Any, actor: Any = None, request: HttpRequest | None = None
) -> MembershipChange:
    """Take `user` out of `organization`. Raises LastAdminError."""
    try:
        with transaction.atomic():
            membership, admins = _locked(organization, user)
            if membership is None:
                return MembershipChange(user=user, role=None, previous_role=None)
            if membership.role == Role.ADMIN:
                _keep_an_admin(organization, membership, admins)
            Membership.objects.filter(pk=membership.pk).delete()
            revoked = _revoke_links(organization, user, None, actor, request)
            change = MembershipChange(
                user=user, role=None, previous_role=membership.role, revoked_links=revoked
            )
            _audit(organization, change, actor, request)
    except LastAdminError:
        _audit_refused(organization, user, Action.MEMBER_REMOVE, actor, request, "")
        raise
    return change


def membership_add(
    *,
    organization: Organization,
    name_or_email: str,
    role: str,
    actor: Any,
    request: HttpRequest | None = None,
) -> MembershipChange | None:
    """Add the one account whose user name is exactly `name_or_email`, or whose e-mail address it is, if
    `actor` may add it; None otherwise. Raises LastAdminError (an admin of here typed with a lower role).

    Who may be added: by a superuser, any active account; by an organization admin, only active members of
    an organization that admin already administers. A person from anywhere else cannot be pulled into an
    organization by someone who does not already manage them; an account admin adds them. The lookup is one
    query with that rule inside it, so an account the actor may not add and a name nobody has take the same
    path, and nothing the caller can see (answer, audit entry, member list) tells them apart.
    """
    typed = name_or_email.strip()
    user = addable_user(actor, typed)
    if user is None:
        _audit_refused(
            organization,
            None,
            Action.MEMBER_ADD,
            actor,
            request,
            "No account this admin may add has this user name or e-mail address.",
            target=typed,
        )
        return None
    return membership_set(organization=organization, user=user, role=role, actor=actor, request=request)


def sole_admin_memberships(*, users: Any) -> QuerySet[Membership]:
    """The admin memberships of `users` in organizations that have no other active admin: taking these
    accounts away (deleting or deactivating them) would leave those organizations without one. A check for
    pages that refuse before anything is done; the changes above check again under their lock."""
    other_admins = Membership.objects.filter(
        organization=OuterRef("organization"), role=Role.ADMIN, user__is_active=True
    ).exclude(user__in=users)
    return (
        Membership.objects.filter(user__in=users, role=Role.ADMIN, user__is_active=True)
        .exclude(Exists(other_admins))
        .select_related("user", "organization")
        .order_by("organization__name", "user__username")
    )


def addable_user(actor: Any, typed: str) -> Any:
    """The one active account `actor` may add whose user name is `typed` or whose e-mail address it is;
    None for anyone else, found or not (membership_add says why it must be one answer)."""
    if not typed:
        return None
    users = get_user_model().objects.filter(Q(username=typed) | Q(email__iexact=typed), is_active=True)
    if not actor.is_superuser:
        users = users.filter(memberships__organization__in=access.organizations_administered_by(actor))
    # Two accounts sharing an e-mail address: adding either would be a guess.
    found = list(users.distinct()[:2])
    return found[0] if len(found) == 1 else None


def _locked(organization: Organization, user: Any) -> tuple[Membership | None, list[Membership]]:
    """The organization's admin memberships, locked, and the user's own membership, locked too."""
    admins = list(
        Membership.objects.select_for_update(of=("self",))
        .filter(organization=organization, role=Role.ADMIN)
        .select_related("user")
        .order_by("pk")
    )
    membership = next((admin for admin in admins if admin.user_id == user.pk), None)
    if membership is None:
        membership = (
            Membership.objects.select_for_update().filter(organization=organization, user=user).first()
        )
    return membership, admins


def _keep_an_admin(organization: Organization, leaving: Membership, admins: list[Membership]) -> None:
    if not leaving.user.is_active:
        return  # a deactivated admin was not counted: letting them go changes nothing
    if not any(admin.user.is_active and admin.pk != leaving.pk for admin in admins):
        raise LastAdminError(organization)


def _revoke_links(
    organization: Organization, user: Any, role: str | None, actor: Any, request: HttpRequest | None
) -> int:
    if role == Role.ADMIN:
        return 0
    return revoke_links_no_longer_administered(user, [organization], actor=actor, request=request)


def revoke_links_no_longer_administered(
    user: Any, organizations: list[Organization], *, actor: Any, request: HttpRequest | None
) -> int:
    """Revoke the wall display links `user` made for those of `organizations` they no longer administer,
    through any role (their own membership or their account's); returns how many."""
    ids = [organization.pk for organization in organizations]
    # Two queries whatever the number of organizations (an account may have hundreds): only those showing on a
    # live link of theirs are looked at one by one.
    shown = set(
        DisplayToken.objects.filter(created_by=user, revoked_at__isnull=True, organizations__in=ids)
        .values_list("organizations", flat=True)
        .distinct()
    )
    if not shown:
        return 0
    still = set(access.organizations_administered_by(user).filter(pk__in=shown).values_list("pk", flat=True))
    return sum(
        display_links_revoke_created_by(creator=user, organization=organization, user=actor, request=request)
        for organization in organizations
        if organization.pk in shown and organization.pk not in still
    )


def _audit(
    organization: Organization, change: MembershipChange, actor: Any, request: HttpRequest | None
) -> None:
    if change.role is None:
        action, detail = Action.MEMBER_REMOVE, f"Was {Role(change.previous_role).label.lower()}."
    elif change.previous_role is None:
        action, detail = Action.MEMBER_ADD, f"Role {Role(change.role).label.lower()}."
    else:
        action = Action.MEMBER_ROLE
        detail = f"{Role(change.previous_role).label} → {Role(change.role).label.lower()}."
    if change.revoked_links:
        detail += f" {change.revoked_links} wall display link(s) they created were revoked."
    audit_record(
        action=action,
        user=actor,
        username="" if actor is not None else COMMAND_LINE,
        organization=organization,
        target=change.user.get_username(),
        detail=detail,
        request=request,
    )


def _audit_refused(
    organization: Organization,
    user: Any,
    action: str,
    actor: Any,
    request: HttpRequest | None,
    detail: str,
    target: str = "",
) -> None:
    if user is not None:
        target = user.get_username()
        detail = f"{detail} It would leave no active admin.".strip()
    audit_record(
        action=action,
        user=actor,
        username="" if actor is not None else COMMAND_LINE,
        organization=organization,
        outcome=Outcome.REFUSED,
        target=target,
        detail=detail,
        request=request,
    )
