"""The base of every admin for rows the dashboard writes itself: viewed, filtered, searched, never edited."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    """No add, change or delete. Each subclass lists the fields it shows (`fields`), never `__all__`, so that
    a column added to the model later (a secret, say) stays out of the admin until someone adds it here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
