"""Organizations in the admin: seen there, set up and changed on the pages.

An organization's settings, and its API key above all, are changed on its settings page only, and a new one
is added on the "Add organization" page. Both run services/organizations.py (the allow-list of API base URLs,
the key bound to its base URL and tenant, one organization per tenant, the key checked against Bitmovin on
creation, the audit entries) and show its refusals next to the fields they are about. A second form here
would be a second way in: Django's admin saves after its own validation, so the service's refusals would
have to be re-implemented as form validation or raised as errors mid-save; and every rule added to the
settings page later would have to be added here too. So this admin is read-only, and its "add" and its
change page lead to those pages.

No secret is shown: the API key as on the pages (masked, its last four characters), the webhook signing
secret only as "set" or "not set". Account connections (the key stored once for the organizations it reaches)
are listed read-only too, with their key masked and never their ciphertext.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from encodings_app.admin.read_only import ReadOnlyAdmin
from encodings_app.models import AccountConnection, Organization


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "slug",
        "connection",
        "tenant_org_id",
        "api_key",
        "sync_enabled",
        "last_sync_succeeded_at",
        "key_rejected",
    )
    list_filter = ("sync_enabled", "key_rejected", "key_unreadable")
    search_fields = ("name", "slug", "tenant_org_id")
    ordering = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "slug", "colour", "settings_page", "created_at")}),
        (
            "API key and where it is sent",
            {
                "fields": (
                    "connection",
                    "api_base_url",
                    "tenant_org_id",
                    "api_key",
                    "webhook_secret",
                    "registered_webhooks",
                )
            },
        ),
        (
            "Sync",
            {
                "fields": (
                    "sync_enabled",
                    "key_rejected",
                    "key_unreadable",
                    "last_sync_started_at",
                    "last_sync_succeeded_at",
                    "last_full_sync_at",
                    "consecutive_failures",
                    "consecutive_partial_syncs",
                    "sync_paused_until",
                    "created_watermark",
                    "finished_watermark",
                )
            },
        ),
        (
            "Last error",
            {
                "fields": (
                    "last_error_at",
                    "last_error_http_status",
                    "last_error_code",
                    "last_error_message",
                    "last_error_request_id",
                )
            },
        ),
    )
    # The callables below are not model fields: they are listed so the form never tries to build them.
    readonly_fields = ("settings_page", "api_base_url", "api_key", "webhook_secret", "created_at")
    list_select_related = ("connection",)

    @admin.display(description="API base URL")
    def api_base_url(self, organization: Organization) -> str:
        return organization.connection.api_base_url if organization.connection_id else "none"

    @admin.display(description="API key")
    def api_key(self, organization: Organization) -> str:
        return organization.connection.masked_api_key if organization.has_api_key else "none"

    @admin.display(description="Webhook signing secret")
    def webhook_secret(self, organization: Organization) -> str:
        return "set (never shown)" if organization.webhook_secret_encrypted else "not set"

    @admin.display(description="Settings")
    def settings_page(self, organization: Organization) -> str:
        return format_html(
            '<a href="{}">Change the settings, the API key and the members on its settings page</a>',
            reverse("organization-settings", args=[organization.slug]),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Adding one is the "Add organization" page's job, which only account admins may use.
        return request.user.is_superuser

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None) -> HttpResponseRedirect:
        if not self.has_add_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(reverse("organization-new"))


@admin.register(AccountConnection)
class AccountConnectionAdmin(ReadOnlyAdmin):
    """Seen only: a connection's key changes on its page (/connections/) or an organization's settings."""

    list_display = ("name", "api_base_url", "api_key", "organization_count", "created_at")
    search_fields = ("name", "organizations__name", "organizations__slug")
    ordering = ("name",)
    # Never api_key_encrypted: the ciphertext is a secret too.
    fields = ("name", "public_id", "api_base_url", "api_key", "organization_names", "created_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(organization_total=Count("organizations"))

    @admin.display(description="API key")
    def api_key(self, connection: AccountConnection) -> str:
        return connection.masked_api_key or "none"

    @admin.display(description="Organizations", ordering="organization_total")
    def organization_count(self, connection: AccountConnection) -> int:
        return connection.organization_total

    @admin.display(description="Organizations")
    def organization_names(self, connection: AccountConnection) -> str:
        return ", ".join(connection.organizations.order_by("name").values_list("name", flat=True)) or "none"
