"""Organization settings for admins: key, connection test, webhooks, sync history (members: members.py)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from encodings_app import access, selectors
from encodings_app.forms import (
    DisplayLinkForm,
    MemberAddForm,
    OrganizationCreateForm,
    OrganizationSettingsForm,
)
from encodings_app.models import Role
from encodings_app.selectors.wall import display_links_of
from encodings_app.services import organizations as org_services
from encodings_app.services.action_outcomes import ErrorEvidence
from encodings_app.views.audit import audit_log_context
from encodings_app.views.common import log_page_number, render_page

# The result of a connection test made without JavaScript, for the page the test redirects to.
CONNECTION_RESULT_KEY = "connection_test_result"


def render_settings(request: HttpRequest, viewer: access.OrganizationAccess, **extra) -> HttpResponse:
    """The settings page, for what access.organization_for returned."""
    organization = viewer.organization
    status = extra.pop("status", 200)
    page_number, note = log_page_number(request, "webhooks_page", "Webhook log")
    data = selectors.organization_settings_data(organization, webhook_page=page_number)
    stored = request.session.pop(CONNECTION_RESULT_KEY, None)
    if isinstance(stored, dict) and stored.pop("organization", None) == organization.pk:
        extra = {**stored, **extra}
    notes = [note] if note else []
    may_repoint = org_services.may_repoint(request.user, organization)
    if data.deliveries_corrected:
        notes.append(f"There is no webhook log page {page_number}; this is the last one.")
    context = {
        "data": data,
        "notes": notes,
        "form": extra.pop("form", None)
        or OrganizationSettingsForm.for_organization(organization, may_repoint=may_repoint),
        "may_repoint": may_repoint,
        "member_form": extra.pop("member_form", None) or MemberAddForm(),
        "roles": Role.choices,
        "webhook_url": request.build_absolute_uri(reverse("bitmovin-webhook", args=[organization.slug])),
        "display_links": display_links_of(organization),
        **audit_log_context(request, organization),
        **extra,
    }
    context.setdefault(
        "display_link_form",
        DisplayLinkForm(
            administered=access.organizations_administered_by(request.user), current=organization
        ),
    )
    return render_page(request, "organizations/settings.html", context, viewer=viewer, status=status)


def _settings_form(request: HttpRequest, organization, data=None) -> OrganizationSettingsForm:
    may_repoint = org_services.may_repoint(request.user, organization)
    return OrganizationSettingsForm.for_organization(organization, data, may_repoint=may_repoint)


def _add_service_errors(form, exc: ValidationError) -> None:
    """The service's refusals, next to the fields they are about (or above the form)."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for name, errors in exc.message_dict.items():
        for message in errors:
            form.add_error(name if name in form.fields else None, message)


@sensitive_post_parameters("api_key")
@require_http_methods(["GET", "POST"])
def organization_settings(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = access.organization_for(request.user, slug, needs=Role.ADMIN)
    organization = viewer.organization
    if request.method == "GET":
        return render_settings(request, viewer)
    form = _settings_form(request, organization, request.POST)
    if not form.is_valid():
        return render_settings(request, viewer, form=form, status=400)
    data = form.cleaned_data
    try:
        org_services.organization_update(
            organization=organization,
            user=request.user,
            request=request,
            api_key=data["api_key"],
            name=data["name"],
            colour=data["colour"],
            api_base_url=data["api_base_url"],
            tenant_org_id=data["tenant_org_id"],
        )
    except ValidationError as exc:
        _add_service_errors(form, exc)
        return render_settings(request, viewer, form=form, status=400)
    changed_key = " The new API key is stored; the next sync uses it." if data["api_key"] else ""
    messages.success(request, f"Settings of {organization.name} saved.{changed_key}")
    return redirect("organization-settings", slug=organization.slug)


@require_POST
def test_connection(request: HttpRequest, slug: str) -> HttpResponse:
    """With htmx the result replaces its place on the page; without, it waits in the session for the
    settings page this redirects to, so that reloading that page asks Bitmovin nothing again."""
    viewer = access.organization_for(request.user, slug, needs=Role.ADMIN)
    check = org_services.organization_test_connection(
        organization=viewer.organization, user=request.user, request=request
    )
    evidence = ErrorEvidence.from_error(check.error) if check.error is not None else None
    result = {
        "connection": {
            "ok": check.ok,
            "account_email": check.account_email,
            "organization_name": check.organization_name,
            "organization_id": check.organization_id,
            "problem": check.problem,
        },
        "connection_evidence": evidence.as_dict() if evidence is not None else None,
    }
    if request.htmx:
        return render(request, "organizations/_connection_result.html", result)
    request.session[CONNECTION_RESULT_KEY] = {"organization": viewer.organization.pk, **result}
    return redirect(reverse("organization-settings", args=[slug]) + "#connection")


@require_POST
def register_webhooks(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = access.organization_for(request.user, slug, needs=Role.ADMIN)
    callback_url = request.build_absolute_uri(reverse("bitmovin-webhook", args=[slug]))
    outcome = org_services.webhooks_register(
        organization=viewer.organization, callback_url=callback_url, user=request.user, request=request
    )
    evidence = ErrorEvidence.from_error(outcome.error) if outcome.error is not None else None
    return render_settings(request, viewer, webhooks=outcome, webhooks_evidence=evidence)


@require_POST
def webhook_secret_replace(request: HttpRequest, slug: str) -> HttpResponse:
    """First POST (the settings page's button) asks for confirmation; the confirming POST replaces it."""
    viewer = access.organization_for(request.user, slug, needs=Role.ADMIN)
    organization = viewer.organization
    if request.POST.get("confirm") != "yes":
        return render_page(request, "organizations/confirm_secret_replace.html", {}, viewer=viewer)
    org_services.webhook_secret_replace(organization=organization, user=request.user, request=request)
    messages.success(
        request,
        "The webhook signing secret was replaced. Register the webhooks again so that Bitmovin signs with "
        "the new one; until then its deliveries fail verification.",
    )
    return redirect(reverse("organization-settings", args=[slug]) + "#webhooks")


@sensitive_post_parameters("api_key")
@require_http_methods(["GET", "POST"])
def organization_new(request: HttpRequest) -> HttpResponse:
    """Account admins (superusers) add organizations."""
    if not request.user.is_superuser:
        raise PermissionDenied(
            "Only a superuser adds organizations by hand; account admins pick them on their account's page."
        )
    form = OrganizationCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organization = org_services.organization_create(
                name=data["name"],
                slug=data["slug"],
                api_key=data["api_key"],
                created_by=request.user,
                request=request,
                colour=data["colour"],
                api_base_url=data["api_base_url"],
                tenant_org_id=data["tenant_org_id"],
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request, f"{organization.name} was added. Test the connection, then register webhooks."
            )
            return redirect("organization-settings", slug=organization.slug)
    status = 400 if request.method == "POST" else 200
    return render_page(request, "organizations/new.html", {"form": form}, status=status)
