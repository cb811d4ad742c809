"""Where the client may send the API key: public internet addresses over http(s), and loopback if allowed.

The check runs where the connection is opened: the host name is resolved once, every address it resolves to
is checked, and the socket connects to one of exactly those addresses. A name that points at 127.0.0.1 or
169.254.169.254 is therefore refused as surely as the literal address, and a DNS answer that changes
between a check and the connection (rebinding) has no second chance. Nothing is sent to a refused
destination: not the key, not even a TCP handshake.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as urllib3_connection

ALLOWED_SCHEMES = ("http", "https")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class DestinationRefused(Exception):
    """Raised inside the HTTP stack before a connection to a destination the policy does not allow.

    Deliberately not an ``OSError``: urllib3 would take it for a network failure, retry and wrap it.
    The transport turns it into ``DestinationNotAllowedError``.
    """


@dataclass(frozen=True)
class DestinationPolicy:
    """Which addresses the client may connect to.

    By default only public (globally routable, unicast) addresses. ``allow_loopback`` also allows
    127.0.0.0/8 and ::1, for a simulator on the same machine; private, link-local, unspecified, reserved
    and multicast addresses are never allowed.
    """

    allow_loopback: bool = False

    def refusal(self, address: IPAddress) -> str | None:
        """Why the client may not connect to this address, in plain words; None when it may."""
        address = _embedded_ipv4(address)
        if address.is_loopback:
            return None if self.allow_loopback else "a loopback address"
        if address.is_unspecified:
            return "an unspecified address"
        if address.is_multicast:
            return "a multicast address"
        if address.is_link_local:
            return "a link-local address"
        if address.is_private or not address.is_global:
            return "a private or reserved address"
        return None

    def checked_addresses(self, host: str, port: int) -> list[str]:
        """The addresses ``host`` resolves to, all of them allowed; raises ``DestinationRefused`` otherwise.

        Resolution errors (``socket.gaierror``) propagate for the caller to report as DNS failures.
        """
        found: list[str] = []
        for _family, _type, _proto, _name, sockaddr in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM):
            text = str(sockaddr[0]).split("%", 1)[0]  # an IPv6 scope id is not part of the address
            reason = self.refusal(ipaddress.ip_address(text))
            if reason is not None:
                # One bad address is enough: a name that also points inside the network is not trusted.
                subject = host if host == text else f"{host} resolves to {text}, which"
                raise DestinationRefused(f"{subject} is {reason}")
            if text not in found:
                found.append(text)
        if not found:
            raise DestinationRefused(f"{host} resolves to no address")
        return found


def _embedded_ipv4(address: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv4-mapped or 6to4 IPv6 address, which is where the packets go."""
    if isinstance(address, ipaddress.IPv6Address):
        return address.ipv4_mapped or address.sixtofour or address
    return address


class _GuardedConnectionMixin:
    """Replaces urllib3's connect step: resolve, check every address, connect only to checked ones."""

    destination_policy: DestinationPolicy
    host: str
    _dns_host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any

    def _new_conn(self) -> socket.socket:
        try:
            addresses = self.destination_policy.checked_addresses(self._dns_host, self.port)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc  # type: ignore[arg-type]
        last_error: OSError | None = None
        for address in addresses:
            try:
                sock = urllib3_connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except OSError as exc:
                last_error = exc
                continue
            sys.audit("http.client.connect", self, self.host, self.port)
            return sock
        if isinstance(last_error, TimeoutError):
            raise ConnectTimeoutError(
                self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
            ) from last_error
        raise NewConnectionError(
            self,  # type: ignore[arg-type]
            f"Failed to establish a new connection: {last_error}",
        ) from last_error


@lru_cache(maxsize=8)
def _pool_classes(policy: DestinationPolicy) -> dict[str, type[HTTPConnectionPool]]:
    # The policy travels as a class attribute: urllib3's pool keys refuse unknown keyword arguments.
    http_connection = type(
        "GuardedHTTPConnection", (_GuardedConnectionMixin, HTTPConnection), {"destination_policy": policy}
    )
    https_connection = type(
        "GuardedHTTPSConnection", (_GuardedConnectionMixin, HTTPSConnection), {"destination_policy": policy}
    )
    return {
        "http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http_connection}),
        "https": type(
            "GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https_connection}
        ),
    }


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose connections go only to destinations the policy allows."""

    def __init__(self, policy: DestinationPolicy, **kwargs: Any) -> None:
        self.destination_policy = policy
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self.destination_policy)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        # A proxy would open the connection on our behalf, out of reach of the check above.
        raise DestinationRefused("requests through a proxy are not allowed")
