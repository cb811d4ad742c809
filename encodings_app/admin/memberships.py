"""Memberships in the admin: added, given a role and deleted through services/memberships.py.

So the admin keeps the rule the settings page keeps (an organization always has an active admin), revokes the
wall display links of someone who stops being an admin there, and writes the same audit entries. A change
the rule refuses is said in the rule's words, and nothing is changed.

Django's admin runs a save or a deletion in one transaction and calls save_model or delete_model in its
middle. The service's refusal is caught there, so that the refusal's audit entry (written in that
transaction) is kept, and the rest of the admin's flow (its history entry, its "changed successfully") is
replaced by the refusal.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from encodings_app.models import Membership
from encodings_app.services.memberships import LastAdminError, membership_remove, membership_set

# Where save_model and delete_model leave the service's refusal for the response that follows.
REFUSAL_ATTRIBUTE = "_membership_refusal"


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "role", "created_at")
    list_filter = ("role", "organization")
    search_fields = ("user__username", "user__email", "organization__name", "organization__slug")
    list_select_related = ("user", "organization")
    ordering = ("organization__name", "user__username")
    fields = ("user", "organization", "role", "created_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Membership | None = None) -> tuple[str, ...]:
        # A membership is one person in one organization: anyone or anywhere else is another membership.
        return ("user", "organization", "created_at") if obj else ("created_at",)

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            # Same name, so that Django's confirmation page posts back to it.
            actions["delete_selected"] = (
                delete_memberships,
                "delete_selected",
                delete_memberships.short_description,
            )
        return actions

    # --- through the service ---------------------------------------------------------------------------
    def save_model(self, request: HttpRequest, obj: Membership, form, change: bool) -> None:
        if change and "role" not in form.changed_data:
            return  # nothing changed: no audit entry for a "Save" pressed on an untouched form
        done = self._through_service(
            request,
            lambda: membership_set(
                organization=obj.organization,
                user=obj.user,
                role=obj.role,
                actor=request.user,
                request=request,
            ),
        )
        if done:
            # The service wrote the row; the admin's messages and links need its id.
            obj.pk = Membership.objects.values_list("pk", flat=True).get(
                organization=obj.organization, user=obj.user
            )

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        self.remove(request, obj)

    def remove(self, request: HttpRequest, membership: Membership) -> bool:
        done = self._through_service(
            request,
            lambda: membership_remove(
                organization=membership.organization,
                user=membership.user,
                actor=request.user,
                request=request,
            ),
        )
        if done:
            # The service deletes by query: the object keeps its id for the admin's history entry.
            super().log_deletions(request, [membership])
        return done

    def _through_service(self, request: HttpRequest, change: Callable[[], object]) -> bool:
        """Make the change; False, with the refusal kept for the answer, when the last-admin rule refuses."""
        try:
            change()
        except LastAdminError as refusal:
            setattr(request, REFUSAL_ATTRIBUTE, str(refusal))
            return False
        return True

    # --- the admin's history and answers, only for what was done -------------------------------------------
    def log_addition(self, request: HttpRequest, obj: Membership, message):
        if not hasattr(request, REFUSAL_ATTRIBUTE):
            return super().log_addition(request, obj, message)
        return None

    def log_change(self, request: HttpRequest, obj: Membership, message):
        if not hasattr(request, REFUSAL_ATTRIBUTE):
            return super().log_change(request, obj, message)
        return None

    def log_deletions(self, request: HttpRequest, queryset) -> None:
        """Django writes this before deleting; remove() writes it once the service has deleted."""

    def response_add(self, request: HttpRequest, obj: Membership, post_url_continue=None) -> HttpResponse:
        if hasattr(request, REFUSAL_ATTRIBUTE):
            return self._refused(request, request.path)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: Membership) -> HttpResponse:
        if hasattr(request, REFUSAL_ATTRIBUTE):
            return self._refused(request, request.path)
        return super().response_change(request, obj)

    def response_delete(self, request: HttpRequest, obj_display: str, obj_id) -> HttpResponse:
        if hasattr(request, REFUSAL_ATTRIBUTE):
            return self._refused(request, reverse("admin:encodings_app_membership_change", args=[obj_id]))
        return super().response_delete(request, obj_display, obj_id)

    def _refused(self, request: HttpRequest, url: str) -> HttpResponse:
        self.message_user(request, getattr(request, REFUSAL_ATTRIBUTE), messages.ERROR)
        return HttpResponseRedirect(url)


@admin.action(permissions=["delete"], description="Delete selected memberships")
def delete_memberships(modeladmin: MembershipAdmin, request: HttpRequest, queryset) -> HttpResponse | None:
    """Django's confirmation page first; once confirmed, one membership at a time through the service, so
    that deleting every admin of an organization at once stops at its last one."""
    if not request.POST.get("post"):
        return delete_selected(modeladmin, request, queryset)
    deleted = 0
    for membership in queryset.select_related("user", "organization").order_by("pk"):
        if modeladmin.remove(request, membership):
            deleted += 1
        else:
            modeladmin.message_user(request, getattr(request, REFUSAL_ATTRIBUTE), messages.ERROR)
            delattr(request, REFUSAL_ATTRIBUTE)
    if deleted:
        noun = "membership" if deleted == 1 else "memberships"
        modeladmin.message_user(request, f"{deleted} {noun} deleted.", messages.SUCCESS)
    return None
