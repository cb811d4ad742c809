"""Admins create and revoke wall display links from the organization's settings page."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_POST

from encodings_app import access
from encodings_app.forms import DisplayLinkForm
from encodings_app.models import DisplayToken, Organization, Role
from encodings_app.services.display_links import display_link_create, display_link_revoke
from encodings_app.views.common import render_page
from encodings_app.views.organization_settings import render_settings


def link_form(request: HttpRequest, organization: Organization, data=None) -> DisplayLinkForm:
    # A wall may show together only organizations where this user is an admin.
    return DisplayLinkForm(
        data, administered=access.organizations_administered_by(request.user), current=organization
    )


@require_POST
@sensitive_variables("token", "url")
def create(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = access.organization_for(request.user, slug, needs=Role.ADMIN)
    form = link_form(request, viewer.organization, request.POST)
    if not form.is_valid():
        return render_settings(request, viewer, display_link_form=form, status=400)
    link, token = display_link_create(
        label=form.cleaned_data["label"],
        organizations=form.cleaned_data["organizations"],
        created_by=request.user,
        poll_seconds=form.cleaned_data["poll_seconds"],
        rotate_seconds=form.cleaned_data["rotate_seconds"],
        request=request,
    )
    # Shown in this answer only, never put in a redirect, a message or the session.
    url = request.build_absolute_uri(reverse("wall", args=[token]))
    response = render_settings(request, viewer, new_display_link=url, new_display_link_label=link.label)
    # The page holds the link: no cache, no back-button copy.
    add_never_cache_headers(response)
    return response


@require_POST
def revoke(request: HttpRequest, slug: str, link_id: int) -> HttpResponse:
    """First POST (the settings page's button) asks for confirmation; the confirming POST revokes it."""
    viewer = access.organization_for(request.user, slug, needs=Role.ADMIN)
    organization = viewer.organization
    link = DisplayToken.objects.filter(pk=link_id, organizations=organization).first()
    if link is None:
        raise Http404("No such display link")
    if link.revoked_at is not None:
        messages.info(request, f"Display link “{link.label}” was already revoked.")
        return redirect(reverse("organization-settings", args=[slug]) + "#walls")
    if request.POST.get("confirm") != "yes":
        return render_page(request, "organizations/confirm_link_revoke.html", {"link": link}, viewer=viewer)
    display_link_revoke(link=link, user=request.user, request=request)
    messages.success(request, f"Display link “{link.label}” revoked; its screen now says so.")
    return redirect(reverse("organization-settings", args=[slug]) + "#walls")
