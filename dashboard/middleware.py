from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers


class ContentSecurityPolicyMiddleware:
    """Sends the Content-Security-Policy header from settings.CONTENT_SECURITY_POLICY.

    The pages load only their own scripts and styles (htmx included, served as a static file), so the
    policy can forbid inline code and every other origin.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response


class PrivateResponsesMiddleware:
    """`Cache-Control: private, no-store` on every answer to a logged-in user (pages, htmx fragments) and on
    every API answer (token or session, errors included), so that no shared cache, proxy or back button
    keeps a copy of one user's data for another.

    Directives a view set itself stay (a view that already sends no-store, no-cache keeps them); `public`
    goes. Static files (answered by WhiteNoise before this runs) and the health probes are left alone.
    """

    PUBLIC_URL_NAMES = frozenset({"healthz", "readyz"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")
        self.api_prefix = "/api/"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self._is_private(request):
            patch_cache_control(response, private=True, no_store=True)
            # The same URL answers differently for each session.
            patch_vary_headers(response, ("Cookie",))
        return response

    def _is_private(self, request: HttpRequest) -> bool:
        path = request.path_info
        if path.startswith(self.static_prefix):
            return False
        match = request.resolver_match
        if match is not None and match.url_name in self.PUBLIC_URL_NAMES:
            return False
        if path.startswith(self.api_prefix):
            return True
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated)
