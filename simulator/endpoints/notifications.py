"""Encoding webhooks: finished, error, transfer-error and status-changed, org-wide or per encoding."""

from __future__ import annotations

from typing import Any

from simulator.endpoints.common import (
    id_reply,
    optional_bool,
    optional_object,
    optional_str,
)
from simulator.errors import bad_parameter, missing_field, not_found
from simulator.pagination import page_of
from simulator.routing import Reply, Request
from simulator.webhooks import Webhook, render_notification, render_webhook

PREFIX = "/notifications/webhooks/encoding/encodings"
EVENT = "{event:finished|error|transfer-error}"
STATUS_CHANGED = "encoding-status-changed"


def _settings(body: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Validated webhook fields from a request body."""
    settings: dict[str, Any] = {}
    url = optional_str(body, "url")
    if url is None and not partial:
        raise missing_field("url")
    if url is not None:
        if not url.startswith(("http://", "https://")):
            raise bad_parameter("url", "must be an http:// or https:// URL")
        settings["url"] = url
    method = body.get("method")
    if method is not None:
        if method not in ("POST", "PUT"):
            raise bad_parameter("method", "must be POST or PUT")
        settings["method"] = method
    insecure = optional_bool(body, "insecureSsl")
    if insecure is not None:
        settings["insecure_ssl"] = insecure
    signature = optional_object(body, "signature")
    if signature is not None:
        if signature.get("type", "HMAC") != "HMAC":
            raise bad_parameter("signature.type", "the only signature type is HMAC")
        key = signature.get("key")
        if not isinstance(key, str) or not key:
            raise missing_field("signature.key")
        settings["signature"] = {"type": "HMAC", "key": key}
    for name in ("name", "description"):
        value = optional_str(body, name)
        if value is not None:
            settings[name] = value
    custom = optional_object(body, "customData")
    if custom is not None:
        settings["custom_data"] = custom
    return settings


def _encoding_scope(request: Request, encoding_id: str | None) -> None:
    if encoding_id is not None:
        request.world.find(request.org_id, encoding_id)


def _create(request: Request, event: str, encoding_id: str | None, extra: dict[str, Any]) -> Webhook:
    settings = {**_settings(request.json()), **extra}
    world = request.world
    with world.lock:
        _encoding_scope(request, encoding_id)
        now = world.now()
        hook = Webhook(
            id=world.new_id(),
            org_id=request.org_id,
            event=event,
            encoding_id=encoding_id,
            created_at=now,
            modified_at=now,
            **settings,
        )
    request.app.registry.add(hook)
    return hook


def _find(request: Request, event: str, hook_id: str, encoding_id: str | None) -> Webhook:
    with request.world.lock:
        _encoding_scope(request, encoding_id)
    hook = request.app.registry.get(request.org_id, event, hook_id, encoding_id)
    if hook is None:
        raise not_found("Webhook", hook_id)
    return hook


def create(request: Request, event: str, encoding_id: str | None = None) -> Reply:
    return Reply(render_webhook(_create(request, event, encoding_id, {})), status=201)


def listing(request: Request, event: str, encoding_id: str | None = None) -> Reply:
    with request.world.lock:
        _encoding_scope(request, encoding_id)
    hooks = request.app.registry.listing(request.org_id, event, encoding_id)
    items = [render_webhook(h) for h in hooks]
    return Reply(
        page_of(items, request.paging(), base_url=request.base_url, path=request.path, query=request.query)
    )


def get(request: Request, event: str, webhook_id: str, encoding_id: str | None = None) -> Reply:
    return Reply(render_webhook(_find(request, event, webhook_id, encoding_id)))


def delete(request: Request, event: str, webhook_id: str, encoding_id: str | None = None) -> Reply:
    hook = _find(request, event, webhook_id, encoding_id)
    request.app.registry.remove(hook.id)
    return id_reply(hook.id)


def _conditions(body: dict[str, Any]) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    conditions = optional_object(body, "conditions")
    if conditions is not None:
        if str(conditions.get("type", "CONDITION")).upper() not in ("CONDITION", "AND", "OR"):
            raise bad_parameter("conditions.type", "must be CONDITION, AND or OR")
        extra["conditions"] = conditions
    resolve = optional_bool(body, "resolve")
    if resolve is not None:
        extra["resolve"] = resolve
    return extra


def create_status_changed(request: Request, encoding_id: str | None = None) -> Reply:
    extra = _conditions(request.json())
    hook = _create(request, STATUS_CHANGED, encoding_id, extra)
    return Reply(render_notification(hook), status=201)


def list_status_changed(request: Request, encoding_id: str | None = None) -> Reply:
    with request.world.lock:
        _encoding_scope(request, encoding_id)
    hooks = request.app.registry.listing(request.org_id, STATUS_CHANGED, encoding_id)
    items = [render_notification(h) for h in hooks]
    return Reply(
        page_of(items, request.paging(), base_url=request.base_url, path=request.path, query=request.query)
    )


def _find_status_changed(request: Request, notification_id: str) -> Webhook:
    hook = request.app.registry.hooks.get(notification_id)
    if hook is None or hook.org_id != request.org_id or hook.event != STATUS_CHANGED:
        raise not_found("Webhook", notification_id)
    return hook


def get_status_changed(request: Request, notification_id: str) -> Reply:
    return Reply(render_notification(_find_status_changed(request, notification_id)))


def update_status_changed(request: Request, notification_id: str) -> Reply:
    hook = _find_status_changed(request, notification_id)
    body = request.json()
    settings = {**_settings(body, partial=True), **_conditions(body)}
    for name, value in settings.items():
        setattr(hook, name, value)
    hook.modified_at = request.world.now()
    return Reply(render_notification(hook))


def delete_status_changed(request: Request, notification_id: str) -> Reply:
    hook = _find_status_changed(request, notification_id)
    request.app.registry.remove(hook.id)
    return id_reply(hook.id)
