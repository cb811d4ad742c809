"""Encoding actions with the API's preconditions: start, stop, reprioritize, reschedule."""

from __future__ import annotations

from typing import Any

from simulator import planner, render
from simulator.endpoints.common import (
    change_encoding,
    info,
    optional_int,
    optional_object,
    required_str,
    wrong_state,
)
from simulator.errors import bad_parameter, missing_field
from simulator.lifecycle import status_at
from simulator.records import CANCELED, CREATED, QUEUED, RUNNING, EncodingRecord
from simulator.routing import Reply, Request
from simulator.vocab import ENCODING_MODES


def start(request: Request, encoding_id: str) -> Reply:
    body = request.json()
    scheduling = optional_object(body, "scheduling") or {}
    optional_int(scheduling, "priority", 0, 100)
    mode = body.get("encodingMode")
    if mode is not None and mode not in ENCODING_MODES:
        raise bad_parameter("encodingMode", f"'{mode}' is not an encoding mode")
    trimming = optional_object(body, "trimming") or {}
    offset = trimming.get("offset")
    if offset is not None and (not isinstance(offset, int | float) or offset < 0):
        raise bad_parameter("trimming.offset", "must be a number of seconds, 0 or more")

    def begin(rec: EncodingRecord, now: float) -> list[dict[str, Any]]:
        planner.start(rec, request.world.rng, now, request.world.speed, body)
        notes = [info(request, f"Encoding {encoding_id} was queued for execution")]
        if rec.encoder_version.startswith("2.1") and rec.encoder_version < "2.180":
            notes.append(info(request, f"Encoder version {rec.encoder_version} is deprecated", "WARNING"))
        return notes

    return change_encoding(
        request,
        encoding_id,
        allowed={CREATED},
        code=2000,
        title="Encoding resource error",
        refusal=f"Encoding {encoding_id} is {{status}}; only an encoding in status CREATED can be started",
        change=begin,
    )


def get_start_request(request: Request, encoding_id: str) -> Reply:
    world = request.world
    with world.lock:
        rec = world.find(request.org_id, encoding_id)
        if rec.started_at is None or status_at(rec, world.now()) == CREATED:
            raise wrong_state(
                2047,
                "Encoding not started",
                f"Cannot retrieve the start request of encoding {encoding_id}: it has not been started yet",
            )
        return Reply(render.start_request(rec))


def stop(request: Request, encoding_id: str) -> Reply:
    return change_encoding(
        request,
        encoding_id,
        allowed={QUEUED, RUNNING},
        code=2000,
        title="Encoding resource error",
        refusal=f"Encoding {encoding_id} is {{status}}; only QUEUED or RUNNING encodings can be stopped",
        change=lambda rec, now: planner.stop(rec, now, CANCELED),
    )


def reprioritize(request: Request, encoding_id: str) -> Reply:
    body = request.json()
    if body.get("priority") is None:
        raise missing_field("priority")
    priority = optional_int(body, "priority", 0, 100)
    assert priority is not None
    return change_encoding(
        request,
        encoding_id,
        allowed={QUEUED},
        code=2030,
        title="Reprioritization not allowed",
        refusal=f"Encoding {encoding_id} is {{status}}; only QUEUED encodings can be reprioritized",
        change=lambda rec, now: planner.reprioritize(rec, now, priority),
    )


def reschedule(request: Request, encoding_id: str) -> Reply:
    body = request.json()
    infrastructure_id = required_str(body, "infrastructureId")
    return change_encoding(
        request,
        encoding_id,
        allowed={QUEUED},
        code=2027,
        title="Rescheduling failed",
        refusal=f"Encoding {encoding_id} is {{status}}; only QUEUED encodings can be rescheduled",
        change=lambda rec, now: planner.reschedule(
            rec, request.world.rng, now, request.world.speed, infrastructure_id
        ),
    )
