"""Every error of the API as the seed's ResponseErrorData: code, message, developerMessage, links, details.

One exception handler turns whatever a view raised into that shape with the matching HTTP status; anything
unexpected becomes a 500 with code 1004 and the request id, its traceback going to the log only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from encodings_app.api import codes
from encodings_app.api.envelope import link, message, request_id_of
from encodings_app.safe_links import api_links

logger = logging.getLogger(__name__)

API_DOCS_LINK = link("/api/v1/docs/", "API documentation")
# A path on this site: one slash, then no second slash, backslash, whitespace or control character.
_OWN_PATH = re.compile(r"/(?![/\\])[^\s\\\x00-\x1f\x7f]*")


def error_data(
    *,
    code: int,
    message_text: str,
    developer_message: str = "",
    links: Iterable[Mapping[str, str]] = (),
    details: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    return {
        "code": code,
        "message": message_text,
        "developerMessage": developer_message or message_text,
        "links": _links(links),
        "details": [dict(item) for item in details],
    }


def _links(links: Iterable[Mapping[str, str]]) -> list[dict[str, str]]:
    """The API's own links are paths on this site (its docs); any other link, such as those Bitmovin sent
    with an action's error, goes out only when it is a web link (see safe_links)."""
    kept: list[dict[str, str]] = []
    for item in links:
        if _OWN_PATH.fullmatch(str(item.get("href", ""))):
            kept.append(dict(item))
        else:
            kept.extend(api_links([item]))
    return kept


class EnvelopeError(exceptions.APIException):
    """An error the API answers on purpose, with its code, HTTP status and evidence."""

    def __init__(
        self,
        *,
        status: int,
        code: int,
        message_text: str,
        developer_message: str = "",
        links: Iterable[Mapping[str, str]] = (),
        details: Iterable[Mapping[str, Any]] = (),
        retry_after: int | None = None,
    ) -> None:
        super().__init__(detail=message_text)
        self.status_code = status
        # DRF's exception handler sends an exception's `wait` as the Retry-After header.
        self.wait = retry_after
        self.data = error_data(
            code=code,
            message_text=message_text,
            developer_message=developer_message,
            links=links,
            details=details,
        )


class ParameterProblems:
    """Collects every bad parameter of a request, so that one 400 names them all."""

    def __init__(self) -> None:
        self.missing: list[tuple[str, str]] = []
        self.invalid: list[tuple[str, str]] = []

    def add(self, field: str, text: str, *, missing: bool = False) -> None:
        (self.missing if missing else self.invalid).append((field, text))

    def __bool__(self) -> bool:
        return bool(self.missing or self.invalid)

    def error(self) -> EnvelopeError | None:
        if not self:
            return None
        problems = self.missing + self.invalid
        code = codes.MISSING_FIELD if self.missing and not self.invalid else codes.INVALID_PARAMETER
        names = ", ".join(dict.fromkeys(field or "body" for field, _ in problems))
        return EnvelopeError(
            status=400,
            code=code,
            message_text=f"{codes.TITLES[code]}: {names}",
            developer_message=" ".join(text for _, text in problems),
            links=[API_DOCS_LINK],
            details=[message("ERROR", text, field=field) for field, text in problems],
        )

    def raise_if_any(self) -> None:
        error = self.error()
        if error is not None:
            raise error


# DRF's own exceptions -> (code, message shown to people); the status is the exception's own.
_DRF_CODES: tuple[tuple[type[exceptions.APIException], int, str], ...] = (
    (exceptions.NotAuthenticated, codes.INVALID_CREDENTIALS, "Invalid credentials"),
    (exceptions.AuthenticationFailed, codes.INVALID_CREDENTIALS, "Invalid credentials"),
    (exceptions.PermissionDenied, codes.UNAUTHORIZED, "You are not authorized to access this resource"),
    (exceptions.NotFound, codes.UNKNOWN_URL, "Not found"),
    (exceptions.MethodNotAllowed, codes.WRONG_METHOD, "Request method not valid"),
    (exceptions.ParseError, codes.INVALID_PARAMETER, "The request body is not valid JSON"),
    (exceptions.UnsupportedMediaType, codes.INVALID_PARAMETER, "Send the request body as application/json"),
    (exceptions.NotAcceptable, codes.INVALID_PARAMETER, "The API answers in application/json only"),
)

_CREDENTIALS_HELP = (
    "Send a personal API token in the X-Api-Key header (create one on the account page, /account/), "
    "or sign in to the dashboard in this browser."
)


def _validation_details(detail: Any, prefix: str = "") -> list[tuple[str, str, str]]:
    """(field, text, code) for every leaf of a serializer's error tree."""
    if isinstance(detail, Mapping):
        found = []
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else str(key)
            found += _validation_details(value, f"{prefix}.{name}" if prefix and name else prefix or name)
        return found
    if isinstance(detail, list):
        found = []
        for value in detail:
            found += _validation_details(value, prefix)
        return found
    return [(prefix, str(detail), getattr(detail, "code", "invalid") or "invalid")]


def _from_validation_error(exc: exceptions.ValidationError) -> dict[str, Any]:
    problems = ParameterProblems()
    for field, text, error_code in _validation_details(exc.detail):
        problems.add(field, text, missing=error_code in ("required", "null"))
    error = problems.error()
    if error is None:
        return error_data(code=codes.INVALID_PARAMETER, message_text=codes.TITLES[codes.INVALID_PARAMETER])
    return error.data


def _from_drf(exc: exceptions.APIException) -> dict[str, Any]:
    if isinstance(exc, EnvelopeError):
        return exc.data
    if isinstance(exc, exceptions.ValidationError):
        return _from_validation_error(exc)
    detail = str(exc.detail) if not isinstance(exc.detail, list | dict) else ""
    for kind, code, text in _DRF_CODES:
        if isinstance(exc, kind):
            if code == codes.INVALID_CREDENTIALS:
                return error_data(
                    code=code,
                    message_text=text,
                    developer_message=f"{detail} {_CREDENTIALS_HELP}".strip(),
                    links=[API_DOCS_LINK],
                )
            if kind in (exceptions.PermissionDenied, exceptions.NotFound):
                # The access layer's words ("No such organization") are the ones to show.
                return error_data(code=code, message_text=detail or text, developer_message=detail or text)
            return error_data(code=code, message_text=text, developer_message=detail or text)
    code = codes.UNDEFINED_ERROR if exc.status_code >= 500 else codes.INVALID_PARAMETER
    return error_data(code=code, message_text=detail or codes.TITLES[code])


def envelope_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every error in the envelope, never a traceback in the body."""
    response = drf_exception_handler(exc, context)
    request = context.get("request")
    if response is None:
        set_rollback()
        request_id = request_id_of(request) if request is not None else ""
        logger.error(
            "unhandled error answering %s %s (request_id %s)",
            getattr(request, "method", "?"),
            getattr(request, "path", "?"),
            request_id,
            exc_info=exc,
        )
        data = error_data(
            code=codes.UNDEFINED_ERROR,
            message_text="An undefined error occurred. Quote the requestId when you report it.",
            developer_message=f"{type(exc).__name__} while answering; the server log has the details "
            f"under request_id {request_id}.",
        )
        return Response(data, status=500)
    if isinstance(exc, exceptions.APIException):
        response.data = _from_drf(exc)
    else:
        # DRF turned a Django Http404 or PermissionDenied into its own; map the converted status.
        converted = exceptions.NotFound if response.status_code == 404 else exceptions.PermissionDenied
        response.data = _from_drf(converted(str(exc) or None))
    return response
