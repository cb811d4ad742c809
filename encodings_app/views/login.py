"""The answer to a sign-in during a lockout (django-axes calls it; see AXES_LOCKOUT_CALLABLE in settings).

The site's login form and /admin/login/ are Django's LoginView, which already marks every POST field as
sensitive for error reports.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers


def lockout_response(request: HttpRequest, *_axes_arguments: object) -> HttpResponse:
    """429 with the product's own page. Every refused attempt restarts the wait (axes' default), so the wait
    is the whole lockout time from now."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    minutes = max(1, round(seconds / 60))
    response = render(
        request, "registration/locked_out.html", {"minutes": minutes, "login_url": request.path}, status=429
    )
    response["Retry-After"] = str(seconds)
    add_never_cache_headers(response)
    return response
