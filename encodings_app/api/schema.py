"""What the OpenAPI schema says beyond the views' serializers: the envelope around every response, the
error envelope for every error status, the X-Request-Id header, and the X-Api-Key security scheme.

The schema is checked against real answers (tests/api/test_schema_fuzz.py), so it must describe what the
renderer and the exception handler really send.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from encodings_app.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET
from encodings_app.api.serializers import LinkSerializer, MessageSerializer

TAG_ORGANIZATIONS = "Organizations"
TAG_ENCODINGS = "Encodings"
TAG_ACTIONS = "Actions"

ERROR_DESCRIPTIONS = {
    400: "A parameter or field is missing (1000) or not valid (1001); data.details name each one.",
    401: "No credentials, or an unknown or revoked API key (1002).",
    403: "Your role does not allow this (1003), or a session request without its CSRF token.",
    404: "No such organization, encoding or URL for you (1005).",
    409: "Bitmovin refused the action because of the encoding's state (Bitmovin's own code, e.g. 2030).",
    415: "The request body is not application/json (1001).",
    429: "Your own limit of actions per user is reached (1007); nothing was sent. Wait Retry-After seconds.",
    500: "An undefined error (1004); quote the requestId.",
    502: "Bitmovin could not be reached, or failed, or refused the organization's key.",
    504: "Bitmovin did not answer in time; the action was not sent again and may or may not have happened.",
}


class ErrorDataSerializer(serializers.Serializer):
    code = serializers.IntegerField(help_text="An error code of the seed's table, or Bitmovin's own.")
    message = serializers.CharField()
    developerMessage = serializers.CharField()
    links = LinkSerializer(many=True, required=False)
    details = MessageSerializer(many=True, required=False)


class ErrorEnvelopeSerializer(serializers.Serializer):
    requestId = serializers.UUIDField()
    status = serializers.ChoiceField(choices=["ERROR"])
    data = ErrorDataSerializer()


_ENVELOPES: dict[str, type[serializers.Serializer]] = {}


def envelope(name: str, result: serializers.Field) -> type[serializers.Serializer]:
    """The success envelope around ``result``: {requestId, status: SUCCESS, data: {result, messages}}."""
    if name not in _ENVELOPES:
        data = type(
            f"{name}Data",
            (serializers.Serializer,),
            {"result": result, "messages": MessageSerializer(many=True, required=False)},
        )
        _ENVELOPES[name] = type(
            f"{name}Envelope",
            (serializers.Serializer,),
            {
                "requestId": serializers.UUIDField(),
                "status": serializers.ChoiceField(choices=["SUCCESS"]),
                "data": data(),
            },
        )
    return _ENVELOPES[name]


def page_of(name: str, item: type[serializers.Serializer]) -> serializers.Serializer:
    """Bitmovin's PaginationResponse around ``item``."""
    page = type(
        f"{name}Page",
        (serializers.Serializer,),
        {
            "totalCount": serializers.IntegerField(required=False, help_text="Only with includeTotalCount."),
            "offset": serializers.IntegerField(),
            "limit": serializers.IntegerField(),
            "previous": serializers.URLField(allow_null=True),
            "next": serializers.URLField(allow_null=True),
            "items": item(many=True),
        },
    )
    return page()


def responses(name: str, result: serializers.Field, *errors: int) -> dict[int, Any]:
    return {200: envelope(name, result), **error_responses(*errors)}


def error_responses(*errors: int) -> dict[int, Any]:
    """The error envelope for these statuses and those every operation may answer."""
    return {
        status: OpenApiResponse(ErrorEnvelopeSerializer, description=ERROR_DESCRIPTIONS[status])
        for status in sorted({401, 404, 500, *errors})
    }


PAGE_PARAMETERS = [
    OpenApiParameter(
        "offset", OpenApiTypes.INT, description="Index of the first item (default 0).", default=0
    ),
    OpenApiParameter(
        "limit",
        OpenApiTypes.INT,
        description=f"Items per page: default {DEFAULT_LIMIT}, at most {MAX_LIMIT} (more is a 400, 1001).",
        default=DEFAULT_LIMIT,
    ),
    OpenApiParameter(
        "includeTotalCount",
        OpenApiTypes.BOOL,
        description="Add totalCount to the page (costs a COUNT).",
        default=False,
    ),
]
_BOUNDS = {"offset": (0, MAX_OFFSET), "limit": (1, MAX_LIMIT)}

SLUG = OpenApiParameter(
    "slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="The organization's slug."
)
ENCODING_ID = OpenApiParameter(
    "encoding_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="The encoding's Bitmovin id."
)


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "encodings_app.api.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Api-Key",
            "description": "A personal API token from the account page (/account/); it acts as its user.",
        }


def finish_schema(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS: bounds of the paging parameters, path parameter formats, and the X-Request-Id
    header on every response (drf-spectacular has no per-project default for either)."""
    result.setdefault("components", {}).setdefault("headers", {})["X-Request-Id"] = {
        "description": "The requestId of the envelope, for support and log searches.",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
    }
    request_id_header = {"$ref": "#/components/headers/X-Request-Id"}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for parameter in operation.get("parameters", []):
                _tighten(parameter)
            for response in operation["responses"].values():
                response.setdefault("headers", {})["X-Request-Id"] = request_id_header
    return result


def _tighten(parameter: dict[str, Any]) -> None:
    schema = parameter.setdefault("schema", {})
    name = parameter.get("name")
    if parameter.get("in") == "query" and name in _BOUNDS:
        schema["minimum"], schema["maximum"] = _BOUNDS[name]
    if parameter.get("in") == "path":
        schema["minLength"] = 1
        if name == "slug":
            schema["pattern"] = "^[a-z0-9]+(?:-[a-z0-9]+)*$"
