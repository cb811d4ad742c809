"""Personal API tokens and wall display links in the admin: seen by their hint, revoked through the services.

A token is shown once, to whoever creates it (the account page, the settings page, or the create_api_token
and create_display_link commands); only its hash is stored, and the admin shows neither. Revoking goes through
the same service functions as the pages, so it leaves the same audit entries, naming the account admin who
did it. Nothing is added, edited or deleted here: a revoked token stays listed, as on the pages.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from encodings_app.admin.read_only import ReadOnlyAdmin
from encodings_app.models import ApiToken, DisplayToken
from encodings_app.services.api_tokens import api_token_revoke
from encodings_app.services.display_links import display_link_revoke


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("active", "Active"), ("revoked", "Revoked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


class RevocableAdmin(ReadOnlyAdmin):
    """Read-only, with one action: revoking. It needs the model's "change" permission (superusers have it)."""

    list_filter = (StateFilter,)
    actions = ["revoke_selected"]

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    @admin.action(permissions=["revoke"], description="Revoke the selected tokens")
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        active = list(queryset.filter(revoked_at__isnull=True).order_by("pk"))
        for row in active:
            self.revoke(request, row)
        already = queryset.count() - len(active)
        said = f"{len(active)} revoked."
        if already:
            said += f" {already} had been revoked already."
        self.message_user(request, said, messages.SUCCESS)

    def revoke(self, request: HttpRequest, row) -> None:
        raise NotImplementedError


@admin.register(ApiToken)
class ApiTokenAdmin(RevocableAdmin):
    list_display = ("name", "hint", "user", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("user",)
    search_fields = ("name", "hint", "user__username", "user__email")
    ordering = ("revoked_at", "-created_at")
    fields = ("name", "hint", "user", "created_at", "last_used_at", "revoked_at")

    def revoke(self, request: HttpRequest, row: ApiToken) -> None:
        api_token_revoke(user=row.user, token_id=row.pk, actor=request.user, request=request)


@admin.register(DisplayToken)
class DisplayTokenAdmin(RevocableAdmin):
    list_display = ("label", "hint", "shows", "created_by", "created_at", "last_seen_at", "revoked_at")
    list_select_related = ("created_by",)
    search_fields = ("label", "hint", "organizations__name", "organizations__slug", "created_by__username")
    ordering = ("revoked_at", "-created_at")
    fields = (
        "label",
        "hint",
        "organizations",
        "poll_seconds",
        "rotate_seconds",
        "created_by",
        "created_at",
        "last_seen_at",
        "revoked_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("organizations")

    @admin.display(description="Shows")
    def shows(self, link: DisplayToken) -> str:
        return ", ".join(organization.name for organization in link.organizations.all())

    def revoke(self, request: HttpRequest, row: DisplayToken) -> None:
        display_link_revoke(link=row, user=request.user, request=request, reason="Revoked in the admin site.")
