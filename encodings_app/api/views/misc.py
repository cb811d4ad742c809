"""The catch-all for unknown URLs under /api/v1/, and the Swagger UI that works under the site's CSP."""

from __future__ import annotations

from django.template import engines
from django.urls import Resolver404, resolve
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.renderers import TemplateHTMLRenderer
from rest_framework.request import Request

from encodings_app.api import codes
from encodings_app.api.errors import API_DOCS_LINK, EnvelopeError
from encodings_app.api.views.base import ApiView


@extend_schema(exclude=True)
class UnknownUrlView(ApiView):
    """Answers every method on every unmatched path with 404 and code 1005, in the envelope."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        hint = ""
        path = request.path_info
        other = path.rstrip("/") if path.endswith("/") else path + "/"
        if _is_api_route(other):
            hint = f" Did you mean {other}? The resources have no trailing slash; schema/ and docs/ do."
        raise EnvelopeError(
            status=404,
            code=codes.UNKNOWN_URL,
            message_text="The requested URL does not match any available API resource.",
            developer_message=f"No {request.method} endpoint at this path.{hint}",
            links=[API_DOCS_LINK],
        )


def _is_api_route(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return getattr(match.func, "view_class", None) is not UnknownUrlView


# drf-spectacular's page carries an inline <style>, which the site's policy (style-src 'self') blocks, and an
# <html> without a language; this is the same page without either fault. Its styles are a file
# (static/css/api-docs.css, which also darkens Swagger UI's colours that fail contrast) and so is its script
# (the split view's ?script URL).
_DOCS_PAGE = """{% load static %}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title|default:"API" }}</title>
{% if favicon_href %}<link rel="icon" href="{{ favicon_href }}">{% endif %}
<link rel="stylesheet" href="{{ swagger_ui_css }}">
<link rel="stylesheet" href="{% static 'css/api-docs.css' %}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{{ swagger_ui_bundle }}"></script>
<script src="{{ swagger_ui_standalone }}"></script>
<script src="{{ script_url }}"></script>
</body>
</html>
"""
_DOCS_TEMPLATE_NAME = "api/docs.html"


class _DocsRenderer(TemplateHTMLRenderer):
    def resolve_template(self, template_names):
        if list(template_names) == [_DOCS_TEMPLATE_NAME]:
            return engines["django"].from_string(_DOCS_PAGE)
        return super().resolve_template(template_names)


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI from drf-spectacular-sidecar, served by this server: scripts and styles as files only."""

    renderer_classes = [_DocsRenderer]
    template_name = _DOCS_TEMPLATE_NAME
    authentication_classes: list = []
    permission_classes = [AllowAny]
    title = "Encodings Dashboard API"
