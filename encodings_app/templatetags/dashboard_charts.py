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
    # Where the bar leads (the encodings it counts), when the list can show exactly them.
    href: str = ""


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
    """``days``: objects with ``day`` (a date), ``finished`` and ``failed`` counts, oldest first, and
    optionally ``failed_href``: the list of the day's failures, which the failed bar then links to."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    peak = _nice_max(max([max(d.finished, d.failed) for d in days] or [0]))
    slot = plot_w / max(1, len(days))
    bar_w = max(2.0, slot * 0.36)
    bars, labels = [], []
    for index, entry in enumerate(days):
        left = LEFT + index * slot + (slot - 2 * bar_w) / 2
        date_text = day(entry.day)
        for offset, count, css, word, href in (
            (0, entry.finished, "bar-finished", "finished", ""),
            (bar_w, entry.failed, "bar-failed", "failed", getattr(entry, "failed_href", "")),
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
                    href=href,
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
        # With links the chart is a group of them: an image's parts are hidden from assistive technology.
        "linked": any(bar.href for bar in bars),
        "labels": labels,
        "ticks": ticks,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "label_y": HEIGHT - BOTTOM + 18,
        "days": days,
        "total_finished": sum(d.finished for d in days),
        "total_failed": sum(d.failed for d in days),
    }


@dataclass(frozen=True)
class RatePoint:
    x: float
    y: float
    title: str
    href: str


@register.inclusion_tag("includes/_rate_chart.html")
def rate_chart(days: list[Any], title: str = "Success rate per day") -> dict[str, Any]:
    """``days``: objects with ``day``, ``finished``, ``failed``, ``success_rate`` (0 to 1, None on a day
    nothing ended) and ``failed_href``, oldest first. A line over the days something ended; each point
    leads to the day's failures."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(days))
    points, labels = [], []
    for index, entry in enumerate(days):
        x = round(LEFT + index * slot + slot / 2, 1)
        date_text = day(entry.day)
        if entry.success_rate is not None:
            percent = round(entry.success_rate * 100)
            points.append(
                RatePoint(
                    x=x,
                    y=round(TOP + plot_h - plot_h * entry.success_rate, 1),
                    title=f"{date_text}: {percent} % finished "
                    f"({entry.finished} finished, {entry.failed} failed)",
                    href=getattr(entry, "failed_href", ""),
                )
            )
        if index % 2 == (len(days) - 1) % 2:
            labels.append(DayLabel(x=x, text=date_text))
    ticks = [Tick(y=round(TOP + plot_h - plot_h * f, 1), label=f"{round(f * 100)} %") for f in (0, 0.5, 1)]
    return {
        "title": title,
        "width": WIDTH,
        "height": HEIGHT,
        "points": points,
        "linked": any(point.href for point in points),
        "line": " ".join(f"{point.x},{point.y}" for point in points),
        "labels": labels,
        "ticks": ticks,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "label_y": HEIGHT - BOTTOM + 18,
        "measured": len(points),
        "days": len(days),
    }
