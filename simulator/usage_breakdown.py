"""Usage split by encoding type and by label: sums over the same per-encoding figures as `usage`.

Each finished encoding counts on the day it finished, once under its type and once under each of its labels,
so a day's sum by type equals the sum of the per-encoding statistics of the encodings finished that day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from simulator.records import LIVE, EncodingRecord
from simulator.timefmt import day, day_start
from simulator.usage import billable_by_resolution, figures, finished, streams

Sums = dict[str, Any]


def _empty() -> Sums:
    return {"bytes": 0, "seconds": 0, "minutes": 0.0, "by_resolution": {}}


def _add(sums: Sums, rec: EncodingRecord) -> None:
    bytes_encoded, seconds, minutes = figures(rec)
    sums["bytes"] += bytes_encoded
    sums["seconds"] += seconds
    sums["minutes"] += minutes
    split = billable_by_resolution(streams(rec, 1.0), rec)[0]["billableMinutes"]
    for resolution, value in split.items():
        sums["by_resolution"][resolution] = sums["by_resolution"].get(resolution, 0.0) + value


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _billable_encoding_minutes(sums: Sums, live: bool) -> list[dict[str, Any]]:
    """The billable minutes by resolution as one BillableEncodingMinutes entry (none without work)."""
    if not sums["by_resolution"]:
        return []
    minutes = {key: round(value, 3) for key, value in sorted(sums["by_resolution"].items())}
    return [{"encodingMode": "STANDARD", "codec": "H264", "live": live, "billableMinutes": minutes}]


def _egress(bytes_encoded: float) -> list[dict[str, Any]]:
    return [{"category": "OUTPUT", "bytes": int(bytes_encoded), "outputType": "S3"}] if bytes_encoded else []


def daily_by_type(
    records: list[EncodingRecord], t: float, first: date, last: date, encoding_type: str
) -> list[dict[str, Any]]:
    """One EncodingStatistics per day from first to last, oldest first, for one encoding type."""
    sums: dict[str, Sums] = {}
    for rec in finished(records, t, day_start(first), day_start(last + timedelta(days=1))):
        if rec.type == encoding_type:
            _add(sums.setdefault(day(rec.end_at or t), _empty()), rec)
    live = encoding_type == LIVE
    result = []
    for current in _days(first, last):
        row = sums.get(current.isoformat(), _empty())
        result.append(
            {
                "date": current.isoformat(),
                "bytesEncoded": int(row["bytes"]),
                "timeEncoded": int(row["seconds"]),
                "bytesEgress": int(row["bytes"]),
                "billableEncodingMinutes": _billable_encoding_minutes(row, live),
                "billableEgressBytes": _egress(row["bytes"]),
                "billableTransmuxingMinutes": 0.0,
                "billableFeatureMinutes": 0.0,
            }
        )
    return result


def _by_label(
    records: Iterable[EncodingRecord], wanted: frozenset[str] | None
) -> dict[str, list[EncodingRecord]]:
    groups: dict[str, list[EncodingRecord]] = {}
    for rec in records:
        for label in rec.labels:
            if wanted is None or label in wanted:
                groups.setdefault(label, []).append(rec)
    return groups


def per_label(
    records: list[EncodingRecord], t: float, low: float, high: float, wanted: frozenset[str] | None
) -> list[dict[str, Any]]:
    """One StatisticsPerLabel per label with finished work in [low, high), labels in alphabetical order."""
    result = []
    for label, group in sorted(_by_label(finished(records, t, low, high), wanted).items()):
        sums = _empty()
        for rec in group:
            _add(sums, rec)
        result.append(
            {
                "label": label,
                "bytesEncodedTotal": int(sums["bytes"]),
                "timeEncodedTotal": int(sums["seconds"]),
                "bytesEgressTotal": int(sums["bytes"]),
                "billableMinutes": round(sums["minutes"], 3),
                "billableEncodingMinutes": _billable_encoding_minutes(sums, False),
                "billableTransmuxingMinutes": 0.0,
                "billableFeatureMinutes": [],
                "billableEgressBytes": _egress(sums["bytes"]),
            }
        )
    return result


def daily_per_label(
    records: list[EncodingRecord], t: float, first: date, last: date, wanted: frozenset[str] | None
) -> list[dict[str, Any]]:
    """One DailyStatisticsPerLabel per day from first to last, oldest first; a day without labelled work
    has an empty `labels` list."""
    by_day: dict[str, list[EncodingRecord]] = {}
    for rec in finished(records, t, day_start(first), day_start(last + timedelta(days=1))):
        by_day.setdefault(day(rec.end_at or t), []).append(rec)
    result = []
    for current in _days(first, last):
        labels = []
        for label, group in sorted(_by_label(by_day.get(current.isoformat(), []), wanted).items()):
            sums = _empty()
            for rec in group:
                _add(sums, rec)
            labels.append(
                {
                    "date": current.isoformat(),
                    "label": label,
                    "bytesEncoded": int(sums["bytes"]),
                    "timeEncoded": int(sums["seconds"]),
                    "billableMinutes": round(sums["minutes"], 3),
                    "billableEncodingMinutes": [],
                    "billableTransmuxingMinutes": 0.0,
                    "billableFeatureMinutes": [],
                    "billableEgressBytes": _egress(sums["bytes"]),
                }
            )
        result.append({"date": current.isoformat(), "labels": labels})
    return result
