"""Helpers shared by the endpoint modules: body validation and small reply shapes."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from simulator.errors import ApiError, bad_parameter, missing_field
from simulator.ids import seeded_uuid
from simulator.lifecycle import status_at
from simulator.records import EncodingRecord
from simulator.routing import Reply, Request
from simulator.timefmt import iso_ms


def id_reply(resource_id: str, messages: list[dict[str, Any]] | None = None) -> Reply:
    return Reply({"id": resource_id}, messages=messages)


def info(request: Request, text: str, kind: str = "INFO") -> dict[str, Any]:
    return {
        "id": seeded_uuid(request.world.rng),
        "date": iso_ms(request.world.now()),
        "type": kind,
        "text": text,
    }


def optional_str(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_parameter(name, "must be a string")
    return value


def required_str(body: dict[str, Any], name: str) -> str:
    value = optional_str(body, name)
    if not value:
        raise missing_field(name)
    return value


def optional_int(body: dict[str, Any], name: str, low: int, high: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_parameter(name, "must be an integer")
    if not low <= value <= high:
        raise bad_parameter(name, f"{value} must be between {low} and {high}")
    return value


def optional_bool(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise bad_parameter(name, "must be true or false")
    return value


def optional_object(body: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = body.get(name)
    if value is not None and not isinstance(value, dict):
        raise bad_parameter(name, "must be a JSON object")
    return value


def string_list(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_parameter(name, "must be a list of strings")
    return value


def wrong_state(code: int, title: str, text: str) -> ApiError:
    return ApiError(409, code, title, text)


def require_status(
    rec: EncodingRecord, now: float, allowed: Collection[str], code: int, title: str, refusal: str
) -> str:
    """The encoding's status at `now`, or the API's 409 with `code` when an action needs another one.

    `refusal` is the error's text; "{status}" in it names the status the encoding is in.
    """
    status = status_at(rec, now)
    if status not in allowed:
        # replace(), not format(): the text also holds the encoding id, which may contain braces.
        raise wrong_state(code, title, refusal.replace("{status}", status))
    return status


def find_encoding(request: Request, encoding_id: str) -> EncodingRecord:
    return request.world.find(request.org_id, encoding_id)


def read_encoding(
    request: Request,
    encoding_id: str,
    show: Callable[[EncodingRecord, float], Any],
) -> Reply:
    """One encoding of the caller's organization, read under the world's lock and answered as `show` puts
    it (record, now); Bitmovin's 404 when there is none."""
    world = request.world
    with world.lock:
        return Reply(show(find_encoding(request, encoding_id), world.now()))


def change_encoding(
    request: Request,
    encoding_id: str,
    *,
    find: Callable[[Request, str], EncodingRecord] = find_encoding,
    allowed: Collection[str],
    code: int,
    title: str,
    refusal: str,
    change: Callable[[EncodingRecord, float], list[dict[str, Any]] | None],
) -> Reply:
    """An action on one encoding, all under the world's lock: find it, check that its status allows the
    action (else Bitmovin's 409 with `code`), change it, and have its webhooks watch it. The answer is the
    encoding's id, with the messages `change` returns."""
    world = request.world
    with world.lock:
        rec = find(request, encoding_id)
        now = world.now()
        require_status(rec, now, allowed, code, title, refusal)
        notes = change(rec, now)
        world.watch(rec)
    return id_reply(encoding_id, notes)
