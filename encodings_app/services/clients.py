"""Building an API client for an organization: the one place where its connection's API key is decrypted
(for a client, or for the fingerprint naming its request budget), and where the installation's rule of which
API addresses a key may be sent to lives (``BITMOVIN_API_BASE_URLS``)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from encodings_app import crypto
from encodings_app.bitmovin import BitmovinClient, DestinationPolicy
from encodings_app.models import AccountConnection, Organization
from encodings_app.services.api_call_counts import ApiCallCounter
from encodings_app.services.key_budget import ApiBudget, key_fingerprint

logger = logging.getLogger(__name__)

# How long one logical call may keep retrying, and how long one attempt may take (connect, read). A worker
# gives up sooner than it could: the next sweep tries again anyway. Someone waiting for a page (an action,
# "Test connection") gets a shorter budget still, so that the longest interactive call, about
# INTERACTIVE_RETRY_BUDGET_S plus one attempt, ends well inside the web server's timeout
# (dashboard/gunicorn_config.py).
WORKER_RETRY_BUDGET_S = 20.0
WORKER_TIMEOUT_S = (5.0, 30.0)
INTERACTIVE_RETRY_BUDGET_S = 8.0
INTERACTIVE_TIMEOUT_S = (3.05, 10.0)
# The simulator's addresses, allowed (any port) when BITMOVIN_ALLOW_LOOPBACK is on.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# What the simulator's launchers (demo, benchmark) say when the settings keep the dashboard off loopback.
LOOPBACK_NEEDED = (
    "the simulator listens on 127.0.0.1, where the dashboard sends API keys only with "
    "BITMOVIN_ALLOW_LOOPBACK=1 (on by default when DJANGO_DEBUG=1)"
)


class KeyUnavailable(Exception):
    """The organization's API key cannot be used: none is set, it cannot be decrypted, or the base URL it
    is bound to is not one this installation may call."""


class DestinationNotAllowed(KeyUnavailable):
    """The organization's API base URL is not in the installation's allow-list; the key is not sent."""


def destination_policy() -> DestinationPolicy:
    """Where the client may connect, as the settings say (loopback only when explicitly allowed)."""
    return DestinationPolicy(allow_loopback=settings.BITMOVIN_ALLOW_LOOPBACK)


def normalize_base_url(url: str) -> str:
    """The form a base URL is stored and compared in: no surrounding blanks, no trailing slash."""
    return url.strip().rstrip("/")


def same_base_url(first: str, second: str) -> bool:
    """Whether two base URLs name the same API, as stored keys and watched tenants are compared: blanks, a
    trailing slash and letter case aside."""
    return normalize_base_url(first).lower() == normalize_base_url(second).lower()


def allowed_base_urls() -> list[str]:
    return list(settings.BITMOVIN_API_BASE_URLS)


def allowed_destinations_text() -> str:
    """The allowed API addresses, as a page says them."""
    simulator = " or a simulator on 127.0.0.1 or localhost" if settings.BITMOVIN_ALLOW_LOOPBACK else ""
    return ", ".join(allowed_base_urls()) + simulator


def _comparable(url: str) -> tuple[str, str, int | None, str]:
    parts = urlsplit(normalize_base_url(url))
    scheme = parts.scheme.lower()
    port = parts.port or {"https": 443, "http": 80}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port, parts.path.rstrip("/")


def base_url_refusal(url: str) -> str | None:
    """Why an organization may not use this API base URL, in plain words; None when it may."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return "This is not a usable web address."
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "The API base URL must be an http:// or https:// address."
    if "@" in parts.netloc:
        return "The API base URL must not contain a user name or password."
    if parts.query or parts.fragment:
        return "The API base URL must not contain a query (?) or a fragment (#)."
    if any(_comparable(url) == _comparable(allowed) for allowed in allowed_base_urls()):
        return None
    if settings.BITMOVIN_ALLOW_LOOPBACK and parts.hostname.lower() in LOOPBACK_HOSTS:
        return None
    return (
        f"This dashboard may only send API keys to {allowed_destinations_text()}. "
        "Other API addresses must first be allowed by the operator (BITMOVIN_API_BASE_URLS)."
    )


@sensitive_variables("api_key")
def client_for(organization: Organization, *, interactive: bool = False) -> BitmovinClient:
    """A client speaking for this organization, spending from its key's shared request budget (which also
    follows what the API says of its own count) and counting its calls for /metrics
    (services/api_call_counts.py).

    `interactive` calls (an operator waits for them) get shorter timeouts, may use the share of the budget
    kept from background work, and sleep through a short 429; a worker's calls never sleep, they reschedule.

    Fails closed: a key that cannot be decrypted marks the organization and is never sent anywhere, and a
    key whose base URL is not (or no longer) allowed is not even decrypted.
    """
    api_key = _usable_key(organization)
    return _client(
        api_key,
        organization.connection.api_base_url,
        tenant_org_id=organization.tenant_org_id or None,
        interactive=interactive,
        calls=ApiCallCounter(organization.pk),
    )


@sensitive_variables("api_key")
def client_for_connection(connection: AccountConnection, *, interactive: bool = False) -> BitmovinClient:
    """A client speaking for the connection's key itself, for no tenant: what reading the account (the
    organizations the key reaches) needs. Spends from the key's budget like client_for; its calls belong to
    no organization, so /metrics does not count them. Raises KeyUnavailable like client_for."""
    if base_url_refusal(connection.api_base_url) is not None:
        raise DestinationNotAllowed(
            f"The API base URL of the account {connection.name} is not one this dashboard may send its key to"
        )
    try:
        api_key = connection.decrypt_api_key()
    except crypto.DecryptionError:
        logger.error("API key of the account connection %s cannot be decrypted", connection.public_id)
        raise KeyUnavailable(
            f"The API key of the account {connection.name} cannot be decrypted; enter it again"
        ) from None
    return _client(api_key, connection.api_base_url, tenant_org_id=None, interactive=interactive)


@sensitive_variables("api_key")
def client_for_key(api_key: str, base_url: str) -> BitmovinClient:
    """An interactive client for a key that is not stored yet (an account admin is connecting it), for no
    tenant. The caller checks the base URL first (base_url_refusal)."""
    return _client(api_key.strip(), normalize_base_url(base_url), tenant_org_id=None, interactive=True)


@sensitive_variables("api_key")
def _client(
    api_key: str,
    base_url: str,
    *,
    tenant_org_id: str | None,
    interactive: bool,
    calls: ApiCallCounter | None = None,
) -> BitmovinClient:
    budget = ApiBudget(key_fingerprint(api_key, base_url), interactive=interactive)
    return BitmovinClient(
        api_key,
        tenant_org_id=tenant_org_id,
        base_url=base_url,
        retry_budget_s=INTERACTIVE_RETRY_BUDGET_S if interactive else WORKER_RETRY_BUDGET_S,
        timeout=INTERACTIVE_TIMEOUT_S if interactive else WORKER_TIMEOUT_S,
        # A worker never sleeps through a 429: the sync records a pause and the sweep comes back later.
        max_rate_limit_wait_s=None if interactive else 0,
        before_request=calls.spending(budget) if calls is not None else budget,
        after_attempt=calls.attempted if calls is not None else None,
        rate_limit_seen=budget.seen,
        destinations=destination_policy(),
    )


@sensitive_variables("api_key")
def budget_fingerprint(organization: Organization) -> str:
    """Names the request budget the organization spends from: organizations with the same key and base
    URL (those of one connection, and any other connection holding the same key) share one. Raises
    KeyUnavailable like client_for, and marks an undecryptable key the same way."""
    api_key = _usable_key(organization)
    return key_fingerprint(api_key, organization.connection.api_base_url)


@sensitive_variables("api_key")
def _usable_key(organization: Organization) -> str:
    if not organization.has_api_key:
        raise KeyUnavailable(f"{organization.name} has no API key")
    connection = organization.connection
    if base_url_refusal(connection.api_base_url) is not None:
        logger.warning("API base URL of %s is not in the allow-list; no call made", organization.slug)
        raise DestinationNotAllowed(
            f"The API base URL of {organization.name} is not one this dashboard may send its key to; "
            "an admin can choose an allowed one in the settings"
        )
    try:
        return connection.decrypt_api_key()
    except crypto.DecryptionError:
        logger.error("API key of %s cannot be decrypted with the configured keys", organization.slug)
        if not organization.key_unreadable:
            organization.key_unreadable = True
            Organization.objects.filter(pk=organization.pk).update(key_unreadable=True)
        raise KeyUnavailable(
            f"The API key of {organization.name} cannot be decrypted; enter it again in the settings"
        ) from None
