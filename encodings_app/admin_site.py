"""The admin site itself: INSTALLED_APPS names DashboardAdminConfig in place of django.contrib.admin.

Kept apart from encodings_app/admin/, which imports models: an app config is imported before models can be.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse


class DashboardAdminSite(admin.AdminSite):
    site_header = f"{settings.PRODUCT_NAME} administration"
    site_title = settings.PRODUCT_NAME

    def password_change(self, request: HttpRequest, extra_context=None) -> HttpResponseRedirect:
        """One place to change one's own password: the account page, which counts wrong current passwords
        towards the sign-in lockout and writes the audit entry (Django's admin form does neither)."""
        return HttpResponseRedirect(reverse("account") + "#password")

    def password_change_done(self, request: HttpRequest, extra_context=None) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("account"))


class DashboardAdminConfig(AdminConfig):
    default_site = "encodings_app.admin_site.DashboardAdminSite"
