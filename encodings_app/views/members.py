"""Members and roles of an organization, on its settings page (admins only)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from encodings_app import access
from encodings_app.forms import MemberAddForm, MemberRoleForm
from encodings_app.models import Organization, Role
from encodings_app.services.account_memberships import AccountRoleChange
from encodings_app.services.memberships import (
    LastAdminError,
    MembershipChange,
    membership_add,
    membership_remove,
    membership_set,
)
from encodings_app.views.organization_settings import render_settings


@require_POST
def member_add(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = access.organization_for(request.user, slug, needs=Role.ADMIN)
    organization = viewer.organization
    form = MemberAddForm(request.POST)
    if not form.is_valid():
        return render_settings(request, viewer, member_form=form, status=400)
    typed, role = form.cleaned_data["username"], Role(form.cleaned_data["role"])
    # The same words whether or not anyone was added: the answer must not tell an admin which names exist
    # beyond the people they already manage (who then show in the members list).
    who = addable_words(request.user)
    anyone_else = "" if request.user.is_superuser else " Anyone else is added by an account admin."
    said = (
        f"If “{typed}” is {who}, they now have the {role.label.lower()} role in {organization.name} and "
        f"are listed below.{anyone_else}"
    )
    return _change(
        request,
        organization,
        lambda: membership_add(
            organization=organization, name_or_email=typed, role=role, actor=request.user, request=request
        ),
        lambda change: (messages.INFO, said),
    )


@require_POST
def member_role(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    organization = access.organization_for(request.user, slug, needs=Role.ADMIN).organization
    user = _member(organization, user_id)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles admin, operator or viewer.")
        return _back(request, organization)
    role = Role(form.cleaned_data["role"])
    return _change(
        request,
        organization,
        lambda: membership_set(
            organization=organization, user=user, role=role, actor=request.user, request=request
        ),
        lambda change: (
            messages.SUCCESS,
            f"{user.get_username()} now has the {role.label.lower()} role.{revoked_note(change)}",
        ),
    )


@require_POST
def member_remove(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    organization = access.organization_for(request.user, slug, needs=Role.ADMIN).organization
    user = _member(organization, user_id)
    return _change(
        request,
        organization,
        lambda: membership_remove(organization=organization, user=user, actor=request.user, request=request),
        lambda change: (
            messages.SUCCESS,
            f"{user.get_username()} is no longer a member of {organization.name}.{revoked_note(change)}",
        ),
    )


def _change(
    request: HttpRequest,
    organization: Organization,
    perform: Callable[[], MembershipChange | None],
    say: Callable[[MembershipChange | None], tuple[int, str]],
) -> HttpResponse:
    """Make a membership change and say how it went; the last-admin rule's refusal is said in its words."""
    try:
        change = perform()
    except LastAdminError as exc:
        messages.error(request, str(exc))
        return _back(request, organization)
    level, text = say(change)
    messages.add_message(request, level, text)
    return _back(request, organization, change)


def _member(organization: Organization, user_id: int):
    user = get_user_model().objects.filter(pk=user_id, memberships__organization=organization).first()
    if user is None:
        raise Http404("No such member")
    return user


def addable_words(user) -> str:
    """Whom an add may have added, said the same whether or not anyone was (memberships.addable_user)."""
    if user.is_superuser:
        return "the user name or e-mail address of an active account"
    return "the user name or e-mail address of someone in an organization you administer"


def revoked_note(change: MembershipChange | AccountRoleChange) -> str:
    """What a role change took with it: the wall display links the person no longer answers for."""
    if change.revoked_links == 0:
        return ""
    if change.revoked_links == 1:
        return " 1 wall display link they created was revoked."
    return f" {change.revoked_links} wall display links they created were revoked."


def _back(
    request: HttpRequest, organization: Organization, change: MembershipChange | None = None
) -> HttpResponse:
    """To the settings page, or where the user may still go after giving up their own admin role."""
    if change is not None and change.user == request.user and not request.user.is_superuser:
        if change.role is None:
            return redirect("home")
        if change.role != Role.ADMIN:
            return redirect("overview", slug=organization.slug)
    return redirect("organization-settings", slug=organization.slug)
