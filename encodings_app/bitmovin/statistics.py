"""The statistics endpoints: usage per encoding, per day, per encoding type and day, per label."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from .calls import MAX_PAGE_SIZE, Calls, as_date, page_bounds
from .errors import InvalidArgumentError
from .resources import (
    DailyStatistics,
    DailyStatisticsPerLabel,
    EncodingStatistics,
    EncodingStats,
    StatisticsPerLabel,
)
from .types import Page

_STATISTICS = "/encoding/statistics"
_TYPE_SEGMENTS = {"VOD": "vod", "LIVE": "live"}


def _date_range(from_date: date | str, to_date: date | str) -> dict[str, str]:
    start, end = as_date("from_date", from_date), as_date("to_date", to_date)
    if start > end:
        raise InvalidArgumentError(f"from_date {start} is after to_date {end}")
    return {"from": start.isoformat(), "to": end.isoformat()}


def _optional_range(from_date: date | str | None, to_date: date | str | None) -> dict[str, str] | None:
    if from_date is None and to_date is None:
        return None
    if from_date is None or to_date is None:
        raise InvalidArgumentError("from_date and to_date go together: give both or neither")
    return _date_range(from_date, to_date)


def _labels_value(labels: Iterable[str] | None) -> dict[str, str]:
    """The `labels` query parameter: names joined by commas, so a name may not hold one."""
    if labels is None:
        return {}
    names = list(labels) if not isinstance(labels, str) else [labels]
    for name in names:
        if not isinstance(name, str) or not name.strip() or "," in name:
            raise InvalidArgumentError(f"each label must be a non-empty string without commas, got {name!r}")
    return {"labels": ",".join(names)} if names else {}


class StatisticsCalls:
    """Mixed into BitmovinClient: each method is one GET on a statistics endpoint (60 a minute per key)."""

    _calls: Calls

    def get_encoding_statistics(self, encoding_id: str) -> EncodingStats:
        return self._calls.one(
            "GET", f"{_STATISTICS}/encodings/{{id}}", EncodingStats.from_json, path={"id": encoding_id}
        )

    def list_daily_statistics(self, from_date: date | str, to_date: date | str) -> Page[DailyStatistics]:
        """Account usage per day between two dates, both included."""
        return self._calls.page(
            "GET",
            f"{_STATISTICS}/daily/{{from}}/{{to}}",
            DailyStatistics.from_json,
            path=_date_range(from_date, to_date),
        )

    def list_daily_statistics_by_type(
        self, encoding_type: str, from_date: date | str, to_date: date | str
    ) -> Page[EncodingStatistics]:
        """Usage of one encoding type ("VOD" or "LIVE") per day between two dates, both included, in one
        page (the API takes no paging here)."""
        segment = _TYPE_SEGMENTS.get(encoding_type)
        if segment is None:
            raise InvalidArgumentError(f"encoding_type must be VOD or LIVE, got {encoding_type!r}")
        return self._calls.page(
            "GET",
            f"{_STATISTICS}/encodings/{segment}/daily/{{from}}/{{to}}",
            EncodingStatistics.from_json,
            path=_date_range(from_date, to_date),
        )

    def list_statistics_per_label(
        self,
        from_date: date | str | None = None,
        to_date: date | str | None = None,
        labels: Iterable[str] | None = None,
        offset: int = 0,
        limit: int = MAX_PAGE_SIZE,
    ) -> Page[StatisticsPerLabel]:
        """Totals per label, over a range of days (both included) or, without one, over all time;
        `labels` keeps only those labels."""
        dates = _optional_range(from_date, to_date)
        template = f"{_STATISTICS}/labels" + ("/{from}/{to}" if dates else "")
        params = {**page_bounds(offset, limit), **_labels_value(labels)}
        return self._calls.page("GET", template, StatisticsPerLabel.from_json, path=dates, params=params)

    def list_daily_statistics_per_label(
        self,
        from_date: date | str | None = None,
        to_date: date | str | None = None,
        labels: Iterable[str] | None = None,
        offset: int = 0,
        limit: int = MAX_PAGE_SIZE,
    ) -> Page[DailyStatisticsPerLabel]:
        """Each day's figures per label: a range of days oldest first, or without one the last 90 days
        newest first."""
        dates = _optional_range(from_date, to_date)
        template = f"{_STATISTICS}/labels/daily" + ("/{from}/{to}" if dates else "")
        params = {**page_bounds(offset, limit), **_labels_value(labels)}
        return self._calls.page("GET", template, DailyStatisticsPerLabel.from_json, path=dates, params=params)

    def iter_daily_statistics_per_label(
        self, from_date: date | str, to_date: date | str, labels: Iterable[str] | None = None
    ) -> Iterator[DailyStatisticsPerLabel]:
        """Every day of the range with its labels, page after page; a page that brings nothing ends it."""
        names = list(labels) if labels is not None else None
        offset = 0
        while True:
            page = self.list_daily_statistics_per_label(from_date, to_date, names, offset, MAX_PAGE_SIZE)
            yield from page.items
            offset += page.received
            more = bool(page.next) or (page.total_count is not None and offset < page.total_count)
            if page.received == 0 or not (more or page.received >= MAX_PAGE_SIZE):
                return
