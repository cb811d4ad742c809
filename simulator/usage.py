"""Usage figures: what each encoding encoded and billed, and daily sums per organization.

The figures come from each encoding's seed and input length, so they are stable and cost no RNG.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from simulator.ids import derived_uuid
from simulator.lifecycle import input_seconds, progress_at, rendition_count, status_at
from simulator.records import FINISHED, LIVE, EncodingRecord
from simulator.timefmt import day, day_start

# (height, bitrate) of the ladder; an encoding uses its lowest `rendition_count` rungs.
LADDER = (
    (240, 400_000),
    (360, 800_000),
    (480, 1_200_000),
    (720, 2_400_000),
    (1080, 4_800_000),
    (1440, 8_000_000),
    (2160, 12_000_000),
)
AUDIO_BITRATE = 128_000


def _resolution(height: int) -> tuple[str, float]:
    if height < 720:
        return "SD", 1.0
    if height <= 1080:
        return "HD", 2.0
    return "UHD", 4.0


def streams(rec: EncodingRecord, share: float) -> list[dict[str, Any]]:
    seconds = input_seconds(rec) * share
    result = []
    for index, (height, bitrate) in enumerate(LADDER[: rendition_count(rec)]):
        resolution, multiplier = _resolution(height)
        result.append(
            {
                "streamId": derived_uuid(rec.id, "stream", index),
                "codecConfigId": derived_uuid(rec.id, "codec", index),
                "multiplicator": multiplier,
                "encodedBytes": int(bitrate * seconds / 8),
                "encodedSeconds": round(seconds, 3),
                "billableMinutes": round(seconds / 60 * multiplier, 3),
                "width": height * 16 // 9,
                "height": height,
                "rate": 25.0,
                "bitrate": bitrate,
                "codec": "H264",
                "resolution": resolution,
                "encodingMode": rec.selected_mode or "STANDARD",
                "live": rec.type == LIVE,
            }
        )
    for index in range(2):
        result.append(
            {
                "streamId": derived_uuid(rec.id, "audio", index),
                "codecConfigId": derived_uuid(rec.id, "aac", index),
                "multiplicator": 1.0,
                "encodedBytes": int(AUDIO_BITRATE * seconds / 8),
                "encodedSeconds": round(seconds, 3),
                "billableMinutes": round(seconds / 60, 3),
                "rate": 48000.0,
                "bitrate": AUDIO_BITRATE,
                "codec": "AAC",
                "encodingMode": rec.selected_mode or "STANDARD",
                "live": rec.type == LIVE,
            }
        )
    return result


def share_done(rec: EncodingRecord, t: float) -> float:
    status = status_at(rec, t)
    if status == FINISHED:
        return 1.0
    return progress_at(rec, t, status) / 100.0


def figures(rec: EncodingRecord, share: float = 1.0) -> tuple[int, int, float]:
    """(bytes encoded, seconds encoded, billable minutes) for the given share of the work."""
    seconds = input_seconds(rec) * share
    count = rendition_count(rec)
    video = sum(bitrate for _, bitrate in LADDER[:count])
    minutes = sum(_resolution(h)[1] for h, _ in LADDER[:count]) * seconds / 60 + 2 * seconds / 60
    return int((video + 2 * AUDIO_BITRATE) * seconds / 8), int(seconds), round(minutes, 3)


def encoding_stats(rec: EncodingRecord, t: float) -> dict[str, Any]:
    share = share_done(rec, t)
    bytes_encoded, seconds, minutes = figures(rec, share)
    per_stream = streams(rec, share)
    end = rec.end_at if rec.end_at is not None and rec.end_at <= t else t
    return {
        "date": day(end),
        "encodingId": rec.id,
        "bytesEncoded": bytes_encoded,
        "timeEncoded": seconds,
        "downloadedSize": int(input_seconds(rec) * 2_500_000 * min(1.0, share * 8)),
        "billableMinutes": minutes,
        "billableEgressBytes": [{"category": "OUTPUT", "bytes": bytes_encoded, "outputType": "S3"}],
        "billableEncodingMinutes": billable_by_resolution(per_stream, rec),
        "billableTransmuxingMinutes": 0.0,
        "billableFeatureMinutes": 0.0,
        "streams": per_stream,
        "muxings": [
            {
                "streamId": s["streamId"],
                "muxingId": derived_uuid(rec.id, "muxing", i),
                "multiplicator": 0.0,
                "encodedBytes": s["encodedBytes"],
                "billableMinutes": 0.0,
                "muxingType": "FMP4",
            }
            for i, s in enumerate(per_stream)
        ],
        "features": [],
    }


def billable_by_resolution(per_stream: list[dict[str, Any]], rec: EncodingRecord) -> list[dict[str, Any]]:
    minutes: dict[str, float] = {}
    for s in per_stream:
        key = s.get("resolution", "AUDIO") if s["codec"] != "AAC" else "AUDIO"
        minutes[key] = round(minutes.get(key, 0.0) + s["billableMinutes"], 3)
    return [
        {
            "encodingMode": rec.selected_mode or "STANDARD",
            "codec": "H264",
            "live": rec.type == LIVE,
            "billableMinutes": minutes,
        }
    ]


def encoding_statistics(rec: EncodingRecord, t: float) -> dict[str, Any]:
    """EncodingStatisticsVod / EncodingStatisticsLive of a finished encoding."""
    bytes_encoded, seconds, _ = figures(rec)
    item: dict[str, Any] = {
        "date": day(rec.end_at or t),
        "bytesEncoded": bytes_encoded,
        "timeEncoded": seconds,
        "bytesEgress": bytes_encoded,
        "billableTransmuxingMinutes": 0.0,
        "billableFeatureMinutes": 0.0,
    }
    if rec.type != LIVE and rec.running_at is not None and rec.started_at is not None:
        item["timeEnqueued"] = int(rec.running_at - rec.started_at)
        item["realtimeFactor"] = round(seconds / max(rec.run_s, 1.0), 2)
    return item


def finished(records: Iterable[EncodingRecord], t: float, low: float, high: float) -> list[EncodingRecord]:
    return [
        r
        for r in records
        if r.end_at is not None and low <= r.end_at < high and r.end_at <= t and r.outcome == FINISHED
    ]


def daily(records: list[EncodingRecord], t: float, first: date, last: date) -> list[dict[str, Any]]:
    """One DailyStatistics per day from first to last, oldest first, days without work included."""
    low, high = day_start(first), day_start(last + timedelta(days=1))
    sums: dict[str, list[float]] = {}
    for rec in finished(records, t, low, high):
        bytes_encoded, seconds, minutes = figures(rec)
        row = sums.setdefault(day(rec.end_at or t), [0, 0, 0.0])
        row[0] += bytes_encoded
        row[1] += seconds
        row[2] += minutes
    result = []
    current = first
    while current <= last:
        b, s, m = sums.get(current.isoformat(), [0, 0, 0.0])
        result.append(
            {
                "date": current.isoformat(),
                "bytesEncoded": int(b),
                "timeEncoded": int(s),
                "billableMinutes": round(m, 3),
                "billableEncodingMinutes": [],
                "billableTransmuxingMinutes": 0.0,
                "billableFeatureMinutes": [],
                "billableEgressBytes": [{"category": "OUTPUT", "bytes": int(b), "outputType": "S3"}]
                if b
                else [],
            }
        )
        current += timedelta(days=1)
    return result


def totals(
    records: Iterable[EncodingRecord], t: float, low: float = 0.0, high: float = float("inf")
) -> dict[str, int]:
    bytes_total = seconds_total = 0
    for rec in finished(records, t, low, high):
        bytes_encoded, seconds, _ = figures(rec)
        bytes_total += bytes_encoded
        seconds_total += seconds
    return {
        "bytesEncodedTotal": bytes_total,
        "timeEncodedTotal": seconds_total,
        "bytesEgressTotal": bytes_total,
    }
