"""One exception tree for everything that can go wrong between the dashboard and the API.

Every error keeps its evidence (``request_id``, ``http_status``, ``code``, the API's ``message`` and
``developer_message``, ``links`` and ``details``) so that a page can explain it in plain words and an operator
can quote the request id to Bitmovin support. ``retryable`` says whether the same call may succeed later;
``retry_after`` (seconds) says when, if the API or the client knows.

``is_transient(error)`` is the one answer to "may trying again help?": the client's own retries of GETs, a
sync run and a refresh task all ask it. Transient are a 429, any 5xx, no answer at all, and an answer broken
on its way (not JSON, cut short, a proxy's page); an answer whose content is wrong (an unusable id, a result
of the wrong shape), a redirect, and every other 4xx come back the same however often they are asked.

The text of an error never holds the API key (the client scrubs every body before decoding it) nor a full
response body: only a ``ProtocolError`` shows a short excerpt, because there the body is the evidence.

HTTP statuses and API codes map onto the classes as follows (first match wins):

=============================  ======================================
429                            RateLimitedError
502, 503, 504                  ServiceUnavailableError
any other 5xx                  ServerError
401; 4xx with code 1002        AuthenticationError
403; 4xx with code 1003        PermissionDeniedError
404                            NotFoundError
409                            ConflictError
400; 4xx with code 1000, 1001  ValidationError
any other 4xx                  ApiError
=============================  ======================================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from .types import Link, Message

_MAX_TEXT = 300


def _clip(text: str, limit: int = _MAX_TEXT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class BitmovinError(Exception):
    """Base class: nothing else escapes a ``BitmovinClient`` method."""

    default_retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str = "",
        *,
        request_id: str | None = None,
        http_status: int | None = None,
        code: int | None = None,
        developer_message: str | None = None,
        links: Sequence[Link] = (),
        details: Sequence[Message] = (),
        retryable: bool | None = None,
        retry_after: float | None = None,
        method: str | None = None,
        endpoint: str | None = None,
        body_excerpt: str | None = None,
    ) -> None:
        self.message = message
        self.request_id = request_id
        self.http_status = http_status
        self.code = code
        self.developer_message = developer_message
        self.links = tuple(links)
        self.details = tuple(details)
        self.retryable = self.default_retryable if retryable is None else retryable
        self.retry_after = retry_after
        self.method = method
        self.endpoint = endpoint
        self.body_excerpt = body_excerpt
        # How many HTTP attempts the client made before giving up; set by the transport.
        self.attempts = 1
        super().__init__(message)

    def __str__(self) -> str:
        # The request id comes first: it is what support asks for, and what a log search starts from.
        prefix = f"{self.request_id}: " if self.request_id else ""
        parts = []
        if self.http_status is not None:
            parts.append(f"HTTP {self.http_status}")
        if self.code is not None:
            parts.append(f"code {self.code}")
        text = _clip(self.message or type(self).__name__)
        if self.developer_message and self.developer_message != self.message:
            text += f" ({_clip(self.developer_message)})"
        if self.endpoint:
            text += f" [{self.endpoint}]"
        return prefix + (f"{', '.join(parts)}: {text}" if parts else text)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(request_id={self.request_id!r}, http_status={self.http_status!r}, "
            f"code={self.code!r}, message={_clip(self.message, 120)!r}, retryable={self.retryable!r})"
        )

    def __reduce__(self) -> Any:
        # Celery pickles exceptions; keyword-only constructors need help to survive that.
        return (_rebuild_error, (type(self), self.__dict__.copy()))


def _rebuild_error(cls: type[BitmovinError], state: dict[str, Any]) -> BitmovinError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error


class ApiError(BitmovinError):
    """The API answered with an error status that has no more specific class."""


class AuthenticationError(ApiError):
    """The API key was not accepted (HTTP 401, code 1002)."""


class PermissionDeniedError(ApiError):
    """The key is valid but may not do this, or not in this organization (HTTP 403, code 1003)."""


class NotFoundError(ApiError):
    """The resource does not exist, or not in the organization the key belongs to (HTTP 404).

    ``after_unanswered_attempt`` is True when an earlier attempt of the same idempotent request got no answer
    (a timeout, a 504): a DELETE that ends here most likely succeeded the first time.
    """

    after_unanswered_attempt: bool = False


class ValidationError(ApiError):
    """The request was refused as invalid (HTTP 400, codes 1000 and 1001)."""


class ConflictError(ApiError):
    """The resource's state does not allow this now (HTTP 409), e.g. deleting a running encoding."""


class RateLimitedError(ApiError):
    """Too many requests (HTTP 429). ``retry_after`` is always set: wait that long before the next call."""

    default_retryable = True


class ServiceUnavailableError(ApiError):
    """The API or a gateway in front of it is unavailable or overloaded (HTTP 502, 503, 504)."""

    default_retryable = True


class ServerError(ApiError):
    """The API failed with another 5xx status (of 1004 Bitmovin says: try again in a few minutes)."""

    default_retryable = True


class TransportError(BitmovinError):
    """No HTTP answer at all: refused connection, DNS failure, timeout, TLS failure, dropped connection.

    ``kind`` is one of ``dns``, ``connect``, ``connect_timeout``, ``read_timeout``, ``tls``,
    ``connection_lost``, ``invalid_url``, ``not_allowed`` or ``other``. ``request_sent`` is False when the
    request certainly never reached the API (so even a POST may be sent again) and True when it may have.

    ``message`` says what failed in plain words and never quotes the remote side; ``cause`` keeps what the
    HTTP stack said (key scrubbed), for logs and developers only: it may name hosts and ports.
    """

    default_retryable = True

    def __init__(
        self,
        message: str = "",
        *,
        kind: str = "other",
        request_sent: bool = True,
        cause: str = "",
        **kwargs: Any,
    ):
        super().__init__(message, **kwargs)
        self.kind = kind
        self.request_sent = request_sent
        self.cause = cause

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text} ({_clip(self.cause, 200)})" if self.cause else text


class DestinationNotAllowedError(TransportError):
    """The client refused to connect: the base URL's host is, or resolves to, an address the destination
    policy does not allow (loopback, private, link-local, unspecified, multicast), or a proxy was asked for.
    Nothing was sent, not even a connection attempt; retrying cannot help."""

    default_retryable = False

    def __init__(self, message: str = "the destination is not allowed", **kwargs: Any):
        kwargs.setdefault("kind", "not_allowed")
        kwargs.setdefault("request_sent", False)
        super().__init__(message, **kwargs)


class ProtocolError(BitmovinError):
    """The answer broke the API's contract: not JSON, truncated, an HTML page, a missing envelope key,
    status ERROR with a 2xx HTTP status, SUCCESS without data, or a result of the wrong shape.

    Retryable unless raised otherwise: a body cut short or replaced by a proxy is usually whole the next time.
    A result of the wrong shape and a redirect are raised with ``retryable=False``."""

    default_retryable = True

    def __str__(self) -> str:
        text = super().__str__()
        if self.body_excerpt:
            text += f" | body starts: {self.body_excerpt!r}"
        return text


class InvalidItemError(ProtocolError):
    """One object of an answer has an id that is missing or unusable (see ``ids.is_valid_id``).

    In a list, only that item is left out: the page's other items are returned, and this error is kept in
    ``Page.skipped``. A single-object answer (``get_encoding``) raises it. ``kind`` names what the id
    identifies ("encoding", "webhook" ...), ``position`` is the item's index in the page's ``items`` (None
    for a single object). It never carries the body: the message names the bad id, clipped.
    """

    # The API holds the id as it is: asking again returns the same.
    default_retryable = False

    def __init__(self, message: str = "", *, kind: str = "item", position: int | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.kind = kind
        self.position = position


class ActionOutcomeUnknownError(BitmovinError):
    """An action (POST) got no usable answer, and the client could not confirm that it took effect.

    The action was not sent again. ``observed_status`` is the encoding's status read afterwards, when the
    client could read it (for start and stop); ``cause`` is the error that made the outcome unknown.
    """

    def __init__(
        self,
        message: str = "",
        *,
        action: str,
        resource_id: str,
        observed_status: str | None = None,
        cause: BitmovinError | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.action = action
        self.resource_id = resource_id
        self.observed_status = observed_status
        self.cause = cause


class InvalidArgumentError(BitmovinError, ValueError):
    """The caller passed something the client refuses to send (an empty id, a priority outside 0-100)."""


def is_transient(error: BaseException) -> bool:
    """May the same call succeed if made again later? (See the module's docstring.)"""
    return isinstance(error, BitmovinError) and error.retryable


def error_class_for(http_status: int | None, code: int | None) -> type[BitmovinError]:
    """The exception class for an HTTP error status and the API code in its body (see the module table)."""
    if http_status == 429:
        return RateLimitedError
    if http_status in (502, 503, 504):
        return ServiceUnavailableError
    if http_status is not None and 500 <= http_status <= 599:
        # A server failure stays one whatever code it carries: the code says what, not who is at fault.
        return ServerError
    if http_status == 401 or code == 1002:
        return AuthenticationError
    if http_status == 403 or code == 1003:
        return PermissionDeniedError
    if http_status == 404:
        return NotFoundError
    if http_status == 409:
        return ConflictError
    if http_status == 400 or code in (1000, 1001):
        return ValidationError
    return ApiError
