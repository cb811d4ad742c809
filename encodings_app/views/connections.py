"""Bitmovin accounts connected to the dashboard: connecting one with its key, and picking which of the
organizations it reaches are watched (services/account_connect.py), and who has a role across it
(services/account_memberships.py).

A superuser connects an account; its account admins (and superusers) look after it from then on. Anyone
else is answered as if it did not exist: a connection's name and key belong to its account.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from encodings_app import access
from encodings_app.connection_forms import AccountConnectForm, ConnectionKeyForm
from encodings_app.forms import MemberAddForm, MemberRoleForm
from encodings_app.models import AccountConnection, Role
from encodings_app.selectors.connections import account_members_of, connection_tree, connections_with_counts
from encodings_app.services.account_connect import (
    ConnectRefused,
    account_connect,
    connection_key_replace,
    connection_reach,
    organizations_watch,
)
from encodings_app.services.account_memberships import (
    AccountRoleChange,
    account_member_add,
    account_member_remove,
    account_member_set,
)
from encodings_app.views.members import addable_words, revoked_note


def _superuser_only(request: HttpRequest) -> None:
    if not request.user.is_superuser:
        raise PermissionDenied("Only a superuser connects a new Bitmovin account.")


def _administered(request: HttpRequest, public_id) -> AccountConnection:
    connection = access.connections_administered_by(request.user).filter(public_id=public_id).first()
    if connection is None:
        raise Http404("No such account")
    return connection


@require_GET
def connection_list(request: HttpRequest) -> HttpResponse:
    if not access.looks_after_accounts(request.user):
        raise PermissionDenied("Only account admins look after Bitmovin accounts.")
    administered = access.connections_administered_by(request.user)
    return render(request, "connections/list.html", {"connections": connections_with_counts(administered)})


@sensitive_post_parameters("api_key")
@require_http_methods(["GET", "POST"])
def connection_new(request: HttpRequest) -> HttpResponse:
    _superuser_only(request)
    form = AccountConnectForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            connection, reach = account_connect(
                api_key=data["api_key"],
                api_base_url=data["api_base_url"],
                name=data["name"],
                user=request.user,
                request=request,
            )
        except ConnectRefused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                f"The key reaches {len(reach.organizations)} organizations of {connection.name}. "
                "Pick those to watch.",
            )
            return redirect("connection-detail", public_id=connection.public_id)
    return render(request, "connections/new.html", {"form": form})


@require_http_methods(["GET", "POST"])
def connection_detail(request: HttpRequest, public_id) -> HttpResponse:
    connection = _administered(request, public_id)
    problem = ""
    try:
        reach = connection_reach(connection)
    except ConnectRefused as exc:
        reach, problem = None, exc.message
    picked = request.POST.getlist("tenant")
    if request.method == "POST" and reach is not None and not picked:
        problem = "Tick the organizations to watch first."
    elif request.method == "POST" and reach is not None:
        try:
            outcome = organizations_watch(
                connection=connection, tenant_ids=picked, reach=reach, user=request.user, request=request
            )
        except ConnectRefused as exc:
            problem = exc.message
        else:
            if outcome.added:
                added = ", ".join(organization.name for organization in outcome.added)
                messages.success(request, f"Now watched: {added}. Their first sync starts within a minute.")
            else:
                messages.info(request, "Nothing new to watch: the organizations picked were already watched.")
            return redirect(reverse("connection-detail", args=[connection.public_id]))
    tree = connection_tree(connection, reach)
    refused = bool(problem) and request.method == "POST"
    return _detail_page(request, connection, tree=tree, problem=problem, refused=refused)


def _detail_page(
    request, connection, *, key_form=None, member_form=None, refused=False, **context
) -> HttpResponse:
    context = {
        "connection": connection,
        "key_form": key_form or ConnectionKeyForm(),
        "member_form": member_form or MemberAddForm(),
        "members": account_members_of(connection),
        "roles": Role.choices,
        **context,
    }
    return render(request, "connections/detail.html", context, status=400 if refused else 200)


@sensitive_post_parameters("api_key")
@require_http_methods(["POST"])
def connection_key(request: HttpRequest, public_id) -> HttpResponse:
    """Replace the connection's key for all its organizations, once the new key reaches every one."""
    connection = _administered(request, public_id)
    form = ConnectionKeyForm(request.POST)
    if form.is_valid():
        try:
            connection_key_replace(
                connection=connection,
                api_key=form.cleaned_data["api_key"],
                user=request.user,
                request=request,
            )
        except ConnectRefused as exc:
            form.add_error("api_key", exc.message)
        else:
            messages.success(request, f"The key of {connection.name} was replaced for all its organizations.")
            return redirect(reverse("connection-detail", args=[connection.public_id]))
    return _detail_page(
        request, connection, key_form=form, tree=connection_tree(connection, None), refused=True
    )


@require_POST
def account_member_add_view(request: HttpRequest, public_id) -> HttpResponse:
    connection = _administered(request, public_id)
    form = MemberAddForm(request.POST)
    if not form.is_valid():
        tree = connection_tree(connection, None)
        return _detail_page(request, connection, member_form=form, tree=tree, refused=True)
    typed, role = form.cleaned_data["username"], Role(form.cleaned_data["role"])
    account_member_add(
        connection=connection, name_or_email=typed, role=role, actor=request.user, request=request
    )
    # The same words whether or not anyone was added (views/members.py says why).
    who = addable_words(request.user)
    messages.info(
        request,
        f"If “{typed}” is {who}, they now have the {role.label.lower()} role in every organization of "
        f"{connection.name} and are listed below.",
    )
    return _back(request, connection)


@require_POST
def account_member_role(request: HttpRequest, public_id, user_id: int) -> HttpResponse:
    connection = _administered(request, public_id)
    user = _account_member(connection, user_id)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles admin, operator or viewer.")
        return _back(request, connection)
    role = Role(form.cleaned_data["role"])
    change = account_member_set(
        connection=connection, user=user, role=role, actor=request.user, request=request
    )
    said = f"{user.get_username()} now has the {role.label.lower()} role across {connection.name}."
    messages.success(request, said + revoked_note(change))
    return _back(request, connection, change)


@require_POST
def account_member_remove_view(request: HttpRequest, public_id, user_id: int) -> HttpResponse:
    connection = _administered(request, public_id)
    user = _account_member(connection, user_id)
    change = account_member_remove(connection=connection, user=user, actor=request.user, request=request)
    messages.success(
        request, f"{user.get_username()} no longer has a role across {connection.name}.{revoked_note(change)}"
    )
    return _back(request, connection, change)


def _account_member(connection: AccountConnection, user_id: int):
    user = get_user_model().objects.filter(pk=user_id, account_memberships__connection=connection).first()
    if user is None:
        raise Http404("No such member")
    return user


def _back(request: HttpRequest, connection: AccountConnection, change: AccountRoleChange | None = None):
    """To the account's page, or home when the user just gave up looking after it."""
    if change is not None and not access.administers_connection(request.user, connection):
        return redirect("home")
    return redirect(reverse("connection-detail", args=[connection.public_id]))
