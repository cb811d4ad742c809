"""``BitmovinClient``: one method per API call the dashboard makes, each returning typed results."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from .calls import (
    MAX_PAGE_SIZE,
    Calls,
    page_bounds,
    priority_value,
    query_value,
)
from .destinations import ALLOWED_SCHEMES, DestinationPolicy
from .errors import InvalidArgumentError
from .redact import Secret, mask_secret
from .resources import AccountInformation, Organization, Webhook
from .retry import RetryPolicy
from .statistics import StatisticsCalls
from .transport import (
    AfterAttempt,
    BeforeRequest,
    RateLimitSeen,
    Timeout,
    Transport,
    validate_path_value,
)
from .types import Encoding, Page, ResourceId, Task

DEFAULT_BASE_URL = "https://api.bitmovin.com/v1"
DEFAULT_PAGE_SIZE = 25

_WEBHOOKS = "/notifications/webhooks/encoding/encodings"
# Path segment of each webhook family; "status-changed" has no list endpoint and a different delete path.
WEBHOOK_EVENTS = {
    "finished": "finished",
    "error": "error",
    "transfer-error": "transfer-error",
    "status-changed": "encoding-status-changed",
}

# What the encoding's status must show, after an unanswered start or stop, for the action to count as done.
_START_TOOK_EFFECT = frozenset({"QUEUED", "RUNNING", "FINISHED", "ERROR", "CANCELED", "TRANSFER_ERROR"})
_STOP_TOOK_EFFECT = frozenset({"CANCELED"})
# A stopped live encoding ends the way a finished one does; either terminal state means the stop happened.
_LIVE_STOP_TOOK_EFFECT = frozenset({"FINISHED", "CANCELED"})


class BitmovinClient(StatisticsCalls):
    """A client for the parts of the Bitmovin encoding API the dashboard uses.

    Every method returns a typed result or raises a ``BitmovinError`` subclass; nothing else escapes. GET
    and DELETE are retried on every error ``is_transient`` accepts (no answer, 429, any 5xx, an answer
    broken on its way) within ``max_retries`` and ``retry_budget_s``; POST actions are never re-sent blindly
    (see ``start_encoding``). A 429 is waited out
    only up to ``max_rate_limit_wait_s`` (None: as long as the budget allows); past that the
    ``RateLimitedError`` is raised with ``retry_after`` set, for the caller to reschedule.

    ``before_request(method, endpoint_key)`` runs before every HTTP attempt, retries included, with a stable
    key such as ``"GET /encoding/encodings/{id}/status"``; it may block (to pace calls) or raise a
    ``BitmovinError`` such as ``RateLimitedError(retry_after=...)`` to refuse the call, which then propagates
    at once, unretried (any other exception is wrapped in a ``BitmovinError``). ``call_counts`` counts the
    HTTP attempts actually made, by the same keys. ``after_attempt(method, endpoint_key, status)`` is told
    how each attempt made ended: its HTTP status, or None when no answer came; it cannot fail a call.
    ``rate_limit_seen(method, endpoint_key, window)`` is told what the API says of its own count (the
    ``x-ratelimit-*`` headers, as a ``RateLimitWindow``) whenever an answer, 2xx or error, carried all three
    in a usable form; absent or garbled headers are simply not reported. It cannot fail a call either.

    ``destinations`` says where the key may go (see ``DestinationPolicy``): by default only public internet
    addresses, checked after name resolution and before connecting; a refused destination raises
    ``DestinationNotAllowedError`` without being contacted. The client's own session ignores proxy
    variables and ``.netrc`` and never follows redirects. A ``session`` passed in is used as it is: its
    adapters, not this policy, then decide where connections go (for tests with a fake transport).
    """

    def __init__(
        self,
        api_key: str,
        tenant_org_id: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: Timeout = (5, 30),
        session: requests.Session | None = None,
        max_retries: int = 3,
        retry_budget_s: float = 30.0,
        *,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 8.0,
        max_rate_limit_wait_s: float | None = None,
        before_request: BeforeRequest | None = None,
        after_attempt: AfterAttempt | None = None,
        rate_limit_seen: RateLimitSeen | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        destinations: DestinationPolicy | None = None,
    ) -> None:
        if (
            not isinstance(api_key, str)
            or not api_key
            or not api_key.isprintable()
            or api_key != api_key.strip()
        ):
            # A key with whitespace or control characters would be refused by the HTTP stack with an error
            # text that quotes it; refuse it here without quoting it.
            raise InvalidArgumentError(
                "api_key must be a non-empty string without whitespace or control chars"
            )
        if tenant_org_id is not None and (
            not isinstance(tenant_org_id, str) or not tenant_org_id.isprintable()
        ):
            raise InvalidArgumentError("tenant_org_id must be a printable string")
        _check_base_url(base_url)
        self._api_key = Secret(api_key)
        self.tenant_org_id = tenant_org_id or None
        self.base_url = base_url.rstrip("/")
        self._transport = Transport(
            api_key=self._api_key,
            tenant_org_id=self.tenant_org_id,
            base_url=self.base_url,
            timeout=timeout,
            session=session,
            policy=RetryPolicy(
                max_retries, backoff_base_s, backoff_max_s, retry_budget_s, max_rate_limit_wait_s
            ),
            destinations=destinations if destinations is not None else DestinationPolicy(),
            before_request=before_request,
            after_attempt=after_attempt,
            rate_limit_seen=rate_limit_seen,
            clock=clock,
            sleep=sleep,
            rng=rng,
        )
        self._calls = Calls(self._transport, self.get_encoding_status)

    def __repr__(self) -> str:
        return (
            f"BitmovinClient(base_url={self.base_url!r}, api_key={mask_secret(self._api_key.reveal())!r}, "
            f"tenant_org_id={self.tenant_org_id!r})"
        )

    def __enter__(self) -> BitmovinClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP session if the client created it (a session passed in stays open)."""
        self._transport.close()

    @property
    def call_counts(self) -> dict[str, int]:
        """HTTP attempts so far by endpoint key (a snapshot)."""
        return self._transport.call_counts

    # Encodings ---------------------------------------------------------------------------------------

    def list_encodings(
        self,
        offset: int = 0,
        limit: int = DEFAULT_PAGE_SIZE,
        sort: str | None = None,
        status: str | None = None,
        type: str | None = None,
        search: str | None = None,
        *,
        include_total_count: bool = False,
        name: str | None = None,
        cloud_region: str | None = None,
        selected_cloud_region: str | None = None,
        encoder_version: str | None = None,
        selected_encoder_version: str | None = None,
        selected_encoding_mode: str | None = None,
        created_at_newer_than: datetime | None = None,
        created_at_older_than: datetime | None = None,
        started_at_newer_than: datetime | None = None,
        started_at_older_than: datetime | None = None,
        finished_at_newer_than: datetime | None = None,
        finished_at_older_than: datetime | None = None,
    ) -> Page[Encoding]:
        """One page of encodings, newest first unless ``sort`` says otherwise (e.g. ``"createdAt:asc"``).

        ``search`` takes the API's syntax: ``name:test*``, ``labels:Customer1``, joined with ``AND``.
        ``include_total_count`` is off by default, as the API discourages it; ``total_count`` is then None.
        Datetimes go out as UTC ISO 8601 with ``Z``; naive ones are taken to be UTC already.
        """
        params = page_bounds(offset, limit)
        named: dict[str, Any] = {
            "sort": sort,
            "status": status,
            "type": type,
            "search": search,
            # Sent only when asked for: the API discourages it, and false is its default anyway.
            "includeTotalCount": True if include_total_count else None,
            "name": name,
            "cloudRegion": cloud_region,
            "selectedCloudRegion": selected_cloud_region,
            "encoderVersion": encoder_version,
            "selectedEncoderVersion": selected_encoder_version,
            "selectedEncodingMode": selected_encoding_mode,
            "createdAtNewerThan": created_at_newer_than,
            "createdAtOlderThan": created_at_older_than,
            "startedAtNewerThan": started_at_newer_than,
            "startedAtOlderThan": started_at_older_than,
            "finishedAtNewerThan": finished_at_newer_than,
            "finishedAtOlderThan": finished_at_older_than,
        }
        params.update({key: query_value(key, value) for key, value in named.items() if value is not None})
        return self._calls.page("GET", "/encoding/encodings", Encoding.from_json, params=params)

    def iter_encodings(self, **filters: Any) -> Iterator[Encoding]:
        """Every encoding matching ``filters`` (those of ``list_encodings``), walking pages of 100.

        Encodings created while the walk runs shift later pages; an id already yielded is not yielded again.
        An encoding whose id is unusable is left out (and logged with the request id) and the walk goes on.
        """
        filters.pop("limit", None)
        offset = filters.pop("offset", 0)
        seen: set[str] = set()
        while True:
            page = self.list_encodings(offset=offset, limit=MAX_PAGE_SIZE, **filters)
            for encoding in page.items:
                if encoding.id not in seen:
                    seen.add(encoding.id)
                    yield encoding
            # Skipped items (unusable ids) still took their place on the page.
            offset += page.received
            if page.received < MAX_PAGE_SIZE:
                return
            if page.total_count is not None and offset >= page.total_count:
                return

    def get_encoding(self, encoding_id: str) -> Encoding:
        return self._calls.one(
            "GET", "/encoding/encodings/{id}", Encoding.from_json, path={"id": encoding_id}
        )

    def get_encoding_status(self, encoding_id: str) -> Task:
        """Status, progress, ETA (seconds), subtasks, messages and the encoder's error details."""
        return self._calls.one(
            "GET", "/encoding/encodings/{id}/status", Task.from_json, path={"id": encoding_id}
        )

    def start_encoding(
        self,
        encoding_id: str,
        start_request: Mapping[str, Any] | None = None,
        *,
        priority: int | None = None,
        encoding_mode: str | None = None,
    ) -> ResourceId:
        """Start a VOD encoding. ``start_request`` is a StartEncodingRequest as JSON (camelCase keys).

        If the answer is lost (a timeout, a dropped connection, a 502 or 504), the start is not sent again:
        the encoding's status is read instead. When it shows the encoding left CREATED the id is returned with
        ``verified_by_status=True``; otherwise ``ActionOutcomeUnknownError`` says what the status showed.
        """
        if start_request is not None and not isinstance(start_request, Mapping):
            raise InvalidArgumentError("start_request must be a mapping of StartEncodingRequest JSON keys")
        body = {key: value for key, value in dict(start_request or {}).items() if value is not None}
        if priority is not None:
            scheduling = body.get("scheduling") or {}
            if not isinstance(scheduling, Mapping):
                raise InvalidArgumentError("start_request['scheduling'] must be a mapping")
            body["scheduling"] = {**scheduling, "priority": priority_value(priority)}
        if encoding_mode is not None:
            body["encodingMode"] = str(encoding_mode)
        return self._calls.action(
            "start",
            encoding_id,
            "/encoding/encodings/{id}/start",
            body=body or None,
            verify=_START_TOOK_EFFECT,
        )

    def stop_encoding(self, encoding_id: str) -> ResourceId:
        """Stop an encoding; an unanswered stop is checked against the status (CANCELED) like a start."""
        return self._calls.action(
            "stop", encoding_id, "/encoding/encodings/{id}/stop", verify=_STOP_TOOK_EFFECT
        )

    def delete_encoding(self, encoding_id: str) -> ResourceId:
        """Delete an encoding. A retry that finds it gone after an unanswered attempt counts as success."""
        return self._calls.delete("/encoding/encodings/{id}", {"id": encoding_id}, encoding_id)

    def reprioritize_encoding(self, encoding_id: str, priority: int) -> ResourceId:
        """Change the priority (0-100, higher runs sooner) of a QUEUED encoding."""
        body = {"priority": priority_value(priority)}
        return self._calls.action(
            "reprioritize", encoding_id, "/encoding/encodings/{id}/reprioritize", body=body
        )

    # Live encodings ----------------------------------------------------------------------------------

    def stop_live_encoding(self, encoding_id: str) -> ResourceId:
        """Stop a live encoding; an unanswered stop is checked against the status (FINISHED or CANCELED)."""
        return self._calls.action(
            "live stop", encoding_id, "/encoding/encodings/{id}/live/stop", verify=_LIVE_STOP_TOOK_EFFECT
        )

    def restart_live_encoding(self, encoding_id: str) -> ResourceId:
        return self._calls.action("live restart", encoding_id, "/encoding/encodings/{id}/live/restart")

    # Account and organizations -----------------------------------------------------------------------

    def get_account_information(self) -> AccountInformation:
        """The account behind the key. API key values in the answer are masked before they reach you."""
        return self._calls.one("GET", "/account/information", AccountInformation.from_json)

    def list_organizations(self, offset: int | None = None, limit: int | None = None) -> Page[Organization]:
        """The organizations the key reaches. Bitmovin's SDK asks with no bounds, and so does this unless
        given some: the bounds are sent only for the pages after the first (iter_organizations)."""
        params = (
            None if offset is None and limit is None else page_bounds(offset or 0, limit or MAX_PAGE_SIZE)
        )
        return self._calls.page("GET", "/account/organizations", Organization.from_json, params=params)

    def iter_organizations(self) -> Iterator[Organization]:
        """Every organization the key reaches, roots and sub-organizations, each once."""
        return _every_item(self.list_organizations(), lambda offset: self.list_organizations(offset))

    def list_sub_organizations(
        self, organization_id: str, offset: int = 0, limit: int = DEFAULT_PAGE_SIZE
    ) -> Page[Organization]:
        return self._calls.page(
            "GET",
            "/account/organizations/{organization_id}/sub-organizations",
            Organization.from_json,
            path={"organization_id": organization_id},
            params=page_bounds(offset, limit),
        )

    def iter_sub_organizations(self, organization_id: str) -> Iterator[Organization]:
        """Every sub-organization of one organization, each once."""
        return _every_item(
            self.list_sub_organizations(organization_id, limit=MAX_PAGE_SIZE),
            lambda offset: self.list_sub_organizations(organization_id, offset, MAX_PAGE_SIZE),
        )

    # Webhooks ----------------------------------------------------------------------------------------

    def list_webhooks(
        self, event: str, encoding_id: str | None = None, offset: int = 0, limit: int = DEFAULT_PAGE_SIZE
    ) -> Page[Webhook]:
        """Webhooks of one event family, account-wide or for one encoding.

        The API has no list endpoint for "status-changed" webhooks; asking for one raises
        ``InvalidArgumentError`` rather than guessing from the generic notifications list.
        """
        segment = _webhook_segment(event)
        if event == "status-changed":
            raise InvalidArgumentError("the API offers no list endpoint for status-changed webhooks")
        template, path = _webhook_collection(segment, encoding_id)
        return self._calls.page(
            "GET", template, Webhook.from_json, path=path, params=page_bounds(offset, limit)
        )

    def create_webhook(
        self, event: str, url: str, signing_key: str, encoding_id: str | None = None
    ) -> Webhook:
        """Register a webhook signed with HMAC-SHA512 over the body, using ``signing_key``.

        A lost answer is not retried (a second webhook would fire twice); ``ActionOutcomeUnknownError``
        tells the caller to list the webhooks before trying again.
        """
        segment = _webhook_segment(event)
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise InvalidArgumentError("url must be an http(s) URL")
        if not isinstance(signing_key, str) or not signing_key:
            raise InvalidArgumentError("signing_key must be a non-empty string")
        template, path = _webhook_collection(segment, encoding_id)
        body = {"url": url, "method": "POST", "signature": {"type": "HMAC", "key": signing_key}}
        subject = encoding_id or "the account"
        envelope = self._calls.post(f"create {event} webhook", subject, template, path=path, body=body)
        return self._calls.parse(envelope, Webhook.from_json)

    def delete_webhook(self, event: str, webhook_id: str, encoding_id: str | None = None) -> ResourceId:
        segment = _webhook_segment(event)
        validate_path_value("webhook_id", webhook_id)
        if event == "status-changed" or encoding_id is None:
            # Status-changed webhooks are deleted by notification id alone, whichever encoding they watch.
            template, path = f"{_WEBHOOKS}/{segment}/{{webhook_id}}", {"webhook_id": webhook_id}
        else:
            validate_path_value("encoding_id", encoding_id)
            template = f"{_WEBHOOKS}/{{id}}/{segment}/{{webhook_id}}"
            path = {"id": encoding_id, "webhook_id": webhook_id}
        return self._calls.delete(template, path, webhook_id)


def _check_base_url(base_url: object) -> None:
    # The URL is not quoted back: it may hold credentials, and it is the caller's own input anyway.
    if not isinstance(base_url, str):
        raise InvalidArgumentError("base_url must be an http:// or https:// URL")
    try:
        parts = urlsplit(base_url)
    except ValueError:
        raise InvalidArgumentError("base_url is not a well-formed URL") from None
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise InvalidArgumentError("base_url must be an http:// or https:// URL")
    if "@" in parts.netloc:
        # requests would send user:password from the URL as Basic credentials, to whichever host it names.
        raise InvalidArgumentError("base_url must not contain credentials")


def _webhook_segment(event: str) -> str:
    if event not in WEBHOOK_EVENTS:
        raise InvalidArgumentError(f"event must be one of {', '.join(WEBHOOK_EVENTS)}, got {event!r}")
    return WEBHOOK_EVENTS[event]


def _webhook_collection(segment: str, encoding_id: str | None) -> tuple[str, dict[str, str]]:
    if encoding_id is None:
        return f"{_WEBHOOKS}/{segment}", {}
    validate_path_value("encoding_id", encoding_id)
    return f"{_WEBHOOKS}/{{id}}/{segment}", {"id": encoding_id}


def _every_item(
    first: Page[Organization], page_at: Callable[[int], Page[Organization]]
) -> Iterator[Organization]:
    """The items of `first` and of the pages after it (asked with `page_at(offset)`) while an answer says
    more follow: a `next` link, a total beyond what was read, or a page as full as its limit. An id already
    yielded is not yielded again, and a page with nothing new ends the walk (an API that ignored the
    offset would otherwise be asked forever)."""
    seen: set[str] = set()
    page, offset = first, 0
    while True:
        new = [item for item in page.items if item.id not in seen]
        for item in new:
            seen.add(item.id)
            yield item
        offset += page.received
        more = bool(page.next) or (page.total_count is not None and offset < page.total_count)
        full = page.limit is not None and page.received >= page.limit
        if not new or not (more or full):
            return
        page = page_at(offset)
