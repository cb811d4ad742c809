"""The statistics by type, by label and per day agree with the per-encoding statistics of the encodings the
simulator ran: each finished encoding counts once, on the day it finished, under its type and its labels."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest

from tests.simulator.conftest import Http

DAYS = 30


def finished_encodings(http: Http) -> list[dict[str, Any]]:
    found, offset = [], 0
    while True:
        page = http.result(
            "GET", "/encoding/encodings", params={"status": "FINISHED", "limit": 100, "offset": offset}
        )
        found += page["items"]
        offset += len(page["items"])
        if not page["items"] or "next" not in page:
            return found


@pytest.fixture(scope="module")
def expected(http: Http) -> dict[str, Any]:
    """Sums of the per-encoding statistics over the last DAYS days, by (day, type) and by (day, label)."""
    first = date.today() - timedelta(days=DAYS - 1)
    by_type: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0, 0.0])
    by_label: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for encoding in finished_encodings(http):
        stats = http.result("GET", f"/encoding/statistics/encodings/{encoding['id']}")
        if not first.isoformat() <= stats["date"] <= date.today().isoformat():
            continue
        keys = [(by_type, encoding["type"])] + [(by_label, label) for label in encoding["labels"]]
        for sums, key in keys:
            row = sums[(stats["date"], key)]
            row[0] += stats["bytesEncoded"]
            row[1] += stats["timeEncoded"]
            row[2] += stats["billableMinutes"]
    return {"first": first, "by_type": by_type, "by_label": by_label}


def figures(sums: dict[tuple[str, str], list[float]], day: str, key: str) -> tuple[int, int, float]:
    row = sums.get((day, key), [0, 0, 0.0])
    return int(row[0]), int(row[1]), round(row[2], 3)


@pytest.mark.parametrize("encoding_type", ["VOD", "LIVE"])
def test_each_days_sum_by_type_is_the_sum_of_the_encodings_finished_that_day(
    http: Http, expected: dict[str, Any], encoding_type: str
) -> None:
    first, last = expected["first"], date.today()
    path = f"/encoding/statistics/encodings/{encoding_type.lower()}/daily/{first}/{last}"
    days = http.result("GET", path)["items"]

    assert len(days) == DAYS
    for row in days:
        minutes = sum(sum(e["billableMinutes"].values()) for e in row["billableEncodingMinutes"])
        want_bytes, want_seconds, want_minutes = figures(expected["by_type"], row["date"], encoding_type)
        assert (row["bytesEncoded"], row["timeEncoded"]) == (want_bytes, want_seconds), row["date"]
        # Rounded per stream to the thousandth, so sums may differ by a few thousandths of a minute.
        assert minutes == pytest.approx(want_minutes, abs=0.05), row["date"]
    if encoding_type == "VOD":
        assert sum(row["bytesEncoded"] for row in days) > 0


def test_each_days_sum_by_label_is_the_sum_of_that_labels_encodings_finished_that_day(
    http: Http, expected: dict[str, Any]
) -> None:
    first, last = expected["first"], date.today()
    days = http.result("GET", f"/encoding/statistics/labels/daily/{first}/{last}", params={"limit": 100})[
        "items"
    ]

    seen = {(row["date"], entry["label"]) for row in days for entry in row["labels"]}
    assert seen == set(expected["by_label"])
    for row in days:
        for entry in row["labels"]:
            got = (entry["bytesEncoded"], entry["timeEncoded"], entry["billableMinutes"])
            want = figures(expected["by_label"], row["date"], entry["label"])
            assert got[:2] == want[:2] and got[2] == pytest.approx(want[2], abs=0.01)


def test_the_day_sums_add_up_to_the_accounts_daily_statistics(http: Http, expected: dict[str, Any]) -> None:
    first, last = expected["first"], date.today()
    overall = http.result("GET", f"/encoding/statistics/daily/{first}/{last}")["items"]
    vod = http.result("GET", f"/encoding/statistics/encodings/vod/daily/{first}/{last}")["items"]
    live = http.result("GET", f"/encoding/statistics/encodings/live/daily/{first}/{last}")["items"]

    for total, v, lv in zip(overall, vod, live, strict=True):
        assert total["bytesEncoded"] == v["bytesEncoded"] + lv["bytesEncoded"]
        assert total["timeEncoded"] == v["timeEncoded"] + lv["timeEncoded"]


def test_label_totals_over_a_range_equal_the_sum_of_its_days(http: Http, expected: dict[str, Any]) -> None:
    first, last = expected["first"], date.today()
    totals = http.result("GET", f"/encoding/statistics/labels/{first}/{last}", params={"limit": 100})["items"]

    for item in totals:
        days = [v for (_, label), v in expected["by_label"].items() if label == item["label"]]
        assert item["bytesEncodedTotal"] == sum(int(v[0]) for v in days)
        assert item["timeEncodedTotal"] == sum(int(v[1]) for v in days)
    assert {item["label"] for item in totals} == {label for _, label in expected["by_label"]}


def test_a_malformed_range_is_refused_with_the_parameter_named(http: Http) -> None:
    response = http.get("/encoding/statistics/labels/daily/2026-13-01/2026-12-31")
    assert response.status_code == 400
    assert "from" in response.json()["data"]["developerMessage"]
