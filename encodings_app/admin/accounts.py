"""User accounts in the admin: Django's own user admin, with every change written to the audit log.

Accounts are created here (there is no sign-up), then added to organizations as members, on an
organization's settings page or under Memberships. What is recorded: the account created, which of its
fields changed (the names, never a value), a password set by an account admin, the account deleted. The
only active admin of an organization is neither deactivated nor deleted until someone else is admin there.
A user changes their own password on the account page (see admin_site.py).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from encodings_app.services.audit import Action, audit_record
from encodings_app.services.memberships import sole_admin_memberships

User = get_user_model()
# Set while Django's "change password" view of an account runs, so that its history entry is recorded as one.
CREDENTIAL_VIEW_ATTRIBUTE = "_account_credential_view"

admin.site.unregister(User)


class AccountChangeForm(UserChangeForm):
    def clean_is_active(self) -> bool:
        """A deactivated admin is no admin (services/memberships.py): the last active one stays active."""
        active = self.cleaned_data["is_active"]
        if self.instance.is_active and not active:
            blocking = sole_admin_memberships(users=[self.instance])
            if blocking:
                raise ValidationError([_blocks(membership) + "." for membership in blocking])
        return active


@admin.register(User)
class AccountAdmin(UserAdmin):
    form = AccountChangeForm

    def log_addition(self, request: HttpRequest, obj, message):
        _record(request, Action.ACCOUNT_CREATE, obj, "")
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj, message):
        if getattr(request, CREDENTIAL_VIEW_ATTRIBUTE, False):
            _record(request, Action.PASSWORD_CHANGE, obj, "Set by an account admin.")
        else:
            fields = [name for entry in message for name in entry.get("changed", {}).get("fields", [])]
            if fields:
                _record(request, Action.ACCOUNT_CHANGE, obj, f"Changed: {', '.join(fields)}.")
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset):
        for account in queryset:
            _record(request, Action.ACCOUNT_DELETE, account, "")
        return super().log_deletions(request, queryset)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        setattr(request, CREDENTIAL_VIEW_ATTRIBUTE, True)
        return super().user_change_password(request, id, form_url)

    def get_deleted_objects(self, objs, request: HttpRequest):
        """Django's confirmation page lists what blocks a deletion as "protected": an account that is the
        last active admin of an organization is blocked until someone else is made admin there."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        # All the accounts at once: deleting two admins together must not empty an organization either.
        protected.extend(_blocks(membership) for membership in sole_admin_memberships(users=list(objs)))
        return deleted, model_count, perms_needed, protected


def _blocks(membership) -> str:
    return (
        f"{membership.user.get_username()} is an active admin of {membership.organization.name}, which would "
        "have none left: make someone else admin there first"
    )


def _record(request: HttpRequest, action: str, account, detail: str) -> None:
    audit_record(
        action=action, user=request.user, target=account.get_username(), detail=detail, request=request
    )
