"""Routes, the request a handler sees, and the reply it gives back."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from typing import TYPE_CHECKING, Any

from simulator.errors import ApiError
from simulator.query import Paging, parse_paging
from simulator.records import Account, ApiKey, Organization

if TYPE_CHECKING:
    from simulator.app import Simulator
    from simulator.world import World


@dataclass
class Reply:
    result: Any
    status: int = 200
    messages: list[dict[str, Any]] | None = None


@dataclass
class Request:
    method: str
    path: str  # below /v1 (or below /_sim for control routes)
    query: dict[str, list[str]]
    headers: Message
    raw_body: bytes
    app: Simulator
    base_url: str  # http://host:port/v1
    params: dict[str, str] = field(default_factory=dict)
    key: ApiKey | None = None
    org: Organization | None = None

    @property
    def world(self) -> World:
        return self.app.world

    @property
    def org_id(self) -> str:
        assert self.org is not None
        return self.org.id

    @property
    def account(self) -> Account:
        assert self.org is not None
        return self.app.world.accounts[self.org.account_id]

    def json(self) -> dict[str, Any]:
        """The body as a JSON object; an empty body is an empty object."""
        if not self.raw_body.strip():
            return {}
        try:
            body = json.loads(self.raw_body)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, 1001, "Parameter not valid", "The request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise ApiError(400, 1001, "Parameter not valid", "The request body must be a JSON object")
        return body

    def paging(self) -> Paging:
        return parse_paging(self.query)


Handler = Callable[..., Reply]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str
    handler: Handler
    regex: re.Pattern[str]


def _compile(pattern: str) -> re.Pattern[str]:
    def group(match: re.Match[str]) -> str:
        name, _, alternatives = match.group(1).partition(":")
        return f"(?P<{name}>{alternatives or '[^/]+'})"

    return re.compile("^" + re.sub(r"\{([^}]+)\}", group, pattern) + "$")


def template(pattern: str) -> str:
    """The pattern as rate limits and statistics name it: `{event:a|b}` becomes `{event}`."""
    return re.sub(r"\{([^}:]+):[^}]+\}", r"{\1}", pattern)


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append(Route(method, template(pattern), handler, _compile(pattern)))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        allowed: list[str] = []
        for route in self.routes:
            found = route.regex.match(path)
            if not found:
                continue
            if route.method == method:
                return route, found.groupdict()
            allowed.append(route.method)
        if allowed:
            raise ApiError(
                405,
                1006,
                "Request method not valid",
                f"{method} is not supported for {path}; allowed: {', '.join(sorted(set(allowed)))}",
                headers={"Allow": ", ".join(sorted(set(allowed)))},
            )
        raise ApiError(404, 1005, "Request URL not valid", f"No API resource matches {path}")
