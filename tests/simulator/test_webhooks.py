"""Webhook deliveries to a local receiver: payloads, HMAC-SHA512 signatures, events and the log."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from tests.simulator.conftest import Http, error_of
from tests.support.simulator import RunningSimulator

HOOKS = "/notifications/webhooks/encoding/encodings"
SECRET = "s3cr3t-key"


class Receiver:
    """A tiny HTTP server that keeps every request it gets."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_PUT = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, path: str, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [r for r in self.received if r["path"] == path]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        return [r for r in self.received if r["path"] == path]


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.server.shutdown()


def register(http: Http, path: str, url: str, signed: bool = True, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"url": url, **extra}
    if signed:
        body["signature"] = {"type": "HMAC", "key": SECRET}
    return http.result("POST", f"{HOOKS}/{path}", json=body)


def remove(http: Http, path: str, hook_id: str) -> None:
    http.result("DELETE", f"{HOOKS}/{path}/{hook_id}")


def test_finished_webhook_is_signed_with_hmac_sha512_of_the_raw_body(
    http: Http, sim: RunningSimulator, receiver: Receiver
) -> None:
    encoding = http.create_encoding()
    hook = register(http, f"{encoding['id']}/finished", f"{receiver.url}/finished-signed")

    sim.force_state(encoding["id"], "FINISHED")

    [delivery] = receiver.wait("/finished-signed", 1)
    expected = hmac.new(SECRET.encode(), delivery["body"], hashlib.sha512).hexdigest()
    assert delivery["headers"]["Bitmovin-Signature"] == expected
    assert delivery["headers"]["Content-Type"] == "application/json"
    payload = json.loads(delivery["body"])
    assert payload["eventType"] == "ENCODING_FINISHED" and payload["resourceId"] == encoding["id"]
    assert payload["webhookId"] == hook["id"] == payload["notificationId"]
    assert (
        payload["resourceType"] == "ENCODING"
        and payload["type"] == "WEBHOOK"
        and payload["category"] == "ENCODING"
    )
    assert payload["state"] == "FIRED" and payload["orgId"] and payload["eventId"] and payload["triggeredAt"]
    assert payload["encodingStatus"] == {"type": "Encoding", "progress": 100, "status": "FINISHED"}


def test_unsigned_webhook_has_no_signature_header(
    http: Http, sim: RunningSimulator, receiver: Receiver
) -> None:
    encoding = http.create_encoding()
    register(http, f"{encoding['id']}/finished", f"{receiver.url}/unsigned", signed=False)

    sim.force_state(encoding["id"], "FINISHED")

    [delivery] = receiver.wait("/unsigned", 1)
    assert "Bitmovin-Signature" not in delivery["headers"]


def test_error_and_transfer_error_webhooks_fire_on_their_events(
    http: Http, sim: RunningSimulator, receiver: Receiver
) -> None:
    failing = http.create_encoding()
    transfer = http.create_encoding()
    error_hook = register(http, "error", f"{receiver.url}/errors")
    transfer_hook = register(http, "transfer-error", f"{receiver.url}/transfers")

    sim.force_state(failing["id"], "ERROR", errorCode=2101)
    sim.force_state(transfer["id"], "TRANSFER_ERROR")

    errors = [json.loads(r["body"]) for r in receiver.wait("/errors", 1)]
    transfers = [json.loads(r["body"]) for r in receiver.wait("/transfers", 1)]
    remove(http, "error", error_hook["id"])
    remove(http, "transfer-error", transfer_hook["id"])
    assert any(p["resourceId"] == failing["id"] and p["eventType"] == "ENCODING_ERROR" for p in errors)
    assert any(
        p["resourceId"] == transfer["id"] and p["eventType"] == "ENCODING_TRANSFER_ERROR" for p in transfers
    )


def test_status_changed_webhook_reports_every_change_in_order(
    http: Http, sim: RunningSimulator, receiver: Receiver
) -> None:
    encoding = http.create_encoding()
    register(http, f"{encoding['id']}/encoding-status-changed", f"{receiver.url}/changes")

    http.result("POST", f"/encoding/encodings/{encoding['id']}/start")
    sim.tick()
    sim.force_state(encoding["id"], "RUNNING", progress=10, outcome="FINISHED")
    sim.advance(4 * 3600)

    statuses = [json.loads(r["body"])["encodingStatus"]["status"] for r in receiver.wait("/changes", 3)]
    assert statuses == ["QUEUED", "RUNNING", "FINISHED"]
    payload = json.loads(receiver.received[-1]["body"])
    assert payload["eventType"] == "ENCODING_STATUS_CHANGED"


def test_status_changed_conditions_filter_the_events(
    http: Http, sim: RunningSimulator, receiver: Receiver
) -> None:
    encoding = http.create_encoding()
    condition = {"type": "CONDITION", "attribute": "status", "operator": "==", "value": "FINISHED"}
    register(
        http,
        f"{encoding['id']}/encoding-status-changed",
        f"{receiver.url}/only-finished",
        conditions=condition,
    )

    sim.force_state(encoding["id"], "RUNNING")
    sim.force_state(encoding["id"], "FINISHED")

    deliveries = receiver.wait("/only-finished", 1)
    time.sleep(0.3)
    assert [json.loads(r["body"])["encodingStatus"]["status"] for r in deliveries] == ["FINISHED"]


def test_per_encoding_webhook_ignores_other_encodings(
    http: Http, sim: RunningSimulator, receiver: Receiver
) -> None:
    watched = http.create_encoding()
    other = http.create_encoding()
    register(http, f"{watched['id']}/finished", f"{receiver.url}/watched")

    sim.force_state(other["id"], "FINISHED")
    sim.force_state(watched["id"], "FINISHED")

    deliveries = receiver.wait("/watched", 1)
    time.sleep(0.3)
    assert [json.loads(r["body"])["resourceId"] for r in receiver.wait("/watched", 1)] == [watched["id"]]
    assert len(deliveries) == 1


def test_at_most_five_webhooks_per_event(http: Http) -> None:
    encoding = http.create_encoding()
    path = f"{encoding['id']}/error"
    for index in range(5):
        register(http, path, f"http://127.0.0.1:9/{index}")

    assert error_of(http.post(f"{HOOKS}/{path}", {"url": "http://127.0.0.1:9/6"})) == (400, 7000)


def test_webhook_needs_a_url(http: Http) -> None:
    assert error_of(http.post(f"{HOOKS}/finished", {})) == (400, 1000)
    assert error_of(http.post(f"{HOOKS}/finished", {"url": "ftp://x"})) == (400, 1001)


def test_failed_delivery_is_logged_and_not_fatal(http: Http, sim: RunningSimulator) -> None:
    encoding = http.create_encoding()
    hook = register(http, f"{encoding['id']}/finished", "http://127.0.0.1:9/unreachable")

    sim.force_state(encoding["id"], "FINISHED")

    [logged] = sim.wait_for_deliveries(1, webhookId=hook["id"])
    assert logged["outcome"] == "FAILED" and logged["error"] and logged["encodingId"] == encoding["id"]
    assert sim.health()["status"] == "ok"


def test_delivery_log_keeps_body_and_signature(http: Http, sim: RunningSimulator, receiver: Receiver) -> None:
    encoding = http.create_encoding()
    hook = register(http, f"{encoding['id']}/finished", f"{receiver.url}/logged")

    sim.force_state(encoding["id"], "FINISHED")

    [logged] = sim.wait_for_deliveries(1, webhookId=hook["id"])
    assert logged["outcome"] == "DELIVERED" and logged["httpStatus"] == 200
    assert (
        logged["signature"] == hmac.new(SECRET.encode(), logged["body"].encode(), hashlib.sha512).hexdigest()
    )
    assert logged["payload"]["eventType"] == "ENCODING_FINISHED"
