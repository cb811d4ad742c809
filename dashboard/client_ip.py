"""The address a request came from, for the login lockout and the audit log.

Behind proxies, REMOTE_ADDR is the nearest proxy and the client's address is in X-Forwarded-For. That header
is whatever the client sent plus one address appended by each proxy, so only the entries the proxies added
can be believed: with TRUSTED_PROXY_COUNT = N, the client is the N-th entry from the right. With the default
0 the header is ignored, so that a client reaching the dashboard directly cannot choose its own address
(and dodge a lockout, or put someone else's address in the audit log).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    remote = _valid(request.META.get("REMOTE_ADDR", ""))
    hops = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if not hops:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < hops:
        # Fewer entries than proxies: the request did not come through all of them, so none is trusted.
        return remote
    return _valid(forwarded[-hops]) or remote


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None
