"""A small HTTP proxy on 127.0.0.1 in front of the simulator that can rewrite what the API answers.

The simulator only ever hands out well-formed ids; to see how the dashboard copes with an answer that breaks
the contract, a test puts this proxy between the client and the simulator and changes the JSON on its way:

    with RewritingProxy(simulator.root_url, rewrite=rename_ids({"<real id>": "bad/id"})) as proxy:
        point_at(organization, base_url=proxy.base_url)  # tests/support/api_client.py

``rewrite_headers`` may change the answer's headers the same way (a list of (name, value) pairs in, one out).
Everything else (method, path, headers, body, status) passes through unchanged, and every request path is
recorded in ``proxy.paths`` so a test can assert what was, or was never, asked for.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tests.support.http_thread import ServedInThread

Rewrite = Callable[[str, str, Any], Any]
Headers = list[tuple[str, str]]
# Hop-by-hop headers and the ones the proxy recomputes.
_DROPPED = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class RewritingProxy(ServedInThread):
    def __init__(
        self,
        upstream_root: str,
        rewrite: Rewrite | None = None,
        rewrite_headers: Callable[[Headers], Headers] | None = None,
    ) -> None:
        parts = urlsplit(upstream_root)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.rewrite = rewrite
        self.rewrite_headers = rewrite_headers
        self.paths: list[str] = []
        self._lock = threading.Lock()
        super().__init__(ThreadingHTTPServer(("127.0.0.1", 0), self._handler()))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                with proxy._lock:
                    proxy.paths.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _DROPPED}
                upstream = http.client.HTTPConnection(*proxy.upstream, timeout=30)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    content = answer.read()
                    answer_headers = [(k, v) for k, v in answer.getheaders() if k.lower() not in _DROPPED]
                    status = answer.status
                finally:
                    upstream.close()
                if proxy.rewrite is not None and content:
                    try:
                        document = json.loads(content)
                    except ValueError:
                        document = None
                    if document is not None:
                        changed = proxy.rewrite(self.command, urlsplit(self.path).path, document)
                        content = json.dumps(changed).encode()
                if proxy.rewrite_headers is not None:
                    answer_headers = proxy.rewrite_headers(answer_headers)
                self.send_response(status)
                for key, value in answer_headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        return Handler


def rename_ids(renames: dict[str, str]) -> Rewrite:
    """A rewrite that gives the encodings in ``renames`` other ids wherever a list of encodings names them."""

    def rewrite(method: str, path: str, document: Any) -> Any:
        if method == "GET" and path.rstrip("/").endswith("/encoding/encodings"):
            result = (document.get("data") or {}).get("result") or {}
            for item in result.get("items") or []:
                if isinstance(item, dict) and item.get("id") in renames:
                    item["id"] = renames[item["id"]]
        return document

    return rewrite
