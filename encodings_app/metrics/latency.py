"""Each request's duration into the latency histogram, labelled by route name, never by path.

A path carries ids (an encoding's, an organization's slug), so labelling by it would grow a series per
encoding; the route's name is one of a fixed few. Requests answered before URL resolution are named by what
answered them: the probes and /metrics (dashboard/probes.py), static files, and "unmatched" for a 404.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from dashboard.probes import EARLY_ROUTES
from encodings_app.metrics.definitions import REQUEST_DURATION

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestLatencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        REQUEST_DURATION.labels(
            route=self.route(request),
            # A client may send any method name: only the standard ones get a series of their own.
            method=request.method if request.method in METHODS else "other",
            status=f"{response.status_code // 100}xx",
        ).observe(time.perf_counter() - started)
        return response

    def route(self, request: HttpRequest) -> str:
        match = getattr(request, "resolver_match", None)
        if match is not None:
            # The admin's views are many and seldom used: one series for all of them.
            return "admin" if "admin" in match.namespaces else match.view_name
        if request.path_info in EARLY_ROUTES:
            return EARLY_ROUTES[request.path_info]
        if request.path_info.startswith(self.static_prefix):
            return "static"
        return "unmatched"
