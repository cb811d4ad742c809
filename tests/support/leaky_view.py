"""A view that fails holding secrets everywhere an error report looks: its local variables, the request's
headers, cookies, query string and form, the exception's message and a log line. For tests of what error
reports leave out (ROOT_URLCONF="tests.support.leaky_view")."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

API_KEY = "4f0c2d7e-91b3-4a5e-8c6d-2b7a9e1f3c5d"
DATABASE_PASSWORD = "pg-password-7d1e9a"

logger = logging.getLogger("encodings_app.leaky")


@login_not_required
def leaky(request: HttpRequest) -> HttpResponse:
    api_key = API_KEY
    organization_token = request.headers.get("Authorization", "")
    database_url = f"postgres://dashboard:{DATABASE_PASSWORD}@db.internal:5432/dashboard"
    logger.error("calling Bitmovin with api_key=%s for %s", api_key, organization_token[:3])
    raise RuntimeError(f"cannot reach {database_url} (api_key={api_key})")


urlpatterns = [path("leaky/", leaky, name="leaky")]
