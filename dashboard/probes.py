"""Load balancer and orchestrator probes, answered before anything reads the Host header or redirects.

A probe reaches the process directly: over plain HTTP (TLS ends at the proxy) and with the machine's IP
address as Host, which ALLOWED_HOSTS rightly refuses for pages. So `/healthz` and `/readyz` are answered by
the first middleware, ahead of the SSL redirect and of every host check (README.md, "Probes"). They show
nothing but "ok" and which dependency fails, so answering them to any Host and over HTTP exposes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

PROBE_PATHS = ("/healthz", "/readyz")


class ProbeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info not in PROBE_PATHS:
            return self.get_response(request)
        from encodings_app.views import health

        view = health.healthz if request.path_info == "/healthz" else health.readyz
        return view(request)
