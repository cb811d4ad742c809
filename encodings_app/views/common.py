"""What every organization page shares: the switcher, the viewer's role, partial rendering for htmx."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseStopPolling

from encodings_app import access, selectors
from encodings_app.access import OrganizationAccess
from encodings_app.forms import list_querystring
from encodings_app.models import Role
from encodings_app.selectors.health import problems_of
from encodings_app.selectors.organizations import looks_after_an_account
from encodings_app.selectors.switcher import switcher_menu
from encodings_app.views.switch import switch_query

# Seconds between polls of the live parts; the tab being hidden pauses them (static/js/app.js).
POLL_SECONDS = {"list": 10, "detail": 5, "overview": 15}


def role_context(viewer: OrganizationAccess) -> dict[str, Any]:
    """What every organization page shows of the organization and the viewer's role in it."""
    return {
        "organization": viewer.organization,
        "role": viewer.role,
        "is_admin": access.has_role(viewer.role, Role.ADMIN),
        # Only what makes the mirror untrustworthy; failures of encodings are the pages' own subject.
        "org_problems": [p for p in problems_of(viewer.organization, 0) if p.level == "bad"],
    }


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    viewer: OrganizationAccess | None = None,
    partial: str | None = None,
    stop_polling: bool = False,
    status: int = 200,
) -> HttpResponse:
    """The full page, or only its live part when htmx polls for it (the switcher is then not needed).

    An organization's page passes as `viewer` what access.organization_for returned."""
    if viewer is not None:
        context = {**role_context(viewer), **context}
    context.setdefault("poll_seconds", POLL_SECONDS)
    if partial and request.htmx:
        response = render(request, partial, context, status=status)
        if stop_polling:
            response = HttpResponseStopPolling(response.content, content_type=response["Content-Type"])
    else:
        if "switcher" not in context:
            context["switcher"] = selectors.organizations_with_health(request.user)
        context.setdefault("looks_after_accounts", looks_after_an_account(context["switcher"]))
        context.setdefault("switcher_menu", switcher_menu(context["switcher"]))
        context.setdefault("switch_query", switch_query(request))
        response = render(request, template, context, status=status)
    if partial:
        # The same URL answers with a page or a fragment: caches must tell them apart.
        patch_vary_headers(response, ("HX-Request",))
    return response


def polled_etag(request: HttpRequest) -> str | None:
    """The ETag a poll sends back with what its live part shows (If-None-Match, static/js/app.js); None for
    anything but an htmx request, so that a page load is never answered 304."""
    return request.headers.get("If-None-Match") if request.htmx else None


def not_modified(etag: str) -> HttpResponse:
    """A poll's answer when its live part would come out the same: no body, no template rendered."""
    response = HttpResponseNotModified()
    response["ETag"] = etag
    patch_vary_headers(response, ("HX-Request",))
    return response


# Where an action's API error waits for the next view of the detail page (plain data, no secrets).
ACTION_EVIDENCE_KEY = "action-evidence"


def back_to_list(request: HttpRequest, slug: str) -> str:
    """The list URL with the filters the user came from: only the list's own parameters survive, so the
    "back" value can never send anyone elsewhere."""
    url = reverse("encoding-list", args=[slug])
    query = list_querystring(request.GET.get("back", "") or request.POST.get("back", ""))
    return f"{url}?{query}" if query else url


def detail_url(slug: str, bitmovin_id: str, back: str = "") -> str:
    url = reverse("encoding-detail", args=[slug, bitmovin_id])
    if back:
        query = QueryDict(mutable=True)
        query["back"] = list_querystring(back)
        url += f"?{query.urlencode()}"
    return url


def log_page_number(request: HttpRequest, parameter: str, log_name: str) -> tuple[int, str]:
    """The page of a settings-page log the URL asks for, and a note when it is not a page number."""
    raw = request.GET.get(parameter, "1")
    if raw.isdigit() and 0 < int(raw) < 1_000_000:
        return int(raw), ""
    return 1, f"{log_name} page: “{raw[:20]}” is not a page number; showing the first page."
