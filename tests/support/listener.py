"""A tiny HTTP server on 127.0.0.1 for a test: it records every connection and request it receives.

with Listener() as listener:
    ... point something at listener.url ...
    assert listener.connections == 0
    assert not listener.requests_with_header("X-Api-Key")
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.http_thread import ServedInThread


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class _Server(ThreadingHTTPServer):
    def __init__(self, listener: Listener) -> None:
        self.listener = listener
        super().__init__(("127.0.0.1", 0), _Handler)

    def verify_request(self, request, client_address) -> bool:
        # Counted before any byte is read: a refused destination must not even see a connection.
        with self.listener.lock:
            self.listener.connections += 1
        return True


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _answer(self) -> None:
        listener = self.server.listener
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with listener.lock:
            listener.received.append(Received(self.command, self.path, dict(self.headers.items()), body))
        status, headers, content = listener.response
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_DELETE = do_PUT = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


class Listener(ServedInThread):
    """Answers every request with ``status``, ``headers`` and ``body``; ``connections`` counts TCP accepts."""

    def __init__(
        self, status: int = 200, body: bytes = b"hello", headers: dict[str, str] | None = None
    ) -> None:
        self.response = (status, {"Content-Type": "text/plain", **(headers or {})}, body)
        self.lock = threading.Lock()
        self.connections = 0
        self.received: list[Received] = []
        super().__init__(_Server(self))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def requests_with_header(self, name: str) -> list[Received]:
        with self.lock:
            return [item for item in self.received if name.lower() in (key.lower() for key in item.headers)]
