"""Webhook registrations, their payloads, signatures and deliveries."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from simulator.errors import ApiError
from simulator.ids import derived_uuid
from simulator.timefmt import iso, iso_ms, iso_ns

log = logging.getLogger("simulator.webhooks")

EVENT_TYPES = {
    "finished": "ENCODING_FINISHED",
    "error": "ENCODING_ERROR",
    "transfer-error": "ENCODING_TRANSFER_ERROR",
    "encoding-status-changed": "ENCODING_STATUS_CHANGED",
}
STATUS_EVENTS = {"FINISHED": "finished", "ERROR": "error", "TRANSFER_ERROR": "transfer-error"}
MAX_PER_EVENT = 5
DELIVERY_TIMEOUT_S = 5.0
LOG_SIZE = 5000
WORKERS = 4


@dataclass
class Webhook:
    id: str
    org_id: str
    event: str
    url: str
    created_at: float
    encoding_id: str | None = None
    method: str = "POST"
    insecure_ssl: bool = False
    signature: dict[str, str] | None = None
    name: str | None = None
    description: str | None = None
    custom_data: dict[str, Any] | None = None
    conditions: dict[str, Any] | None = None
    resolve: bool = False
    muted: bool = False
    triggered_at: float | None = None
    modified_at: float = 0.0

    def to_state(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Registry:
    def __init__(self) -> None:
        self.hooks: dict[str, Webhook] = {}
        self.lock = threading.Lock()

    def add(self, hook: Webhook) -> None:
        with self.lock:
            same = [
                h
                for h in self.hooks.values()
                if (h.org_id, h.event, h.encoding_id) == (hook.org_id, hook.event, hook.encoding_id)
            ]
            if len(same) >= MAX_PER_EVENT:
                raise ApiError(
                    400,
                    7000,
                    "Notification Error",
                    f"A maximum number of {MAX_PER_EVENT} webhooks is allowed for this event",
                )
            self.hooks[hook.id] = hook

    def listing(self, org_id: str, event: str, encoding_id: str | None) -> list[Webhook]:
        with self.lock:
            found = [
                h
                for h in self.hooks.values()
                if (h.org_id, h.event, h.encoding_id) == (org_id, event, encoding_id)
            ]
        return sorted(found, key=lambda h: (h.created_at, h.id))

    def get(self, org_id: str, event: str, hook_id: str, encoding_id: str | None) -> Webhook | None:
        hook = self.hooks.get(hook_id)
        if hook is None or (hook.org_id, hook.event, hook.encoding_id) != (org_id, event, encoding_id):
            return None
        return hook

    def remove(self, hook_id: str) -> None:
        with self.lock:
            self.hooks.pop(hook_id, None)

    def matching(self, org_id: str, encoding_id: str, event: str) -> list[Webhook]:
        with self.lock:
            return [
                h
                for h in self.hooks.values()
                if h.org_id == org_id
                and h.event == event
                and h.encoding_id in (None, encoding_id)
                and not h.muted
            ]

    def forget_encoding(self, encoding_id: str) -> None:
        with self.lock:
            for hook_id in [h.id for h in self.hooks.values() if h.encoding_id == encoding_id]:
                del self.hooks[hook_id]


def render_webhook(hook: Webhook) -> dict[str, Any]:
    item = {
        "id": hook.id,
        "name": hook.name,
        "description": hook.description,
        "createdAt": iso(hook.created_at),
        "modifiedAt": iso(hook.modified_at or hook.created_at),
        "customData": hook.custom_data,
        "url": hook.url,
        "method": hook.method,
        "insecureSsl": hook.insecure_ssl,
        "signature": hook.signature,
    }
    return {k: v for k, v in item.items() if v is not None}


def render_notification(hook: Webhook) -> dict[str, Any]:
    """The WebhookNotificationWithStreamConditions shape of status-changed webhooks."""
    item = {
        "id": hook.id,
        "resolve": hook.resolve,
        "resourceId": hook.encoding_id,
        "triggeredAt": iso(hook.triggered_at),
        "type": "WEBHOOK",
        "eventType": EVENT_TYPES[hook.event],
        "category": "ENCODING",
        "resourceType": "ENCODING",
        "muted": hook.muted,
        "customData": hook.custom_data,
        "url": hook.url,
        "method": hook.method,
        "insecureSsl": hook.insecure_ssl,
        "signature": hook.signature,
        "conditions": hook.conditions,
    }
    return {k: v for k, v in item.items() if v is not None}


_OPERATORS = {
    "==": lambda a, b: a == b,
    "EQUAL": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "NOT_EQUAL": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "LESS_THAN": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "LESS_THAN_OR_EQUAL": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "GREATER_THAN": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "GREATER_THAN_OR_EQUAL": lambda a, b: a >= b,
}


def conditions_hold(condition: dict[str, Any] | None, facts: dict[str, Any]) -> bool:
    """Evaluate AND/OR/CONDITION trees on status, progress and type; other attributes pass."""
    if not condition:
        return True
    kind = str(condition.get("type", "CONDITION")).upper()
    if kind in ("AND", "OR"):
        parts = [conditions_hold(c, facts) for c in condition.get("conditions") or []]
        return all(parts) if kind == "AND" else any(parts) or not parts
    attribute = str(condition.get("attribute", "")).lower()
    if attribute not in facts:
        return True
    operator = _OPERATORS.get(str(condition.get("operator", "==")).upper())
    if operator is None:
        return True
    actual, wanted = facts[attribute], condition.get("value")
    try:
        if isinstance(actual, int):
            return operator(actual, int(str(wanted)))
        return operator(str(actual).upper(), str(wanted).upper())
    except (TypeError, ValueError):
        return False


def sign(key: str, body: bytes) -> str:
    return hmac.new(key.encode(), body, hashlib.sha512).hexdigest()


@dataclass
class Event:
    """One status change of one encoding, to be announced to every matching webhook."""

    org_id: str
    user_id: str
    encoding_id: str
    status: str
    progress: int
    at: float = field(default_factory=time.time)


def payload(hook: Webhook, event: Event, event_type: str) -> dict[str, Any]:
    event_id = derived_uuid(event.encoding_id, event.status, event.at)
    return {
        "id": derived_uuid(hook.id, event_id),
        "eventId": event_id,
        "createdAt": iso_ms(event.at),
        "modifiedAt": iso_ms(event.at),
        "orgId": event.org_id,
        "userId": event.user_id,
        "notificationId": hook.id,
        "webhookId": hook.id,
        "resourceId": event.encoding_id,
        "resourceType": "ENCODING",
        "triggeredForResourceId": event.encoding_id,
        "type": "WEBHOOK",
        "eventType": event_type,
        "category": "ENCODING",
        "state": "FIRED",
        "triggeredAt": iso_ns(event.at),
        "internal": False,
        "encodingStatus": {"type": "Encoding", "progress": event.progress, "status": event.status},
    }


Job = tuple[Webhook, dict[str, Any]] | None


class Dispatcher:
    """Delivers on a few background threads; a failed delivery is logged and not retried.

    Each webhook always goes through the same worker, so its deliveries arrive in event order.
    """

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._queues: list[queue.Queue[Job]] = [queue.Queue() for _ in range(WORKERS)]
        self._log: deque[dict[str, Any]] = deque(maxlen=LOG_SIZE)
        self._log_lock = threading.Lock()
        self._pending = 0
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._workers = [
            threading.Thread(target=self._work, args=(q,), name=f"webhook-{i}", daemon=True)
            for i, q in enumerate(self._queues)
        ]
        for worker in self._workers:
            worker.start()

    def announce(self, events: list[Event]) -> int:
        queued = 0
        for event in events:
            targets: list[tuple[Webhook, str]] = [
                (h, EVENT_TYPES["encoding-status-changed"])
                for h in self.registry.matching(event.org_id, event.encoding_id, "encoding-status-changed")
                if conditions_hold(
                    h.conditions, {"status": event.status, "progress": event.progress, "type": "Encoding"}
                )
            ]
            name = STATUS_EVENTS.get(event.status)
            if name:
                targets += [
                    (h, EVENT_TYPES[name])
                    for h in self.registry.matching(event.org_id, event.encoding_id, name)
                ]
            for hook, event_type in targets:
                hook.triggered_at = event.at
                with self._log_lock:
                    self._pending += 1
                lane = self._queues[sum(hook.id.encode()) % WORKERS]
                lane.put((hook, payload(hook, event, event_type)))
                queued += 1
        return queued

    def _work(self, jobs: queue.Queue[Job]) -> None:
        while True:
            job = jobs.get()
            if job is None:
                return
            try:
                self._deliver(*job)
            finally:
                with self._log_lock:
                    self._pending -= 1

    def _deliver(self, hook: Webhook, body_obj: dict[str, Any]) -> None:
        body = json.dumps(body_obj, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "bitmovin-api-simulator-webhooks"}
        if hook.signature and hook.signature.get("key"):
            headers["Bitmovin-Signature"] = sign(hook.signature["key"], body)
        # Registration only admits http:// and https:// URLs.
        request = urllib.request.Request(hook.url, data=body, method=hook.method, headers=headers)  # noqa: S310
        context = ssl._create_unverified_context() if hook.insecure_ssl else None  # noqa: S323
        started = time.time()
        record: dict[str, Any] = {
            "id": derived_uuid(body_obj["id"], started),
            "webhookId": hook.id,
            "eventType": body_obj["eventType"],
            "encodingId": body_obj["resourceId"],
            "encodingStatus": body_obj["encodingStatus"]["status"],
            "url": hook.url,
            "method": hook.method,
            "signature": headers.get("Bitmovin-Signature"),
            "payload": body_obj,
            "body": body.decode(),
            "attemptedAt": iso_ms(started),
        }
        try:
            if context is not None:
                https = urllib.request.HTTPSHandler(context=context)
                opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), https)
            else:
                opener = self._opener
            with opener.open(request, timeout=DELIVERY_TIMEOUT_S) as response:
                record.update(outcome="DELIVERED", httpStatus=response.status)
        except urllib.error.HTTPError as exc:
            record.update(outcome="FAILED", httpStatus=exc.code, error=f"HTTP {exc.code}")
        except (OSError, ValueError) as exc:
            record.update(outcome="FAILED", httpStatus=None, error=str(exc) or type(exc).__name__)
        record["durationMs"] = int((time.time() - started) * 1000)
        if record["outcome"] == "FAILED":
            log.warning("webhook %s to %s failed: %s", hook.id, hook.url, record.get("error"))
        with self._log_lock:
            self._log.append(record)

    def deliveries(self, **filters: str | None) -> list[dict[str, Any]]:
        with self._log_lock:
            items = list(self._log)
        for key, value in filters.items():
            if value:
                items = [d for d in items if d.get(key) == value]
        return items

    @property
    def pending(self) -> int:
        return self._pending

    def clear(self) -> None:
        with self._log_lock:
            self._log.clear()

    def close(self) -> None:
        for lane in self._queues:
            lane.put(None)
