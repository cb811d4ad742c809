"""Load balancer and orchestrator probes, and Prometheus's scrape, answered before anything reads the Host
header or redirects.

A probe reaches the process directly: over plain HTTP (TLS ends at the proxy) and with the machine's IP
address as Host, which ALLOWED_HOSTS rightly refuses for pages. So `/healthz` and `/readyz` are answered by
this middleware, ahead of the SSL redirect and of every host check (README.md, "Probes"). They show nothing
but "ok" and which dependency fails, so answering them to any Host and over HTTP exposes nothing.

Prometheus scrapes each web machine the same way (each keeps its own request latencies), so `/metrics` is
answered here too. Unlike the probes it shows figures: its own check (a token, the scraper's network; see
encodings_app/views/metrics.py) decides who reads them, and without one configured it is not there at all.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Paths answered here, with the route name their requests are measured under (encodings_app/metrics).
EARLY_ROUTES = {"/healthz": "healthz", "/readyz": "readyz", "/metrics": "metrics"}


class ProbeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        route = EARLY_ROUTES.get(request.path_info)
        if route is None:
            return self.get_response(request)
        from encodings_app.views import health, metrics

        views = {"healthz": health.healthz, "readyz": health.readyz, "metrics": metrics.metrics}
        return views[route](request)
