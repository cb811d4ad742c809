"""The one way an alert channel's HTTP post leaves the dashboard, under the API client's rules.

The session is the client's (bitmovin/transport.guarded_session): the host is resolved once, every address
is checked against the destination policy, and the socket connects to one of exactly those addresses, so a
name that points inside the network is refused as surely as a literal private address. No proxy from the
environment, no redirect followed (a 3xx is a failure: a receiver that moved must be entered again).

A channel URL is a credential (a Slack webhook's path is its token): it never appears in a log line or an
error. Failures are described by their kind, as the client describes them, plus the host at most.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from functools import lru_cache
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.views.decorators.debug import sensitive_variables
from requests.utils import requote_uri

from encodings_app import crypto
from encodings_app.bitmovin.destinations import DestinationPolicy
from encodings_app.bitmovin.transport import classify_failure, guarded_session
from encodings_app.services.alert_channels.message import SendResult

# (connect, read) seconds. A worker can afford to wait a little for a slow receiver; "Send test" is
# answered while someone waits for the page.
WORKER_TIMEOUT_S = (5.0, 15.0)
INTERACTIVE_TIMEOUT_S = (3.05, 5.0)

_FAILURE_TEXT = {
    "dns": "the receiver's host name could not be resolved",
    "connect": "the connection to the receiver was refused or could not be opened",
    "connect_timeout": "connecting to the receiver timed out",
    "read_timeout": "the receiver did not answer in time",
    "tls": "the TLS handshake with the receiver failed",
    "connection_lost": "the connection to the receiver broke before a complete answer arrived",
    "invalid_url": "the channel's address is not usable",
    "not_allowed": "the channel's address is not one this dashboard may send to",
    "other": "the post to the receiver failed",
}


# The secret part (path and query) of the URL being posted to by this thread, for _HideChannelUrl.
_url_secret: ContextVar[tuple[str, ...]] = ContextVar("alert_channel_url_secret", default=())


class _HideChannelUrl(logging.Filter):
    """urllib3 logs each request's path at DEBUG level; a channel's path is its token. While a channel post
    runs, its path is masked in whatever urllib3 logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = _url_secret.get()
        if secrets:
            text = record.getMessage()
            for secret in secrets:
                text = text.replace(secret, crypto.mask(secret[-4:]))
            record.msg, record.args = text, ()
        return True


for _name in ("urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry", "urllib3.response"):
    logging.getLogger(_name).addFilter(_HideChannelUrl())


def destination_policy() -> DestinationPolicy:
    return DestinationPolicy(allow_loopback=settings.ALERT_CHANNELS_ALLOW_LOOPBACK)


@lru_cache(maxsize=2)
def _session(policy: DestinationPolicy) -> requests.Session:
    # One per policy and process: connections to a receiver are reused across a run's deliveries.
    return guarded_session(policy)


@sensitive_variables("url")
def post_json(url: str, body: bytes, *, headers: dict[str, str], interactive: bool) -> SendResult:
    """POST `body` (JSON) to `url`; a 2xx is success. Never raises for a failure of the network or the
    receiver."""
    parts = urlsplit(url)
    secret = url[len(f"{parts.scheme}://{parts.netloc}") :]
    hiding = _url_secret.set((secret, requote_uri(secret)) if len(secret) > 1 else ())
    try:
        response = _session(destination_policy()).post(
            url,
            data=body,
            headers={"Content-Type": "application/json", **headers},
            timeout=INTERACTIVE_TIMEOUT_S if interactive else WORKER_TIMEOUT_S,
            allow_redirects=False,
        )
    except Exception as exc:
        kind, _sent = classify_failure(exc)
        return SendResult(ok=False, error=_FAILURE_TEXT.get(kind, _FAILURE_TEXT["other"]))
    finally:
        _url_secret.reset(hiding)
    status = response.status_code
    response.close()
    if 200 <= status < 300:
        return SendResult(ok=True, status=status)
    if 300 <= status < 400:
        return SendResult(
            ok=False, status=status, error=f"the receiver answered {status}, a redirect, not followed"
        )
    return SendResult(ok=False, status=status, error=f"the receiver answered HTTP {status}")
