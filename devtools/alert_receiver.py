"""A receiver of the dashboard's signed webhooks on 127.0.0.1, for the demo and the benchmarks: it prints a
readable block for every message, so that `make run` shows alerts arriving (manage.py alert_receiver).

It is what the README asks of a receiver, and no more: the signature is checked with the channel secrets it
was given (encodings_app/services/alert_channels/webhook.verify, the README's example), a delivery id seen
before is reported as a repeat and acknowledged, and every answer is chosen so that the dashboard's delivery
engine does the right thing: 2xx for a message taken (no retry), 4xx for one refused (bad JSON, a signature
that does not verify). Nothing a client sends makes it crash; a secret is never printed.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from encodings_app.services.alert_channels import webhook

# Far above any message the dashboard sends (a subject of 300 characters and a body of a few lines).
MAX_BODY_BYTES = 1_000_000
# Delivery ids remembered for spotting repeats; the oldest are forgotten first.
REMEMBERED_DELIVERIES = 10_000
# How wide the label column of a printed block is.
LABEL_WIDTH = 10


@dataclass(frozen=True)
class Received:
    """One request, as the receiver judged it; `status` is the HTTP status it answered."""

    at: float
    status: int
    signature: str  # "ok", "bad" or "not checked"
    delivery: str
    problem: str = ""
    repeat: bool = False
    message: dict[str, Any] | None = None


def read_secrets(lines: Iterable[str]) -> list[str]:
    """Signing secrets, one a line; blank lines and lines starting with # are skipped."""
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


class AlertReceiver(ThreadingHTTPServer):
    """Serves on 127.0.0.1:`port` (0: a free one). With `secrets`, a message must verify with one of them
    (each channel has its own); without, signatures are not checked. `write` gets each printed block,
    `record`, when given, each Received (the benchmarks time arrivals with it)."""

    daemon_threads = True

    def __init__(
        self,
        port: int = 0,
        *,
        secrets: Iterable[str] = (),
        write: Callable[[str], Any] | None = None,
        record: Callable[[Received], Any] | None = None,
    ) -> None:
        self.secrets = tuple(secrets)
        self.write = write or (lambda text: None)
        self.record = record
        self.lock = threading.Lock()
        self.seen: dict[str, None] = {}
        super().__init__(("127.0.0.1", port), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def judge(self, headers, body: bytes) -> Received:
        """What to answer to a POST with these headers and body, and what to say about it."""
        now = time.time()
        delivery = str(headers.get(webhook.DELIVERY_HEADER) or "")[:100]
        if self.secrets:
            if not any(webhook.verify(secret, headers, body, now=now) for secret in self.secrets):
                return Received(
                    now, HTTPStatus.UNAUTHORIZED, "bad", delivery, problem=_signature_problem(headers)
                )
            verdict = "ok"
        else:
            verdict = "not checked"
        try:
            message = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            return Received(now, HTTPStatus.BAD_REQUEST, verdict, delivery, problem="the body is not JSON")
        if not isinstance(message, dict):
            return Received(
                now, HTTPStatus.BAD_REQUEST, verdict, delivery, problem="the body is not an object"
            )
        delivery = str(message.get("id") or delivery)[:100]
        with self.lock:
            repeat = delivery in self.seen
            if delivery:
                self.seen[delivery] = None
            while len(self.seen) > REMEMBERED_DELIVERIES:
                del self.seen[next(iter(self.seen))]
        return Received(now, HTTPStatus.OK, verdict, delivery, repeat=repeat, message=message)

    def report(self, received: Received) -> None:
        # One block at a time, whole, however many messages arrive together.
        with self.lock:
            self.write(describe(received))
            if self.record is not None:
                self.record(received)

    def handle_error(self, request, client_address) -> None:
        # A client that hung up before its answer is its own business; anything else is ours to see.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _signature_problem(headers) -> str:
    timestamp = str(headers.get(webhook.TIMESTAMP_HEADER) or "")
    if not headers.get(webhook.SIGNATURE_HEADER) or not timestamp:
        return "the request is not signed"
    numeric = timestamp.isascii() and timestamp.isdigit()
    if numeric and abs(time.time() - int(timestamp)) > webhook.REPLAY_WINDOW_SECONDS:
        return f"signed more than {webhook.REPLAY_WINDOW_SECONDS} s from now (a replay, or a clock off)"
    return "the signature does not match any channel secret this receiver was given"


def describe(received: Received) -> str:
    """The printed block: a heading line, then one labelled line per field, the body indented, then a blank
    line to set it apart from the other parts' log lines on the same console."""
    when = datetime.fromtimestamp(received.at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if received.message is None:
        lines = [f"--- refused {when}: {received.problem} (answered {received.status})"]
        lines += _field("delivery", received.delivery or "-")
        lines += _field("signature", received.signature)
        return "\n".join(lines) + "\n\n"
    message = received.message
    heading = f"--- alert received {when}"
    if received.repeat:
        heading += " (a repeat of a delivery already received: drop it)"
    lines = [heading]
    lines += _field("delivery", received.delivery or "-")
    lines += _field("signature", received.signature)
    lines += _field("kind", _text(message.get("kind")))
    lines += _field("severity", _text(message.get("severity")))
    if message.get("organization"):
        lines += _field("org", _text(message.get("organization")))
    lines += _field("subject", _text(message.get("subject")))
    lines += _field("body", _text(message.get("text")))
    lines += _field("link", _text(message.get("link")) if message.get("link") else "-")
    return "\n".join(lines) + "\n\n"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _field(label: str, value: str) -> list[str]:
    # Control characters other than line breaks are shown escaped, so a message cannot drive the terminal.
    value = "".join(c if c.isprintable() or c == "\n" else repr(c)[1:-1] for c in value)
    first, *rest = value.splitlines() or [""]
    indent = " " * (LABEL_WIDTH + 1)
    return [f"{label:<{LABEL_WIDTH}} {first}", *(indent + line for line in rest)]


class _Handler(BaseHTTPRequestHandler):
    server: AlertReceiver
    protocol_version = "HTTP/1.1"
    # A client that opens a connection and sends nothing does not hold a thread for ever.
    timeout = 30

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or "")
        except ValueError:
            length = -1
        if length < 0:
            self._answer(HTTPStatus.LENGTH_REQUIRED, "a Content-Length is needed", close=True)
            return
        if length > MAX_BODY_BYTES:
            self._answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "the body is too large", close=True)
            return
        body = self.rfile.read(length)
        if len(body) < length:
            self.close_connection = True
            return  # the client went away mid-body: nobody to answer
        received = self.server.judge(self.headers, body)
        self.server.report(received)
        self._answer(received.status, received.problem or ("repeat" if received.repeat else "received"))

    def do_GET(self) -> None:
        self._answer(HTTPStatus.OK, "alert receiver: POST the dashboard's signed webhooks here")

    def _answer(self, status: int, text: str, *, close: bool = False) -> None:
        content = (text + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(content)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, format: str, *args: object) -> None:
        pass  # each message is reported as its own block


def json_lines_recorder(path: Path) -> Callable[[Received], None]:
    """Append each Received to `path` as one JSON line (the benchmarks read arrival times from it); the
    receiver's report lock keeps the lines whole."""

    def record(received: Received) -> None:
        with path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(asdict(received), ensure_ascii=False) + "\n")

    return record
