"""Workflow messages, generated on demand from an encoding's plan.

Messages are never stored: the same plan and seed always give the same messages with the same ids
and dates, and asking later only reveals more of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulator.catalog import PHASES
from simulator.docs import API_BASICS, ENCODING_STATES
from simulator.ids import derived_int, derived_uuid
from simulator.lifecycle import (
    effective_time,
    input_seconds,
    phase_window,
    rendition_count,
    shown_times,
    status_at,
)
from simulator.planner import failure_for
from simulator.records import CANCELED, ERROR, FINISHED, LIVE, TRANSFER_ERROR, EncodingRecord
from simulator.timefmt import iso_ms

INFO, WARNING, DEBUG, TRACE = "INFO", "WARNING", "DEBUG", "TRACE"
LIVE_PERIOD_S = 900.0
LIVE_PERIODIC_KEPT = 24


@dataclass(frozen=True, slots=True)
class Planned:
    at: float
    type: str
    key: str
    text: str
    phase: str | None = None
    field: str | None = None
    links: tuple[dict[str, str], ...] = ()
    more: dict[str, Any] | None = None


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def _names(rec: EncodingRecord) -> dict[str, str]:
    """Placeholder values for the texts, fixed per encoding."""
    bucket = f"media-ingest-{10 + derived_int(rec.seed, 3, 90)}"
    stem = (rec.name or "input").lower().replace(" ", "_").replace("/", "_")[:40]
    return {
        "bucket": bucket,
        "input": f"s3://{bucket}/incoming/{stem}.mov",
        "host": f"origin-{derived_int(rec.seed, 4, 20)}.media.example.com",
        "outbucket": f"media-delivery-{10 + derived_int(rec.seed, 5, 90)}",
        "outpath": f"/vod/{rec.id[:8]}/",
        "frame": str(1000 + derived_int(rec.seed, 6, 90000)),
        "ren": f"{(360, 480, 720, 1080, 1440, 2160)[derived_int(rec.seed, 7, 6)]}p",
        "region": rec.selected_region or rec.cloud_region,
        "asset": f"https://assets.example.com/{rec.id[:8]}/overlay.png",
        "kid": rec.id.replace("-", "")[:32],
        "infra": rec.infrastructure_id or f"cloud-connect-{derived_int(rec.seed, 8, 9) + 1}",
    }


def _fill(text: str, names: dict[str, str]) -> str:
    for key, value in names.items():
        text = text.replace("{" + key + "}", value)
    return text


def planned(rec: EncodingRecord, t: float) -> list[Planned]:
    """Every message dated at or before t, oldest first."""
    started, running, _ = shown_times(rec)
    if started is None or t < started:
        return []
    out: list[Planned] = []
    names = _names(rec)
    seed = rec.seed
    add = out.append
    mode = rec.selected_mode or "STANDARD"
    add(Planned(started, INFO, "start", f"Encoding start requested (encoder version {rec.encoder_version})"))
    add(
        Planned(
            started + 0.05,
            DEBUG,
            "start.request",
            f"Start request: encodingMode={mode}, priority={rec.priority}",
        )
    )
    add(Planned(started + 0.2, INFO, "queued", "Encoding queued, waiting for a free encoding slot"))
    add(
        Planned(
            started + 0.3, TRACE, "queue.position", f"Scheduler queue position {1 + derived_int(seed, 9, 40)}"
        )
    )
    if rec.selected_region and rec.selected_region != rec.cloud_region:
        add(
            Planned(
                started + 0.4,
                DEBUG,
                "region",
                f"Cloud region {rec.cloud_region} resolved to {rec.selected_region}",
            )
        )
    if rec.encoder_version.startswith("2.1") and rec.encoder_version < "2.180":
        add(
            Planned(
                started + 0.5,
                WARNING,
                "version.deprecated",
                f"Encoder version {rec.encoder_version} is deprecated and will be removed; use STABLE",
                field="encoderVersion",
                links=({"href": API_BASICS, "title": "Using the API: encoder versions"},),
            )
        )
    queue_end = min(x for x in (running, rec.end_at, t) if x is not None)
    waited = 900.0
    count = 0
    while started + waited <= queue_end and count < 6:
        add(
            Planned(
                started + waited,
                WARNING,
                f"queue.slow.{count}",
                f"Encoding has been queued for {_duration(waited)}: no free capacity in {names['region']}",
                links=({"href": ENCODING_STATES, "title": "What the encoding states mean"},),
            )
        )
        waited += 3600.0 if count else 2700.0
        count += 1
    if running is not None and running <= t:
        if rec.type == LIVE:
            _live(rec, t, running, names, out)
        else:
            _vod(rec, t, running, names, out)
    _ending(rec, t, names, out)
    out.sort(key=lambda m: m.at)
    return out


def _vod(rec: EncodingRecord, t: float, running: float, names: dict[str, str], out: list[Planned]) -> None:
    seed, add = rec.seed, out.append
    eff = effective_time(rec, t)
    add(Planned(running, INFO, "run", f"Encoder {rec.selected_version} started in {rec.selected_region}"))
    add(Planned(running + 0.1, DEBUG, "instance", f"Encoding instance {16 << derived_int(seed, 10, 2)} vCPU"))
    renditions = rendition_count(rec)
    length = input_seconds(rec)
    segments = max(1, length // 4)
    texts: dict[str, list[tuple[float, str, str, str | None]]] = {
        "Download": [
            (0.0, INFO, f"Downloading input file {names['input']}", None),
            (0.5, TRACE, "Downloaded 50% of the input file", None),
        ],
        "Analysis": [
            (0.0, INFO, f"Analysing input: 1920x1080, 25 fps, {_duration(length)}, 2 audio streams", None),
            (0.4, DEBUG, "Detected colour primaries BT.709, transfer BT.709, range TV", None),
        ],
        "Encoding": [
            (0.0, INFO, f"Encoding {renditions} video renditions and 2 audio renditions", None),
            (0.25, TRACE, f"Encoded segment {segments // 4} of {segments}", None),
            (0.5, TRACE, f"Encoded segment {segments // 2} of {segments}", None),
            (0.6, DEBUG, f"Average encoding speed {1 + derived_int(seed, 11, 40) / 10:.1f}x realtime", None),
            (0.75, TRACE, f"Encoded segment {3 * segments // 4} of {segments}", None),
        ],
        "Muxing": [(0.0, INFO, "Muxing fMP4 segments for DASH and HLS", None)],
        "Transfer": [
            (0.0, INFO, f"Uploading {segments * (renditions + 2)} files to gs://{names['outbucket']}/", None),
        ],
    }
    roll = derived_int(seed, 12, 100)
    if roll < 25:
        texts["Download"].append(
            (
                0.9,
                WARNING,
                "Input has a variable frame rate; frames are dropped or duplicated",
                "handleVariableInputFps",
            )
        )
    if 20 <= roll < 40:
        texts["Analysis"].append(
            (0.6, WARNING, "Audio stream 2 has no language tag; 'und' is used", "language")
        )
    if 35 <= roll < 47:
        texts["Encoding"].append(
            (0.4, WARNING, "Rendition 1080p exceeded its maximum bitrate by 12% in 4 segments", "maxBitrate")
        )
    for name, _, _ in PHASES:
        begin, end = phase_window(rec, name)
        if begin > eff:
            break
        for share, kind, text, field in texts[name]:
            at = begin + share * (end - begin)
            if at <= eff:
                # No checked documentation page covers these warnings, and a dead link is worse than none.
                add(Planned(at, kind, f"{name}.{share}", text, phase=name, field=field))
    if rec.stall_at is not None and rec.stall_at < t:
        for minutes in (5, 30, 90):
            at = rec.stall_at + minutes * 60.0
            if at <= t and (rec.end_at is None or at < rec.end_at):
                add(Planned(at, WARNING, f"stall.{minutes}", f"No progress for {minutes} minutes"))


def _live(rec: EncodingRecord, t: float, running: float, names: dict[str, str], out: list[Planned]) -> None:
    add = out.append
    end = min(t, rec.end_at) if rec.end_at is not None else t
    ip = f"203.0.113.{1 + derived_int(rec.seed, 13, 250)}"
    add(
        Planned(
            running, INFO, "live.ready", f"Live encoder ready, waiting for the stream at rtmp://{ip}/live"
        )
    )
    if running + 20 <= end:
        add(Planned(running + 20, INFO, "live.connected", "Ingest connected: 1920x1080 @ 50 fps, 6.0 Mbps"))
    periods = int((end - running - 20) // LIVE_PERIOD_S)
    for k in range(max(1, periods - LIVE_PERIODIC_KEPT + 1), periods + 1):
        at = running + 20 + k * LIVE_PERIOD_S
        if derived_int(rec.seed, 100 + k, 12) == 0:
            add(Planned(at, WARNING, f"live.dip.{k}", "Ingest bitrate dropped to 1.2 Mbps for 40 s"))
        else:
            add(Planned(at, TRACE, f"live.ok.{k}", "Ingest healthy: 6.0 Mbps, 0 dropped frames"))


def _ending(rec: EncodingRecord, t: float, names: dict[str, str], out: list[Planned]) -> None:
    if rec.end_at is None or rec.end_at > t:
        return
    end, add = rec.end_at, out.append
    status = status_at(rec, t)
    started = shown_times(rec)[0] or end
    if status == FINISHED:
        what = "Live encoding stopped" if rec.type == LIVE else "Encoding finished successfully"
        add(Planned(end, INFO, "finished", f"{what} after {_duration(end - started)}"))
    elif status == CANCELED:
        add(Planned(end, INFO, "canceled", "Encoding canceled on user request"))
    elif status in (ERROR, TRANSFER_ERROR):
        failure = failure_for(rec.error_code)
        add(
            Planned(
                end,
                "ERROR",
                "error",
                _fill(failure.text, names),
                phase=failure.phase,
                field=failure.field,
                links=(failure.link,),
                more={
                    "errorCode": failure.code,
                    "category": failure.category,
                    "retryHint": failure.retry_hint,
                },
            )
        )
        add(
            Planned(
                end + 0.01,
                DEBUG,
                "error.log",
                f"Encoder log: exit status {1 + derived_int(rec.seed, 14, 254)}",
            )
        )


def render(rec: EncodingRecord, m: Planned) -> dict[str, Any]:
    run_key = int((rec.started_at or 0.0) * 1000)
    item: dict[str, Any] = {
        "id": derived_uuid(rec.id, run_key, m.key),
        "date": iso_ms(m.at),
        "type": m.type,
        "text": m.text,
    }
    if m.field:
        item["field"] = m.field
    if m.links:
        item["links"] = list(m.links)
    if m.more:
        item["more"] = m.more
    return item


def messages(rec: EncodingRecord, t: float) -> list[dict[str, Any]]:
    return [render(rec, m) for m in planned(rec, t)]


def error_details(rec: EncodingRecord, t: float) -> dict[str, Any] | None:
    """ErrorDetails of a failed encoding, with the placeholders filled in."""
    if status_at(rec, t) not in (ERROR, TRANSFER_ERROR):
        return None
    failure = failure_for(rec.error_code)
    return {
        "code": failure.code,
        "category": failure.category,
        "text": _fill(failure.text, _names(rec)),
        "retryHint": failure.retry_hint,
    }
