"""HTTP: envelopes, authentication, tenant switching, rate limits and injected faults."""

from __future__ import annotations

import contextlib
import json
import logging
import math
import socket
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from simulator import faults as fault_kinds
from simulator.errors import ApiError
from simulator.routing import Reply, Request, Router
from simulator.timefmt import iso_ms

if TYPE_CHECKING:
    from simulator.app import Simulator

log = logging.getLogger("simulator.http")

MAX_BODY = 4 * 1024 * 1024
API_PREFIX = "/v1"
CONTROL_PREFIX = "/_sim"
GATEWAY_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
UPSTREAM_TEXT = (
    b"upstream connect error or disconnect/reset before headers. reset reason: connection termination"
)
STATUS_TEXT = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class SimServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], app: Simulator) -> None:
        self.app = app
        super().__init__(address, SimHandler)


def envelope_success(request_id: str, reply: Reply) -> dict[str, Any]:
    data: dict[str, Any] = {"result": reply.result}
    if reply.messages:
        data["messages"] = reply.messages
    return {"requestId": request_id, "status": "SUCCESS", "data": data}


def envelope_error(request_id: str, error: ApiError) -> dict[str, Any]:
    detail_id = str(uuid.uuid5(uuid.NAMESPACE_URL, request_id))
    return {"requestId": request_id, "status": "ERROR", "data": error.data(detail_id, iso_ms(time.time()))}


class SimHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "bitmovin-api-simulator"
    sys_version = ""
    server: SimServer

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes; without this, Nagle and delayed ACKs add ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.app.verbose:
            log.info("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def do_HEAD(self) -> None:
        self._dispatch()

    # Plumbing

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            return b""
        return self.rfile.read(length) if length else b""

    def _send(
        self,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json; charset=utf-8",
        declared_length: int | None = None,
    ) -> None:
        self._log_write(status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(declared_length if declared_length is not None else len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _dispatch(self) -> None:
        app = self.server.app
        started = time.monotonic()
        url = urlsplit(self.path)
        path = url.path
        query = parse_qs(url.query, keep_blank_values=True)
        body = self._read_body()
        request_id = str(uuid.uuid4())
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            sub = path[len(CONTROL_PREFIX) :].rstrip("/") or "/"
            request = Request(
                self.command, sub, query, self.headers, body, app, f"http://{host}{CONTROL_PREFIX}"
            )
            status, pattern = self._respond(app.control, request, request_id, limited=False)
            app.metrics.record("control", self.command, pattern, status, started)
            return
        if path != API_PREFIX and not path.startswith(API_PREFIX + "/"):
            error = ApiError(
                404, 1005, "Request URL not valid", f"No API resource matches {path}; use {API_PREFIX}"
            )
            self._send_json(404, envelope_error(request_id, error), request_id)
            app.metrics.record("api", self.command, "-", 404, started)
            return
        sub = path[len(API_PREFIX) :].rstrip("/") or "/"
        # A key given in the URL is taken out so that next/previous links never repeat it.
        query_key = query.pop("X-Api-Key", []) + query.pop("x-api-key", [])
        request = Request(self.command, sub, query, self.headers, body, app, f"http://{host}{API_PREFIX}")
        key_value = self.headers.get("X-Api-Key") or (query_key[-1] if query_key else None)
        status, pattern = self._api(request, request_id, key_value)
        app.metrics.record("api", self.command, pattern, status, started)

    def _send_json(
        self,
        status: int,
        obj: dict[str, Any],
        request_id: str,
        headers: dict[str, str] | None = None,
        damage: str | None = None,
    ) -> None:
        body = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
        extra = {"X-Request-Id": request_id, **(headers or {})}
        if damage == "truncate":
            self._send(status, body[: max(1, len(body) // 2)], extra)
        elif damage == "drop":
            self._send(status, body[: len(body) // 2], extra, declared_length=len(body))
            self.wfile.flush()
            self._abort()
        elif damage == "nonjson":
            self._send(200, UPSTREAM_TEXT, extra, content_type="text/plain")
        else:
            self._send(status, body, extra)

    def _log_write(self, status: int) -> None:
        """Logs the API write being answered, once, before its answer leaves: a client that has the answer
        finds the write in GET /_sim/writes (logged after sending, a quick next request could miss it)."""
        pending = getattr(self, "_pending_write", None)
        if pending is not None:
            self._pending_write = None
            method, path, fault = pending
            self.server.app.metrics.record_write(method, path, status, fault)

    def _abort(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    # The API

    def _api(self, request: Request, request_id: str, key_value: str | None) -> tuple[int, str]:
        app = self.server.app
        faults = app.faults
        delay = faults.latency_s(request.method, request.path)
        if delay:
            time.sleep(delay)
        fault = faults.decide(request.method, request.path)
        self._pending_write = (request.method, request.path, fault)
        if fault in fault_kinds.BEFORE:
            status = self._inject(fault, request, request_id)
            self._log_write(status)  # a hang or a reset answers nothing: logged with status 0
            return status, "-"
        damage = fault if fault in fault_kinds.AFTER else None
        status, pattern = self._respond(
            app.api, request, request_id, limited=True, key_value=key_value, damage=damage
        )
        self._log_write(status)
        return status, pattern

    def _respond(
        self,
        router: Router,
        request: Request,
        request_id: str,
        *,
        limited: bool,
        key_value: str | None = None,
        damage: str | None = None,
    ) -> tuple[int, str]:
        app = self.server.app
        headers: dict[str, str] = {}
        pattern = "-"
        try:
            if limited:
                request.key = app.authenticate(key_value)
                with app.world.lock:
                    request.org = app.world.resolve_org(request.key, self.headers.get("X-Tenant-Org-Id"))
            route, params = router.match(request.method, request.path)
            pattern = route.pattern
            if limited and app.limiter.enabled and request.key is not None:
                verdict = app.limiter.check(request.key.value, request.method, route.pattern)
                headers.update(verdict.headers())
                if not verdict.allowed:
                    raise ApiError(
                        429,
                        8000,
                        "Limit exceeded error",
                        f"Rate limit of {verdict.limit} requests per minute for "
                        f"{request.method} {route.pattern} exceeded; retry in {verdict.reset_s} s",
                    )
            request.params = params
            reply = route.handler(request, **params)
            self._send_json(reply.status, envelope_success(request_id, reply), request_id, headers, damage)
            return reply.status, pattern
        except ApiError as error:
            headers.update(error.headers)
            self._send_json(error.http_status, envelope_error(request_id, error), request_id, headers, damage)
            return error.http_status, pattern
        except Exception:
            log.exception("%s %s failed", request.method, request.path)
            error = ApiError(500, 1004, "Undefined Error", "An undefined error occurred in the simulator")
            self._send_json(500, envelope_error(request_id, error), request_id)
            return 500, pattern

    def _inject(self, fault: str, request: Request, request_id: str) -> int:
        app = self.server.app
        if fault == "hang":
            # Longer than a sane client timeout, bounded so the thread comes back.
            time.sleep(app.faults.spec.hang_s)
            self._abort()
            return 0
        if fault == "reset":
            self._abort()
            return 0
        if fault == "html":
            self._send(502, GATEWAY_PAGE, {"X-Request-Id": request_id}, content_type="text/html")
            return 502
        if fault == "429":
            limit = 60
            with contextlib.suppress(ApiError):
                route = app.api.match(request.method, request.path)[0]
                limit = app.limiter.limit_for(request.method, route.pattern)
            error = ApiError(
                429,
                8000,
                "Limit exceeded error",
                "Too many requests; pause and retry after the reset",
                headers={
                    "x-ratelimit-limit": str(limit),
                    "x-ratelimit-remaining": "0",
                    # Half a real minute; a test that shortens the window shortens this wait with it.
                    "x-ratelimit-reset": str(max(1, math.ceil(min(30.0, app.limiter.window_s)))),
                },
            )
        else:
            status = int(fault)
            error = ApiError(status, 1004, STATUS_TEXT[status], f"{STATUS_TEXT[status]}: the service failed")
        self._send_json(error.http_status, envelope_error(request_id, error), request_id, error.headers)
        return error.http_status
