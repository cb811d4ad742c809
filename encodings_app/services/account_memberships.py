"""Roles across a whole Bitmovin account (AccountMembership): a role in every organization read through a
connection, those watched later included. Given by a superuser or an account admin of the connection, on
the account's page.

Who may be added is the organizations' rule (memberships.addable_user): a superuser adds any active account,
an account admin only people already in an organization they administer. An account role that stops being
admin takes with it the wall display links its holder made for organizations they no longer administer
through any role, as an organization role does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from encodings_app.models import AccountConnection, AccountMembership, Role
from encodings_app.services.audit import COMMAND_LINE, Action, Outcome, audit_record
from encodings_app.services.memberships import addable_user, revoke_links_no_longer_administered


@dataclass(frozen=True)
class AccountRoleChange:
    user: Any
    role: str | None  # None: no longer a member of the account
    previous_role: str | None  # None: was not one
    revoked_links: int = 0


def account_member_add(
    *,
    connection: AccountConnection,
    name_or_email: str,
    role: str,
    actor: Any,
    request: HttpRequest | None = None,
) -> AccountRoleChange | None:
    """Give the account typed exactly (user name or e-mail address) `role` across `connection`, if `actor`
    may add it; None otherwise, with the same audit entry whether or not the name exists."""
    typed = name_or_email.strip()
    user = addable_user(actor, typed)
    if user is None:
        _audit(
            connection,
            Action.MEMBER_ADD,
            actor,
            request,
            target=typed,
            detail="No account this admin may add has this user name or e-mail address.",
            outcome=Outcome.REFUSED,
        )
        return None
    return account_member_set(connection=connection, user=user, role=role, actor=actor, request=request)


def account_member_set(
    *, connection: AccountConnection, user: Any, role: str, actor: Any, request: HttpRequest | None = None
) -> AccountRoleChange:
    role = Role(role)
    with transaction.atomic():
        membership = (
            AccountMembership.objects.select_for_update().filter(connection=connection, user=user).first()
        )
        previous = membership.role if membership else None
        if membership is None:
            AccountMembership.objects.create(connection=connection, user=user, role=role)
        elif previous != role:
            AccountMembership.objects.filter(pk=membership.pk).update(role=role)
        change = _with_links_revoked(connection, AccountRoleChange(user, role, previous), actor, request)
        if previous is None:
            action, detail = Action.MEMBER_ADD, f"Role {role.label.lower()}"
        else:
            action, detail = Action.MEMBER_ROLE, f"{Role(previous).label} → {role.label.lower()}"
        _audit(connection, action, actor, request, target=user.get_username(), detail=_said(detail, change))
    return change


def account_member_remove(
    *, connection: AccountConnection, user: Any, actor: Any, request: HttpRequest | None = None
) -> AccountRoleChange:
    with transaction.atomic():
        membership = (
            AccountMembership.objects.select_for_update().filter(connection=connection, user=user).first()
        )
        if membership is None:
            return AccountRoleChange(user, None, None)
        membership.delete()
        change = _with_links_revoked(
            connection, AccountRoleChange(user, None, membership.role), actor, request
        )
        detail = f"Was {Role(membership.role).label.lower()}"
        _audit(
            connection,
            Action.MEMBER_REMOVE,
            actor,
            request,
            target=user.get_username(),
            detail=_said(detail, change),
        )
    return change


def _with_links_revoked(
    connection: AccountConnection, change: AccountRoleChange, actor: Any, request: HttpRequest | None
) -> AccountRoleChange:
    if change.role == Role.ADMIN:
        return change
    organizations = list(connection.organizations.all())
    revoked = revoke_links_no_longer_administered(change.user, organizations, actor=actor, request=request)
    return AccountRoleChange(change.user, change.role, change.previous_role, revoked)


def _said(detail: str, change: AccountRoleChange) -> str:
    revoked = (
        f" {change.revoked_links} wall display link(s) they created were revoked."
        if change.revoked_links
        else ""
    )
    return f"{detail}.{revoked}"


def _audit(
    connection: AccountConnection,
    action: str,
    actor: Any,
    request: HttpRequest | None,
    *,
    target: str,
    detail: str,
    outcome: str = Outcome.OK,
) -> None:
    audit_record(
        action=action,
        user=actor,
        username="" if actor is not None else COMMAND_LINE,
        outcome=outcome,
        target=target,
        detail=f"Across the account {connection.name}: {detail}",
        request=request,
    )
