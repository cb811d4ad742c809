"""Bitmovin accounts connected to the dashboard: connecting one with its key, and picking which of the
organizations it reaches are watched (services/account_connect.py). Account admins (superusers) only."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from encodings_app.connection_forms import AccountConnectForm, ConnectionKeyForm
from encodings_app.models import AccountConnection
from encodings_app.selectors.connections import connection_tree, connections_with_counts
from encodings_app.services.account_connect import (
    ConnectRefused,
    account_connect,
    connection_key_replace,
    connection_reach,
    organizations_watch,
)


def _account_admin_only(request: HttpRequest) -> None:
    if not request.user.is_superuser:
        raise PermissionDenied("Only account admins can connect Bitmovin accounts.")


@require_GET
def connection_list(request: HttpRequest) -> HttpResponse:
    _account_admin_only(request)
    return render(request, "connections/list.html", {"connections": connections_with_counts()})


@sensitive_post_parameters("api_key")
@require_http_methods(["GET", "POST"])
def connection_new(request: HttpRequest) -> HttpResponse:
    _account_admin_only(request)
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
    _account_admin_only(request)
    connection = get_object_or_404(AccountConnection, public_id=public_id)
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


def _detail_page(request, connection, *, key_form=None, refused=False, **context) -> HttpResponse:
    context = {"connection": connection, "key_form": key_form or ConnectionKeyForm(), **context}
    return render(request, "connections/detail.html", context, status=400 if refused else 200)


@sensitive_post_parameters("api_key")
@require_http_methods(["POST"])
def connection_key(request: HttpRequest, public_id) -> HttpResponse:
    """Replace the connection's key for all its organizations, once the new key reaches every one."""
    _account_admin_only(request)
    connection = get_object_or_404(AccountConnection, public_id=public_id)
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
