"""Saved views of the encodings list: a name for a set of filters, a sort and columns, in one organization.

A view is its owner's, or shared with every member of the organization (only admins share, rename or
delete shared ones: access.py). What it shows is the list's query string as the filter form validated it
(forms.EncodingFilterForm.query, without the page) and its optional columns; opening it is opening that
address, so a saved view and a link to it show the same list.

Each user may pick one view per organization as their default: the list opened without parameters shows it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from encodings_app.models.organizations import Organization

MAX_VIEW_NAME_LENGTH = 60


class SavedView(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="saved_views")
    # Kept when the owner's account goes: a shared view belongs to the organization. A personal view whose
    # owner is gone is seen by nobody (see selectors/saved_views.py) and leaves with the organization.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=MAX_VIEW_NAME_LENGTH)
    shared = models.BooleanField(default=False)
    # The list's parameters as validated, without the page and the columns: "status=ERROR&sort=-finished".
    query = models.TextField(blank=True)
    columns = models.JSONField(default=list, help_text="Names of the optional columns shown.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # One name per owner among their own views, and per organization among the shared ones, in any
            # case ("Failures" and "failures" would be two rows in the picker nobody can tell apart). These
            # also serve the picker's read, the organization's views by owner and the shared ones.
            models.UniqueConstraint(
                "organization",
                "owner",
                Lower("name"),
                condition=Q(shared=False),
                name="saved_view_personal_name_unique",
            ),
            models.UniqueConstraint(
                "organization", Lower("name"), condition=Q(shared=True), name="saved_view_shared_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({'shared' if self.shared else 'personal'}, {self.organization_id})"


class DefaultView(models.Model):
    """The view a user's list opens with in one organization."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    view = models.ForeignKey(SavedView, on_delete=models.CASCADE, related_name="defaults")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="default_view_unique_per_org"),
        ]

    def __str__(self) -> str:
        return f"default view of user {self.user_id} in {self.organization_id}"
