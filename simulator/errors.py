"""The API's error envelope as an exception, raised anywhere and rendered by the server."""

from __future__ import annotations

from typing import Any

from simulator.docs import API_BASICS


class ApiError(Exception):
    """An ERROR envelope waiting to be sent: HTTP status, API code and both messages."""

    def __init__(
        self,
        http_status: int,
        code: int,
        message: str,
        developer_message: str | None = None,
        *,
        field: str | None = None,
        details: list[dict[str, Any]] | None = None,
        links: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{http_status} {code} {message}")
        self.http_status = http_status
        self.code = code
        self.message = message
        self.developer_message = developer_message or message
        self.field = field
        self.details = details
        self.links = links
        self.headers = headers or {}

    def data(self, detail_id: str, date: str) -> dict[str, Any]:
        details = self.details
        if details is None:
            detail: dict[str, Any] = {
                "id": detail_id,
                "date": date,
                "type": "ERROR",
                "text": self.developer_message,
            }
            if self.field:
                detail["field"] = self.field
            details = [detail]
        return {
            "code": self.code,
            "message": self.message,
            "developerMessage": self.developer_message,
            "links": self.links
            if self.links is not None
            else [{"href": API_BASICS, "title": f"Error code {self.code}"}],
            "details": details,
        }


def bad_parameter(name: str, problem: str) -> ApiError:
    return ApiError(
        400, 1001, "Parameter not valid", f"Parameter '{name}' is not valid: {problem}", field=name
    )


def missing_field(name: str) -> ApiError:
    return ApiError(
        400, 1000, "Missing attribute or field", f"Required field '{name}' is missing or empty", field=name
    )


def not_found(kind: str, resource_id: str) -> ApiError:
    # The contract does not name a code for an unknown id; 1001 keeps it a parameter problem (README).
    return ApiError(
        404, 1001, "Parameter not valid", f"{kind} with id '{resource_id}' was not found", field="id"
    )
