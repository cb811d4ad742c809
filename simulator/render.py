"""JSON shapes of encodings, tasks and subtasks, as the SDK models name their keys.

Absent values are left out rather than sent as null (README).
"""

from __future__ import annotations

from typing import Any

from simulator import messages
from simulator.ids import derived_int, derived_uuid
from simulator.lifecycle import (
    eta_at,
    input_seconds,
    modified_at,
    progress_at,
    shown_times,
    status_at,
    subtasks_at,
)
from simulator.records import CREATED, ERROR, LIVE, EncodingRecord
from simulator.timefmt import iso, iso_ms


def encoding(rec: EncodingRecord, t: float, *, with_custom_data: bool = True) -> dict[str, Any]:
    status = status_at(rec, t)
    started, running, end = shown_times(rec)
    item: dict[str, Any] = {
        "id": rec.id,
        "name": rec.name,
        "description": rec.description,
        "createdAt": iso(rec.created_at),
        "modifiedAt": iso(modified_at(rec, t)),
        "type": rec.type,
        "status": status,
        "progress": progress_at(rec, t, status),
        "cloudRegion": rec.cloud_region,
        "encoderVersion": rec.encoder_version,
        "labels": list(rec.labels),
    }
    if status != CREATED:
        item["startedAt"] = iso(started)
        item["queuedAt"] = iso(started)
        item["selectedEncoderVersion"] = rec.selected_version
        item["selectedCloudRegion"] = rec.selected_region
        item["selectedEncodingMode"] = rec.selected_mode
        item.update(_reached_phases(rec, t, status, running, end))
    if rec.infrastructure_id:
        item["infrastructure"] = {"infrastructureId": rec.infrastructure_id, "cloudRegion": rec.cloud_region}
    if rec.type == LIVE:
        item["liveOptionsType"] = "HD"
    if with_custom_data and rec.custom_data is not None:
        item["customData"] = rec.custom_data
    return {k: v for k, v in item.items() if v is not None}


def task(rec: EncodingRecord, t: float) -> dict[str, Any]:
    """The Task model of GET .../status."""
    status = status_at(rec, t)
    started, running, end = shown_times(rec)
    all_messages = messages.planned(rec, t)
    item: dict[str, Any] = {
        "id": rec.id,
        "status": status,
        "progress": progress_at(rec, t, status),
        "eta": eta_at(rec, t, status),
        "createdAt": iso(rec.created_at),
        "messages": [messages.render(rec, m) for m in all_messages],
        "subtasks": subtasks(rec, t, status, all_messages),
    }
    if status != CREATED:
        item["queuedAt"] = iso(started)
        item.update(_reached_phases(rec, t, status, running, end))
    error = messages.error_details(rec, t)
    if error is not None:
        item["error"] = error
    return {k: v for k, v in item.items() if v is not None}


def _reached_phases(
    rec: EncodingRecord, t: float, status: str, running: float | None, end: float | None
) -> dict[str, str]:
    """runningAt, finishedAt and errorAt, each only once the encoding has reached it at time t."""
    times = {}
    if running is not None and running <= t:
        times["runningAt"] = iso(running)
    if end is not None and rec.end_at is not None and rec.end_at <= t:
        times["finishedAt"] = iso(end)
        if status == ERROR:
            times["errorAt"] = iso(end)
    return times


def subtasks(
    rec: EncodingRecord, t: float, status: str, all_messages: list[messages.Planned]
) -> list[dict[str, Any]]:
    run_key = int((rec.started_at or 0.0) * 1000)
    result = []
    for sub in subtasks_at(rec, t, status):
        item: dict[str, Any] = {
            "id": derived_uuid(rec.id, run_key, "subtask", sub.name),
            "name": sub.name,
            "status": sub.status,
            "progress": sub.progress,
            "createdAt": iso(sub.started_at),
            "queuedAt": iso(sub.started_at),
            "startedAt": iso(sub.started_at),
            "runningAt": iso(sub.started_at),
            "updatedAt": iso(sub.updated_at),
            "messages": [messages.render(rec, m) for m in all_messages if m.phase == sub.name],
        }
        if sub.finished_at is not None:
            item["finishedAt"] = iso(sub.finished_at)
            if sub.status == "ERROR":
                item["errorAt"] = iso(sub.finished_at)
        if sub.name == "Encoding" and rec.type != LIVE:
            item["metadata"] = [_encoding_metadata(rec, sub.updated_at, sub.progress)]
        result.append(item)
    return result


def _encoding_metadata(rec: EncodingRecord, at: float, progress: int) -> dict[str, Any]:
    frames_total = 25 * input_seconds(rec)
    frames = frames_total * progress // 100
    fps = 40.0 + derived_int(rec.seed, 15, 200)
    return {
        "date": iso_ms(at),
        "data": {
            "framesEncoded": frames,
            "framesAnalysed": frames_total,
            "bytesEncoded": frames * 9000,
            "avgFramesEncodedPerSecond": fps,
            "realtimeFactor": round(fps / 25.0, 2),
            "size": frames * 9000,
        },
    }


def start_request(rec: EncodingRecord) -> dict[str, Any]:
    """What GET .../start returns: the request as sent, or the defaults a script would have sent."""
    if rec.start_request is not None:
        return rec.start_request
    return {"encodingMode": "STANDARD", "scheduling": {"priority": rec.priority}}


def live_details(rec: EncodingRecord) -> dict[str, Any]:
    key = (rec.start_request or {}).get("streamKey") or "".join(
        "abcdefghijkmnpqrstuvwxyz"[derived_int(rec.seed, 20 + i, 24)] for i in range(12)
    )
    return {
        "streamKey": key,
        "encoderIp": f"203.0.113.{1 + derived_int(rec.seed, 13, 250)}",
        "application": "live",
    }
