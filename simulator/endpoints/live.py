"""Live encodings: details, start, stop, restart and heartbeat."""

from __future__ import annotations

import re
from typing import Any

from simulator import planner, render
from simulator.endpoints.common import change_encoding, required_str, wrong_state
from simulator.errors import ApiError, bad_parameter
from simulator.ids import derived_int
from simulator.lifecycle import shown_times, status_at
from simulator.records import CANCELED, CREATED, ERROR, FINISHED, LIVE, QUEUED, RUNNING, EncodingRecord
from simulator.routing import Reply, Request
from simulator.timefmt import iso

STREAM_KEY = re.compile(r"^[a-zA-Z]{3,20}$")
INGEST_STATUS = {
    QUEUED: "WAITING_FOR_FIRST_CONNECT",
    RUNNING: "CONNECTED",
    FINISHED: "FINISHED",
    ERROR: "ERROR",
    CANCELED: "NOT_AVAILABLE",
}


def _live(request: Request, encoding_id: str) -> EncodingRecord:
    rec = request.world.find(request.org_id, encoding_id)
    if rec.type != LIVE:
        raise ApiError(400, 2029, "Wrong encoding type", f"Encoding {encoding_id} is not a live encoding")
    return rec


def get_live(request: Request, encoding_id: str) -> Reply:
    world = request.world
    with world.lock:
        rec = _live(request, encoding_id)
        status = status_at(rec, world.now())
        if status in (CREATED, QUEUED):
            raise wrong_state(2023, "Live stream not ready", f"Live encoding {encoding_id} is {status}")
        return Reply(render.live_details(rec))


def start_live(request: Request, encoding_id: str) -> Reply:
    body = request.json()
    key = required_str(body, "streamKey")
    if not STREAM_KEY.match(key):
        raise bad_parameter("streamKey", "must be 3 to 20 letters a-z or A-Z")
    return change_encoding(
        request,
        encoding_id,
        find=_live,
        allowed={CREATED},
        code=2000,
        title="Encoding resource error",
        refusal=f"Live encoding {encoding_id} is {{status}}; it can start only once",
        change=lambda rec, now: planner.start(rec, request.world.rng, now, request.world.speed, body),
    )


def get_live_start_request(request: Request, encoding_id: str) -> Reply:
    world = request.world
    with world.lock:
        rec = _live(request, encoding_id)
        if status_at(rec, world.now()) == CREATED:
            raise wrong_state(
                2047, "Encoding not started", f"Live encoding {encoding_id} has not been started yet"
            )
        result: dict[str, Any] = dict(rec.start_request or {})
        result.setdefault("streamKey", render.live_details(rec)["streamKey"])
        return Reply(result)


def stop_live(request: Request, encoding_id: str) -> Reply:
    return change_encoding(
        request,
        encoding_id,
        find=_live,
        allowed={QUEUED, RUNNING},
        code=2022,
        title="Stop live encoding error",
        refusal=f"Live encoding {encoding_id} is {{status}}",
        change=lambda rec, now: planner.stop(rec, now, FINISHED),
    )


def restart_live(request: Request, encoding_id: str) -> Reply:
    return change_encoding(
        request,
        encoding_id,
        find=_live,
        allowed={RUNNING, ERROR},
        code=2028,
        title="Wrong status for restarting live encoding",
        refusal=(
            f"Live encoding {encoding_id} is {{status}}; "
            "only RUNNING or ERROR live encodings can be restarted"
        ),
        change=lambda rec, now: planner.restart_live(rec, request.world.rng, now, request.world.speed),
    )


def heartbeat(request: Request, encoding_id: str) -> Reply:
    world = request.world
    with world.lock:
        rec = _live(request, encoding_id)
        now = world.now()
        status = status_at(rec, now)
        if status == CREATED:
            raise wrong_state(
                2023, "Live stream not ready", f"Live encoding {encoding_id} has not been started"
            )
        _, running, end = shown_times(rec)
        ingest = INGEST_STATUS.get(status, "NOT_AVAILABLE")
        # The plan's own start decides the connection, even where a forced plan's shown time is clamped.
        if status == RUNNING and rec.running_at is not None and now - rec.running_at < 20:
            ingest = "WAITING_FOR_FIRST_CONNECT"
        healthy = ingest == "CONNECTED"
        events = []
        if running is not None and running + 20 <= now:
            events.append(
                {
                    "time": iso(running + 20),
                    "details": {"eventType": "FIRST_CONNECT", "message": "Ingest connected"},
                }
            )
        if end is not None and rec.end_at is not None and rec.end_at <= now:
            kind = "ERROR" if status == ERROR else "DISCONNECT"
            events.append(
                {"time": iso(end), "details": {"eventType": kind, "message": f"Live encoding {status}"}}
            )
        bitrate = 5_500_000 + derived_int(rec.seed, 30, 1_000_000)
        result = {
            "timestamp": iso(now),
            "ingest": {
                "status": ingest,
                "healthy": healthy,
                "streams": [
                    {
                        "streamId": "video-0",
                        "mediaType": "VIDEO",
                        "width": 1920,
                        "height": 1080,
                        "rate": 50.0,
                        "codec": "H264",
                        "bitrate": bitrate,
                        "incomingBitrate": float(bitrate) if healthy else 0.0,
                        "healthy": healthy,
                    },
                    {
                        "streamId": "audio-0",
                        "mediaType": "AUDIO",
                        "rate": 48000.0,
                        "codec": "AAC",
                        "bitrate": 128000,
                        "numberOfAudioChannels": 2,
                        "healthy": healthy,
                    },
                ],
                "droppedPacketsVideo": derived_int(rec.seed, 31, 5) if healthy else 0,
                "droppedPacketsAudio": 0,
                "corruptPacketsVideo": 0,
                "corruptPacketsAudio": 0,
            },
            "events": events,
            "output": {
                "segments": {"totalProcessingStatsMs": {"min": 180, "max": 950, "mean": 320, "median": 300}}
            },
        }
        return Reply(result)
