"""The organization switcher lands on the same kind of page in the other organization.

Each page's switcher links say which kind of page the user is on (``to``) and, for the encodings list, its
filters (``back``). The landing view maps the kind to one of a few known pages; the filters are rebuilt by
the list's own form (``list_querystring``), so nothing from the request becomes a URL: there is no ``next``
to abuse. An encoding's detail page lands on the other organization's list (the encoding is not there), with
the filters of the list it came from; an incident's page lands on the other organization's incidents; the
settings land on the settings only for an admin there.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from encodings_app import access
from encodings_app.forms import list_querystring
from encodings_app.models import Role

OVERVIEW, LIST, INCIDENTS, SETTINGS = "overview", "list", "incidents", "settings"

# The kind of page each organization page is, by route name; any other page is an overview's kind.
PAGE_KINDS = {
    "encoding-list": LIST,
    "encoding-detail": LIST,
    "encoding-action": LIST,
    # An incident is its organization's own: another organization's list of incidents stands for it.
    "incident-list": INCIDENTS,
    "incident-detail": INCIDENTS,
    "organization-settings": SETTINGS,
    "organization-webhook-secret": SETTINGS,
    "display-link-revoke": SETTINGS,
}


def switch_query(request: HttpRequest) -> str:
    """What the switcher's links carry from the page being shown; empty where they go to an overview."""
    match = request.resolver_match
    kind = PAGE_KINDS.get(match.url_name if match else "", OVERVIEW)
    if kind == OVERVIEW:
        return ""
    query = QueryDict(mutable=True)
    query["to"] = kind
    if kind == LIST:
        # The list's own query on the list; the way back to it on an encoding's pages.
        raw = request.GET.urlencode() if match.url_name == "encoding-list" else request.GET.get("back", "")
        filters = _filters(raw)
        if filters:
            query["back"] = filters
    return query.urlencode()


def _filters(raw: str) -> str:
    """The list's filters as its form accepts them, without the page number (the other organization's list
    has pages of its own)."""
    query = QueryDict(list_querystring(raw), mutable=True)
    query.pop("page", None)
    return query.urlencode()


@require_GET
def organization_switch(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = access.organization_for(request.user, slug)
    kind = request.GET.get("to", "")
    if kind == LIST:
        url = reverse("encoding-list", args=[slug])
        filters = _filters(request.GET.get("back", ""))
        return redirect(f"{url}?{filters}" if filters else url)
    if kind == INCIDENTS:
        return redirect("incident-list", slug=slug)
    if kind == SETTINGS:
        if access.has_role(viewer.role, Role.ADMIN):
            return redirect("organization-settings", slug=slug)
        messages.info(
            request,
            f"The settings of {viewer.organization.name} are for its admins; this is its overview.",
        )
    return redirect("overview", slug=slug)
