"""Builders and assertions for the API tests: tokens, calls with X-Api-Key, and the envelope's shape."""

from __future__ import annotations

import uuid
from typing import Any

from django.test import Client

from encodings_app.services.api_tokens import api_token_create

API = "/api/v1"


def token_for(user, name: str = "script") -> str:
    return api_token_create(user=user, name=name)[1]


class ApiCaller:
    """Calls the API in-process with a personal token, like a script would."""

    def __init__(self, token: str | None) -> None:
        self.token = token
        self.client = Client()

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        merged = {"X-Api-Key": self.token} if self.token else {}
        return {**merged, **(headers or {})}

    def get(self, path: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None):
        return self.client.get(API + path, params or {}, headers=self._headers(headers))

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None):
        if body is None:
            return self.client.post(API + path, headers=self._headers(headers))
        return self.client.post(
            API + path, body, content_type="application/json", headers=self._headers(headers)
        )

    def delete(self, path: str, headers: dict[str, str] | None = None):
        return self.client.delete(API + path, headers=self._headers(headers))

    def call(self, method: str, path: str, **kwargs):
        return self.client.generic(
            method, API + path, headers=self._headers(kwargs.pop("headers", None)), **kwargs
        )


def result_of(response, status: int = 200) -> Any:
    """data.result of a SUCCESS envelope, after checking the envelope itself."""
    body = envelope_of(response, status)
    assert body["status"] == "SUCCESS", body
    return body["data"]["result"]


def error_of(response, status: int, code: int) -> dict[str, Any]:
    """data of an ERROR envelope, after checking the envelope, the HTTP status and the code."""
    body = envelope_of(response, status)
    assert body["status"] == "ERROR", body
    data = body["data"]
    assert data["code"] == code, data
    assert isinstance(data["message"], str) and data["message"]
    assert isinstance(data["developerMessage"], str) and data["developerMessage"]
    assert isinstance(data.get("links", []), list)
    assert isinstance(data.get("details", []), list)
    return data


def envelope_of(response, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:600])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) <= {"requestId", "status", "data", "more"}
    assert str(uuid.UUID(body["requestId"])) == body["requestId"]
    assert response["X-Request-Id"] == body["requestId"]
    return body


def fields_named(data: dict[str, Any]) -> list[str]:
    return [detail.get("field") for detail in data["details"]]
