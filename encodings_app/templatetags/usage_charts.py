"""The usage page's charts: bars per day or month for each series (VOD and LIVE, or one label), drawn as
SVG attributes like the overview's daily chart, with the same figures as a table."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import template

from encodings_app.selectors.usage import BY_MONTH, UsageReport
from encodings_app.templatetags.dashboard_charts import (
    BOTTOM,
    HEIGHT,
    RIGHT,
    TOP,
    WIDTH,
    Bar,
    DayLabel,
    Tick,
)
from encodings_app.templatetags.dashboard_format import day

register = template.Library()

# Wider than the daily chart's margin: the ticks say "12.5 GB" or "1,250".
LEFT = 64
# At most this many period labels under the bars, so that they never run into each other.
MAX_LABELS = 8
# A class per series position: the first series, the second; colours in static/css/app.css.
SERIES_CSS = ("bar-usage-first", "bar-usage-second")
UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


@register.filter
def data_size(value: int | float | None) -> str:
    """Bytes in decimal units, as Bitmovin's dashboard shows output: "1.4 GB"."""
    size = float(value or 0)
    for unit in UNITS:
        if size < 1000 or unit == UNITS[-1]:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} {UNITS[-1]}"


@register.filter
def minutes(value: Decimal | float | None) -> str:
    return f"{float(value or 0):,.1f}"


def period_text(start, by: str) -> str:
    return start.strftime("%b %Y") if by == BY_MONTH else day(start)


def _nice(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return value


@dataclass(frozen=True)
class Legend:
    css: str
    name: str
    total: str


@register.inclusion_tag("includes/_usage_chart.html")
def usage_chart(report: UsageReport, metric: str = "minutes", csv_url: str = "") -> dict[str, Any]:
    """Bars of billable minutes (metric "minutes") or output bytes ("output") per period and series."""
    by_bytes = metric == "output"
    values = [
        [float(p.bytes[name] if by_bytes else p.minutes[name]) for name in report.series]
        for p in report.periods
    ]
    peak = _nice(max([max(row) for row in values if row] or [0.0]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = len(report.periods)
    slot = plot_w / max(1, count)
    bar_w = max(2.0, slot * 0.72 / max(1, len(report.series)))
    shown = data_size if by_bytes else minutes
    bars, labels = [], []
    step = max(1, -(-count // MAX_LABELS))
    for index, (period, row) in enumerate(zip(report.periods, values, strict=True)):
        left = LEFT + index * slot + (slot - bar_w * len(row)) / 2
        text = period_text(period.start, report.query.by)
        for position, (name, value) in enumerate(zip(report.series, row, strict=True)):
            height = plot_h * value / peak
            bars.append(
                Bar(
                    x=round(left + position * bar_w, 1),
                    y=round(TOP + plot_h - height, 1),
                    width=round(bar_w, 1),
                    height=round(height, 1),
                    css=SERIES_CSS[position % len(SERIES_CSS)],
                    title=f"{text}: {shown(value)}{'' if by_bytes else ' min'} {name}",
                )
            )
        if (count - 1 - index) % step == 0:
            labels.append(DayLabel(x=round(LEFT + index * slot + slot / 2, 1), text=text))
    tick_text = data_size if by_bytes else (lambda value: f"{value:,.0f}")
    ticks = [Tick(y=round(TOP + plot_h - plot_h * f, 1), label=tick_text(peak * f)) for f in (0, 0.5, 1)]
    legend = [
        Legend(
            SERIES_CSS[i % len(SERIES_CSS)],
            name,
            shown(sum(row[i] for row in values)) + ("" if by_bytes else " min"),
        )
        for i, name in enumerate(report.series)
    ]
    what = "Output" if by_bytes else "Encoded minutes"
    per = "month" if report.query.by == BY_MONTH else "day"
    return {
        "title": f"{what} per {per}",
        "width": WIDTH,
        "height": HEIGHT,
        "bars": bars,
        "labels": labels,
        "ticks": ticks,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "label_y": HEIGHT - BOTTOM + 18,
        "legend": legend,
        "chart_id": f"usage-{metric}",
        "csv_url": csv_url,
        "series": report.series,
        "unit": "bytes" if by_bytes else "minutes",
        "period_heading": "Month" if report.query.by == BY_MONTH else "Day (UTC)",
        "period_word": per,
        # The table shows exact figures (bytes as counted), the chart's hover titles rounded ones.
        "rows": [
            {
                "text": period_text(p.start, report.query.by),
                "values": [p.bytes[name] if by_bytes else p.minutes[name] for name in report.series],
            }
            for p in report.periods
        ],
    }
