"""The statistics endpoints usage reads: per encoding type and day, per label, per label and day."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from encodings_app.bitmovin import (
    DailyStatisticsPerLabel,
    EncodingStatistics,
    InvalidArgumentError,
    StatisticsPerLabel,
)

from .conftest import success, url

DAY = {
    "date": "2026-03-01",
    "bytesEncoded": 1000,
    "timeEncoded": 60,
    "bytesEgress": 1000,
    "billableEncodingMinutes": [
        {"encodingMode": "STANDARD", "billableMinutes": {"SD": 1.5, "HD": 2.25, "AUDIO": "x"}},
        {"encodingMode": "FAST", "billableMinutes": {"UHD": 4}},
    ],
}


def page(items: list[dict]) -> dict:
    return success({"offset": 0, "limit": len(items), "items": items})


def query_of(api: responses.RequestsMock, index: int = 0) -> dict[str, list[str]]:
    return parse_qs(urlsplit(api.calls[index].request.url).query)


@pytest.mark.parametrize(("kind", "segment"), [("VOD", "vod"), ("LIVE", "live")])
def test_daily_statistics_by_type_sum_the_billable_minutes_of_each_resolution(client, api, kind, segment):
    api.get(url(f"/encoding/statistics/encodings/{segment}/daily/2026-03-01/2026-03-02"), json=page([DAY]))

    (day,) = client.list_daily_statistics_by_type(kind, date(2026, 3, 1), "2026-03-02").items

    assert isinstance(day, EncodingStatistics)
    assert (day.date, day.bytes_encoded, day.time_encoded) == (date(2026, 3, 1), 1000, 60)
    assert day.billable_minutes == 7.75


def test_daily_statistics_by_type_refuse_an_unknown_type(client, api):
    with pytest.raises(InvalidArgumentError):
        client.list_daily_statistics_by_type("NONE", "2026-03-01", "2026-03-02")


def test_statistics_per_label_send_the_labels_joined_by_commas(client, api):
    item = {"label": "customer-acme", "bytesEncodedTotal": 5, "timeEncodedTotal": 6, "billableMinutes": 1.5}
    api.get(url("/encoding/statistics/labels/2026-03-01/2026-03-31"), json=page([item]))

    (stats,) = client.list_statistics_per_label(
        "2026-03-01", "2026-03-31", labels=["customer-acme", "b"]
    ).items

    assert isinstance(stats, StatisticsPerLabel)
    assert (stats.label, stats.bytes_encoded_total, stats.billable_minutes) == ("customer-acme", 5, 1.5)
    assert query_of(api)["labels"] == ["customer-acme,b"]


def test_daily_statistics_per_label_parse_each_days_labels(client, api):
    day = {
        "date": "2026-03-01",
        "labels": [{"date": "2026-03-01", "label": "x", "bytesEncoded": 3, "timeEncoded": 4}],
    }
    api.get(url("/encoding/statistics/labels/daily"), json=page([day]))

    (result,) = client.list_daily_statistics_per_label().items

    assert isinstance(result, DailyStatisticsPerLabel)
    assert result.date == date(2026, 3, 1)
    assert [(s.label, s.bytes_encoded) for s in result.labels] == [("x", 3)]
    assert "labels" not in query_of(api)


def test_every_day_per_label_is_read_page_after_page(client, api):
    path = url("/encoding/statistics/labels/daily/2026-01-01/2026-04-30")
    days = [{"date": f"2026-0{1 + i // 28}-{1 + i % 28:02d}", "labels": []} for i in range(110)]
    api.get(path, json=success({"offset": 0, "limit": 100, "items": days[:100], "next": "x"}))
    api.get(path, json=success({"offset": 100, "limit": 100, "items": days[100:]}))

    found = list(client.iter_daily_statistics_per_label("2026-01-01", "2026-04-30"))

    assert len(found) == 110
    assert query_of(api, 1)["offset"] == ["100"]


@pytest.mark.parametrize("labels", [["a,b"], [""], [3]])
def test_labels_that_cannot_be_sent_are_refused(client, api, labels):
    with pytest.raises(InvalidArgumentError):
        client.list_statistics_per_label(labels=labels)


def test_a_range_needs_both_ends(client, api):
    with pytest.raises(InvalidArgumentError):
        client.list_daily_statistics_per_label(from_date="2026-03-01")
