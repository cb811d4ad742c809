"""GET /metrics for Prometheus.

Off unless METRICS_TOKEN or METRICS_ALLOWED_NETWORKS is set: without either, the path does not exist (404),
so a deployment that never thought about metrics shows none. With a token, a scrape must present it as
`Authorization: Bearer <token>` (401 otherwise); with networks, it must come from one of them (403
otherwise, the address read like the login lockout's, dashboard/client_ip.py); with both, both. No login:
Prometheus has none, and the check above stands in for it. Never cached.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.cache import never_cache

from dashboard.client_ip import client_ip
from encodings_app.metrics.exposition import CONTENT_TYPE, scrape


@login_not_required
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    token, networks = settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS
    if not token and not networks:
        # Before anything else, the method included: switched off, the path is like any unknown one.
        raise Http404("metrics are off")
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if networks and not _from_allowed_network(request, networks):
        return HttpResponse(
            "Not from a network allowed to read the metrics.\n", status=403, content_type="text/plain"
        )
    if token and not _presents(request, token):
        refused = HttpResponse("A valid bearer token is needed.\n", status=401, content_type="text/plain")
        refused["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return refused
    return HttpResponse(scrape(), content_type=CONTENT_TYPE)


def _presents(request: HttpRequest, token: str) -> bool:
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    # Constant time: how much of a guess matched must not show in how long the refusal took.
    return hmac.compare_digest(presented.strip().encode(), token.encode())


def _from_allowed_network(request: HttpRequest, networks: list) -> bool:
    address = client_ip(request)
    if address is None:
        return False
    ip = ipaddress.ip_address(address)
    # An IPv4 client reaching a dual-stack socket shows as ::ffff:a.b.c.d; the IPv4 networks must match it.
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)
