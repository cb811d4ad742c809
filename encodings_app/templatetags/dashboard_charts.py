"""Server-rendered SVG charts: geometry is computed here and written as SVG attributes, never as styles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from encodings_app.templatetags.dashboard_format import day

register = template.Library()

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 34


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class DayLabel:
    x: float
    text: str


def _nice_max(value: int) -> int:
    if value <= 4:
        return 4
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000):
        if value <= step * 4:
            return step * 4 if value > step * 2 else step * 2
    return value


@register.inclusion_tag("includes/_daily_chart.html")
def daily_chart(days: list[Any], title: str = "Finished and failed encodings per day") -> dict[str, Any]:
    """``days``: objects with ``day`` (a date), ``finished`` and ``failed`` counts, oldest first."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    peak = _nice_max(max([max(d.finished, d.failed) for d in days] or [0]))
    slot = plot_w / max(1, len(days))
    bar_w = max(2.0, slot * 0.36)
    bars, labels = [], []
    for index, entry in enumerate(days):
        left = LEFT + index * slot + (slot - 2 * bar_w) / 2
        date_text = day(entry.day)
        for offset, count, css, word in (
            (0, entry.finished, "bar-finished", "finished"),
            (bar_w, entry.failed, "bar-failed", "failed"),
        ):
            height = plot_h * count / peak if peak else 0
            bars.append(
                Bar(
                    x=round(left + offset, 1),
                    y=round(TOP + plot_h - height, 1),
                    width=round(bar_w, 1),
                    height=round(height, 1),
                    css=css,
                    title=f"{date_text}: {count} {word}",
                )
            )
        if index % 2 == (len(days) - 1) % 2:
            labels.append(DayLabel(x=round(LEFT + index * slot + slot / 2, 1), text=date_text))
    ticks = [Tick(y=round(TOP + plot_h - plot_h * f, 1), label=str(round(peak * f))) for f in (0, 0.5, 1)]
    return {
        "title": title,
        "width": WIDTH,
        "height": HEIGHT,
        "bars": bars,
        "labels": labels,
        "ticks": ticks,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "label_y": HEIGHT - BOTTOM + 18,
        "days": days,
        "total_finished": sum(d.finished for d in days),
        "total_failed": sum(d.failed for d in days),
    }
