"""HTTP for the client: headers, timeouts, the retry loop, the rate-limit hook, call counts and logging."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from importlib import metadata
from typing import Any
from urllib.parse import quote

import requests
from requests.auth import AuthBase
from urllib3.exceptions import NameResolutionError, NewConnectionError

from . import envelope as envelope_module
from .destinations import DestinationPolicy, DestinationRefused, GuardedAdapter
from .envelope import Envelope
from .errors import (
    BitmovinError,
    DestinationNotAllowedError,
    InvalidArgumentError,
    NotFoundError,
    ProtocolError,
    RateLimitedError,
    TransportError,
    is_transient,
)
from .redact import Secret
from .retry import RateLimitWindow, RetryPolicy, parse_rate_limit_window

logger = logging.getLogger("encodings_app.bitmovin")

PRODUCT = "encodings-dashboard"
IDEMPOTENT_METHODS = frozenset({"GET", "DELETE"})
# Transport failures where retrying an idempotent request is pointless: the configuration is wrong.
_PERMANENT_KINDS = frozenset({"invalid_url", "not_allowed"})

BeforeRequest = Callable[[str, str], None]
# (method, endpoint key, HTTP status or None when no answer came): told after every attempt.
AfterAttempt = Callable[[str, str, int | None], None]
# (method, endpoint key, the API's own count): told after every answer that carried usable x-ratelimit-*.
RateLimitSeen = Callable[[str, str, RateLimitWindow], None]
Timeout = float | tuple[float, float]


def client_version() -> str:
    try:
        return metadata.version(PRODUCT)
    except metadata.PackageNotFoundError:
        return "0.0.0"


class _ApiKeyAuth(AuthBase):
    """Adds the key when a request is prepared, so it lives in no session header dict and no URL."""

    def __init__(self, api_key: Secret) -> None:
        self._api_key = api_key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["X-Api-Key"] = self._api_key.reveal()
        return request

    def __repr__(self) -> str:
        return f"_ApiKeyAuth({self._api_key!r})"


_DNS_WORDS = ("NameResolutionError", "Name or service not known", "getaddrinfo", "nodename nor servname")
_CONNECT_WORDS = ("NewConnectionError", "Connection refused")


def _mentions(text: str, words: tuple[str, ...]) -> bool:
    return any(word in text for word in words)


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and what it wraps: ``reason`` (urllib3), a wrapped first argument, cause and context."""
    found: list[BaseException] = []
    pending: list[object] = [exc]
    while pending and len(found) < 16:
        current = pending.pop()
        if not isinstance(current, BaseException) or any(current is seen for seen in found):
            continue
        found.append(current)
        first_arg = current.args[0] if current.args else None
        pending += [getattr(current, "reason", None), first_arg, current.__cause__, current.__context__]
    return found


def classify_failure(exc: Exception) -> tuple[str, bool]:
    """(kind, request_sent) for a failure that produced no HTTP answer."""
    text = str(exc)
    if any(isinstance(cause, DestinationRefused) for cause in _causes(exc)):
        return "not_allowed", False
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connect_timeout", False
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return "read_timeout", True
    if isinstance(exc, requests.exceptions.SSLError):
        return "tls", False
    if isinstance(exc, requests.exceptions.ProxyError):
        return "connect", False
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return "invalid_url", False
    if isinstance(exc, requests.exceptions.InvalidSchema):
        return "invalid_url", False
    if isinstance(exc, requests.exceptions.ConnectionError):
        # urllib3 reports failures before the request left as NameResolutionError / NewConnectionError,
        # wrapped in a MaxRetryError; the text is the fallback when the chain was not kept.
        causes = _causes(exc)
        if any(isinstance(cause, NameResolutionError) for cause in causes) or _mentions(text, _DNS_WORDS):
            return "dns", False
        if any(isinstance(cause, NewConnectionError) for cause in causes) or _mentions(text, _CONNECT_WORDS):
            return "connect", False
        return "connection_lost", True
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError):
        return "connection_lost", True
    return "other", True


_KIND_TEXT = {
    "dns": "the API host name could not be resolved",
    "connect": "the connection to the API was refused or could not be opened",
    "connect_timeout": "connecting to the API timed out",
    "read_timeout": "the API did not answer in time",
    "tls": "the TLS handshake with the API failed",
    "connection_lost": "the connection to the API broke before a complete answer arrived",
    "invalid_url": "the API base URL is not usable",
    "not_allowed": "the destination is not allowed",
    "other": "the request to the API failed",
}


class Transport:
    def __init__(
        self,
        *,
        api_key: Secret,
        tenant_org_id: str | None,
        base_url: str,
        timeout: Timeout,
        session: requests.Session | None,
        policy: RetryPolicy,
        destinations: DestinationPolicy,
        before_request: BeforeRequest | None = None,
        after_attempt: AfterAttempt | None = None,
        rate_limit_seen: RateLimitSeen | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._api_key = api_key
        self._auth = _ApiKeyAuth(api_key)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._owns_session = session is None
        self.session = session if session is not None else guarded_session(destinations)
        self.policy = policy
        self.before_request = before_request
        self.after_attempt = after_attempt
        self.rate_limit_seen = rate_limit_seen
        self._clock = clock
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()  # noqa: S311 - jitter, not cryptography
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()
        version = client_version()
        self._headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"{PRODUCT}/{version} python-requests/{requests.__version__}",
            "X-Api-Client": PRODUCT,
            "X-Api-Client-Version": version,
        }
        if tenant_org_id:
            self._headers["X-Tenant-Org-Id"] = tenant_org_id

    @property
    def call_counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def close(self) -> None:
        if self._owns_session:
            self.session.close()

    def request(
        self,
        method: str,
        template: str,
        *,
        path: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Envelope:
        """Send one logical request, retrying within the policy; the envelope or a ``BitmovinError``."""
        endpoint = f"{method} {template}"
        if body is not None:
            try:
                json.dumps(body)
            except (TypeError, ValueError) as exc:
                raise InvalidArgumentError(
                    f"the request body for {endpoint} is not JSON-serialisable"
                ) from exc
        url = self.base_url + template.format_map({k: quote(v, safe="") for k, v in (path or {}).items()})
        deadline = self._clock() + self.policy.budget_s
        unanswered_before = False
        retry_number = 0
        while True:
            # Outside the try: a refusal by the caller's limiter is its decision, never retried here.
            self._call_hook(method, endpoint)
            try:
                return self._attempt(method, endpoint, url, params, body)
            except BitmovinError as error:
                error.attempts = retry_number + 1
                if isinstance(error, NotFoundError) and unanswered_before:
                    error.after_unanswered_attempt = True
                wait = self._wait_before_retry(method, error, retry_number)
                if wait is None:
                    raise
                too_long_for_429 = (
                    isinstance(error, RateLimitedError)
                    and self.policy.max_rate_limit_wait_s is not None
                    and wait > self.policy.max_rate_limit_wait_s
                )
                if (
                    too_long_for_429
                    or retry_number >= self.policy.max_retries
                    or self._clock() + wait > deadline
                ):
                    logger.info(
                        "bitmovin %s gave up after %d attempt(s): %s (next wait %.1f s)",
                        endpoint,
                        retry_number + 1,
                        type(error).__name__,
                        wait,
                    )
                    if isinstance(error, RateLimitedError):
                        error.retry_after = wait
                    raise
                logger.info(
                    "bitmovin %s retry %d in %.2f s after %s (request_id=%s)",
                    endpoint,
                    retry_number + 1,
                    wait,
                    type(error).__name__,
                    error.request_id,
                )
                unanswered_before = unanswered_before or _unanswered(error)
                self._sleep(wait)
                retry_number += 1

    def _wait_before_retry(self, method: str, error: BitmovinError, retry_number: int) -> float | None:
        """Seconds to wait before the next attempt, or None when this error must not be retried."""
        if isinstance(error, RateLimitedError):
            # A 429 was refused before any processing, so even a POST is safe to send again.
            return error.retry_after if error.retry_after is not None else 0.0
        if not is_transient(error):
            return None
        if method not in IDEMPOTENT_METHODS and not (
            isinstance(error, TransportError) and not error.request_sent
        ):
            # Any other failure of an action may come after the API acted on it: it is never sent twice.
            return None
        if error.retry_after is not None:
            return error.retry_after
        return self.policy.backoff(retry_number, self._rng)

    def _attempt(
        self,
        method: str,
        endpoint: str,
        url: str,
        params: Mapping[str, str] | None,
        body: Mapping[str, Any] | None,
    ) -> Envelope:
        with self._lock:
            self._counts[endpoint] = self._counts.get(endpoint, 0) + 1
        started = self._clock()
        failure: tuple[str, bool, str] | None = None
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                json=body,
                headers=self._headers,
                auth=self._auth,
                timeout=self.timeout,
                allow_redirects=False,
            )
            status, headers, content = response.status_code, dict(response.headers), response.content or b""
        except Exception as exc:
            # Any failure of the HTTP stack, whatever its type, is a transport error for our callers.
            kind, sent = classify_failure(exc)
            failure = (kind, sent, f"{type(exc).__name__}: {self._api_key.scrub(str(exc))[:200]}")
        if failure is not None:
            # Raised outside the except block so that the library's exception, which holds the prepared
            # request and so the X-Api-Key header, is not chained to ours as __context__.
            kind, sent, cause = failure
            self._tell_after_attempt(method, endpoint, None)
            logger.info("bitmovin %s failed after %.3f s: %s", endpoint, self._clock() - started, kind)
            error_class = DestinationNotAllowedError if kind == "not_allowed" else TransportError
            raise error_class(
                _KIND_TEXT[kind],
                kind=kind,
                request_sent=sent,
                cause=cause,
                method=method,
                endpoint=endpoint,
                retryable=kind not in _PERMANENT_KINDS,
            )
        duration = self._clock() - started
        self._tell_after_attempt(method, endpoint, status)
        self._tell_rate_limit(method, endpoint, headers)
        try:
            result = envelope_module.decode(
                status, headers, self._api_key.scrub_bytes(content), method=method, endpoint=endpoint
            )
        except BitmovinError as error:
            logger.info(
                "bitmovin %s -> HTTP %s in %.3f s request_id=%s error=%s code=%s",
                endpoint,
                status,
                duration,
                error.request_id,
                type(error).__name__,
                error.code,
            )
            raise
        logger.debug(
            "bitmovin %s -> HTTP %s in %.3f s request_id=%s", endpoint, status, duration, result.request_id
        )
        return result

    def _call_hook(self, method: str, endpoint: str) -> None:
        if self.before_request is None:
            return
        try:
            self.before_request(method, endpoint)
        except BitmovinError:
            raise
        except Exception as exc:
            raise BitmovinError(
                f"the before_request hook refused {endpoint}: {type(exc).__name__}",
                method=method,
                endpoint=endpoint,
            ) from exc

    def _tell_after_attempt(self, method: str, endpoint: str, status: int | None) -> None:
        if self.after_attempt is None:
            return
        try:
            self.after_attempt(method, endpoint, status)
        except Exception as exc:
            # Bookkeeping of the caller's: its failure must never turn an answered call into an error.
            logger.warning("the after_attempt hook failed for %s: %s", endpoint, type(exc).__name__)

    def _tell_rate_limit(self, method: str, endpoint: str, headers: Mapping[str, str]) -> None:
        if self.rate_limit_seen is None:
            return
        window = parse_rate_limit_window(headers)
        if window is None:
            return
        try:
            self.rate_limit_seen(method, endpoint, window)
        except Exception as exc:
            # Like after_attempt: the caller's bookkeeping never turns an answer into an error.
            logger.warning("the rate_limit_seen hook failed for %s: %s", endpoint, type(exc).__name__)


def guarded_session(destinations: DestinationPolicy) -> requests.Session:
    """A session that connects only where ``destinations`` allows, and ignores the environment.

    ``trust_env`` off: proxy variables would route the key through another host, and ``.netrc`` could add
    credentials of its own. Redirects are not followed either (see ``Transport._attempt``).
    """
    session = requests.Session()
    session.trust_env = False
    adapter = GuardedAdapter(destinations)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _unanswered(error: BitmovinError) -> bool:
    """True when the API may have processed the request although we got no usable answer."""
    if isinstance(error, TransportError):
        return error.request_sent
    return isinstance(error, ProtocolError) or error.http_status in (500, 502, 504)


def validate_path_value(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip() or value in (".", ".."):
        raise InvalidArgumentError(f"{name} must be a non-empty id, got {value!r}")
    return value
