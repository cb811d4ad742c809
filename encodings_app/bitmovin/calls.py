"""The request patterns the endpoints are built from (one object, one page, one action, one delete) and
the checks on what callers pass in."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from ._convert import InvalidIdError, ShapeError, as_int, as_str
from .envelope import Envelope
from .errors import (
    ActionOutcomeUnknownError,
    BitmovinError,
    InvalidArgumentError,
    InvalidItemError,
    NotFoundError,
    ProtocolError,
    ServiceUnavailableError,
    TransportError,
)
from .transport import Transport, validate_path_value
from .types import Page, ResourceId, Task

T = TypeVar("T")

logger = logging.getLogger("encodings_app.bitmovin")

MAX_PAGE_SIZE = 100


class Calls:
    def __init__(self, transport: Transport, read_status: Callable[[str], Task]) -> None:
        self._transport = transport
        # Used after an unanswered start or stop; reading through the client keeps retries and counting.
        self._read_status = read_status

    def one(
        self,
        method: str,
        template: str,
        parse: Callable[[Mapping[str, Any]], T],
        *,
        path: Mapping[str, str] | None = None,
    ) -> T:
        for name, value in (path or {}).items():
            validate_path_value(name, value)
        return self.parse(self._transport.request(method, template, path=path), parse)

    def page(
        self,
        method: str,
        template: str,
        parse: Callable[[Mapping[str, Any]], T],
        *,
        path: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Page[T]:
        for name, value in (path or {}).items():
            validate_path_value(name, value)
        endpoint = f"{method} {template}"
        envelope = self._transport.request(method, template, path=path, params=params)
        page: Page[T] = self.parse(
            envelope,
            lambda result: page_from_json(  # type: ignore[arg-type, return-value]
                result, parse, request_id=envelope.request_id, endpoint=endpoint
            ),
        )
        for skipped in page.skipped:
            # The request id leads the text: it is what Bitmovin support needs to find the answer.
            logger.warning("bitmovin %s: an item was left out: %s", endpoint, skipped)
        return page

    def parse(self, envelope: Envelope, parse: Callable[[Mapping[str, Any]], T]) -> T:
        try:
            if not isinstance(envelope.result, dict):
                raise ShapeError(f"data.result is {type(envelope.result).__name__}, expected an object")
            parsed = parse(envelope.result)
            return with_evidence(parsed, envelope)
        except InvalidIdError as exc:
            raise InvalidItemError(
                f"the answer holds {exc}",
                kind=exc.what,
                request_id=envelope.request_id,
                http_status=envelope.http_status,
            ) from None
        except (
            ShapeError,
            TypeError,
            ValueError,
            AttributeError,
            KeyError,
            OverflowError,
            RecursionError,
        ) as exc:
            # A whole answer of the wrong shape is what the API holds, not damage on the way: not retried.
            raise ProtocolError(
                f"unexpected result shape: {exc}",
                request_id=envelope.request_id,
                http_status=envelope.http_status,
                retryable=False,
            ) from None

    def resource_id(self, envelope: Envelope, requested_id: str) -> ResourceId:
        if envelope.http_status == 204 and envelope.result is None:
            return ResourceId(requested_id, request_id=envelope.request_id)
        result = envelope.result if isinstance(envelope.result, dict) else {}
        resource_id = as_str(result.get("id"))
        if not resource_id:
            raise ProtocolError(
                "the action's answer has no data.result.id",
                request_id=envelope.request_id,
                http_status=envelope.http_status,
            )
        return ResourceId(resource_id, request_id=envelope.request_id, response_messages=envelope.messages)

    def post(
        self, action: str, subject: str, template: str, *, path: Mapping[str, str], body: Any = None
    ) -> Envelope:
        """A POST that is never re-sent once it may have reached the API.

        Failures where the request certainly did not reach the API (DNS, refused connection, connect
        timeout, a 503 refusal) are raised as they are, and the caller may simply try again. Failures after
        which it may have been processed (a read timeout, a dropped connection, a 502 or 504) become
        ``ActionOutcomeUnknownError``.
        """
        try:
            return self._transport.request("POST", template, path=path, body=body)
        except (TransportError, ServiceUnavailableError) as error:
            if isinstance(error, TransportError) and not error.request_sent:
                raise
            if isinstance(error, ServiceUnavailableError) and error.http_status == 503:
                raise
            raise unknown_outcome(action, subject, error) from error

    def action(
        self,
        action: str,
        encoding_id: str,
        template: str,
        *,
        body: Mapping[str, Any] | None = None,
        verify: frozenset[str] | None = None,
    ) -> ResourceId:
        """An encoding action; with ``verify``, an unanswered one is settled by reading the status."""
        validate_path_value("encoding_id", encoding_id)
        try:
            envelope = self.post(action, encoding_id, template, path={"id": encoding_id}, body=body)
        except ActionOutcomeUnknownError as unknown:
            if verify is None or unknown.cause is None:
                raise
            return self._verify(action, encoding_id, unknown.cause, verify)
        return self.resource_id(envelope, encoding_id)

    def _verify(
        self, action: str, encoding_id: str, cause: BitmovinError, took_effect: frozenset[str]
    ) -> ResourceId:
        try:
            task = self._read_status(encoding_id)
        except BitmovinError as status_error:
            raise unknown_outcome(action, encoding_id, cause, status_error=status_error) from status_error
        if task.status in took_effect:
            return ResourceId(encoding_id, request_id=task.request_id, verified_by_status=True)
        raise unknown_outcome(action, encoding_id, cause, observed_status=task.status)

    def delete(self, template: str, path: Mapping[str, str], requested_id: str) -> ResourceId:
        """A DELETE; a retry that finds the resource gone after an unanswered attempt counts as success."""
        for name, value in path.items():
            validate_path_value(name, value)
        try:
            envelope = self._transport.request("DELETE", template, path=path)
        except NotFoundError as error:
            if error.after_unanswered_attempt:
                return ResourceId(requested_id, request_id=error.request_id)
            raise
        return self.resource_id(envelope, requested_id)


def unknown_outcome(
    action: str,
    subject: str,
    cause: BitmovinError,
    *,
    observed_status: str | None = None,
    status_error: BitmovinError | None = None,
) -> ActionOutcomeUnknownError:
    if isinstance(cause, TransportError):
        what = "timed out" if cause.kind == "read_timeout" else "lost its connection"
    else:
        what = f"got HTTP {cause.http_status}"
    message = f"{action} of {subject} {what}; it was not sent again"
    if observed_status is not None:
        message += f", and the status afterwards is {observed_status}, so it has not taken effect (yet)"
    elif status_error is not None:
        message += f", and the status could not be read ({type(status_error).__name__})"
    else:
        message += ", so whether it took effect is unknown"
    return ActionOutcomeUnknownError(
        message + ": check before trying again",
        action=action,
        resource_id=subject,
        observed_status=observed_status,
        cause=cause,
        request_id=cause.request_id,
        http_status=cause.http_status,
        method=cause.method,
        endpoint=cause.endpoint,
    )


def page_from_json(
    result: Mapping[str, Any],
    parse: Callable[[Mapping[str, Any]], T],
    *,
    request_id: str | None = None,
    endpoint: str | None = None,
) -> Page[T]:
    """A page; an item whose id is unusable is left out and reported in ``skipped``, the rest go on."""
    items = result.get("items")
    if not isinstance(items, list):
        raise ShapeError("a list result without an items array")
    if not all(isinstance(item, dict) for item in items):
        raise ShapeError("a list result whose items are not all objects")
    parsed: list[T] = []
    skipped: list[InvalidItemError] = []
    for position, item in enumerate(items):
        try:
            parsed.append(parse(item))
        except InvalidIdError as exc:
            skipped.append(
                InvalidItemError(
                    f"item {position} of the list is {exc}",
                    kind=exc.what,
                    position=position,
                    request_id=request_id,
                    endpoint=endpoint,
                )
            )
    return Page(
        items=tuple(parsed),
        skipped=tuple(skipped),
        offset=as_int(result.get("offset")),
        limit=as_int(result.get("limit")),
        total_count=as_int(result.get("totalCount")),
        next=as_str(result.get("next")),
        previous=as_str(result.get("previous")),
    )


def with_evidence(parsed: T, envelope: Envelope) -> T:
    """Attach the envelope's request id and messages to a frozen result."""
    if dataclasses.is_dataclass(parsed) and hasattr(parsed, "request_id"):
        return dataclasses.replace(  # type: ignore[type-var]
            parsed, request_id=envelope.request_id, response_messages=envelope.messages
        )
    return parsed


def query_value(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds").replace(
            "+00:00", "Z"
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | str):
        return str(value)
    raise InvalidArgumentError(f"{name} has an unsupported type {type(value).__name__}")


def page_bounds(offset: int, limit: int) -> dict[str, str]:
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise InvalidArgumentError(f"offset must be an integer >= 0, got {offset!r}")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidArgumentError(f"limit must be an integer from 1 to {MAX_PAGE_SIZE}, got {limit!r}")
    return {"offset": str(offset), "limit": str(limit)}


def priority_value(priority: int) -> int:
    if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 100:
        raise InvalidArgumentError(f"priority must be an integer from 0 to 100, got {priority!r}")
    return priority


def as_date(name: str, value: date | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidArgumentError(f"{name} must be a date or 'yyyy-MM-dd', got {value!r}")
