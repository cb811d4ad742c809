"""The one place where times, durations and ETAs become text (and a long list's estimated total).

Times are stored in UTC and written as ``<time class="ts" datetime="...Z">YYYY-MM-DD HH:MM:SS UTC</time>``;
static/js/app.js rewrites the text of those elements when the reader switches to local time, so the server
never guesses a time zone.

What is said relative to now ("running 4 min 12 s", "3 min ago") is said relative to the clock below: the
current time, unless a render holds it at a given moment (``times_as_of``), as the wall does so that a board
rendered again with nothing new in it comes out the same, byte for byte (encodings_app/views/wall_board.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from encodings_app.selectors.counting import ListTotal

register = template.Library()

NOTHING = "—"

_held_at: ContextVar[datetime | None] = ContextVar("times_held_at", default=None)


@contextmanager
def times_as_of(moment: datetime) -> Iterator[None]:
    """Within this block, every relative time is written as of `moment` rather than the current time."""
    token = _held_at.set(moment)
    try:
        yield
    finally:
        _held_at.reset(token)


def _now() -> datetime:
    held = _held_at.get()
    return held if held is not None else timezone.now()


def _utc(value: datetime) -> datetime:
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value.astimezone(UTC)


def iso(value: datetime) -> str:
    return _utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


@register.filter(is_safe=True)
def when(value: datetime | None) -> SafeString | str:
    """A point in time, in UTC, machine-readable for the local-time switch."""
    if not isinstance(value, datetime):
        return NOTHING
    moment = _utc(value)
    return format_html(
        '<time class="ts" datetime="{}">{} UTC</time>', iso(moment), moment.strftime("%Y-%m-%d %H:%M:%S")
    )


@register.filter(is_safe=True)
def when_short(value: datetime | None) -> SafeString | str:
    """Like ``when`` without seconds, for dense tables."""
    if not isinstance(value, datetime):
        return NOTHING
    moment = _utc(value)
    return format_html(
        '<time class="ts" data-precision="minutes" datetime="{}">{} UTC</time>',
        iso(moment),
        moment.strftime("%Y-%m-%d %H:%M"),
    )


@register.filter(is_safe=True)
def clock_short(value: datetime | None) -> SafeString | str:
    """ "14:00 UTC", or "09 Dec 14:00 UTC" when it is not today (UTC): a time of day to the minute, for a
    wall read from across the room (a muted incident's "muted until")."""
    if not isinstance(value, datetime):
        return NOTHING
    moment = _utc(value)
    same_day = moment.date() == _now().astimezone(UTC).date()
    return format_html(
        '<time datetime="{}">{} UTC</time>',
        iso(moment),
        moment.strftime("%H:%M" if same_day else "%d %b %H:%M"),
    )


@register.simple_tag
def now_clock() -> SafeString:
    """The time a page or fragment was rendered ("updated 07:51:32 UTC"), so a stale screen shows it."""
    moment = timezone.now().astimezone(UTC)
    return format_html(
        '<time class="ts" data-precision="clock" datetime="{}">{} UTC</time>',
        iso(moment),
        moment.strftime("%H:%M:%S"),
    )


@register.filter(is_safe=True)
def day(value: date | None) -> str:
    if isinstance(value, datetime):
        value = _utc(value).date()
    if not isinstance(value, date):
        return NOTHING
    return value.strftime("%d %b")


def duration_text(seconds: float | None, units: int = 2) -> str:
    """ "4 min 12 s", "2 h 5 min", "3 d 4 h": the two largest units, which is what an operator reads; with
    ``units=1`` only the largest ("4 min"), for dense tables."""
    if seconds is None:
        return NOTHING
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        parts = [f"{minutes} min", f"{secs} s" if secs else ""]
    else:
        hours, minutes = divmod(minutes, 60)
        if hours < 24:
            parts = [f"{hours} h", f"{minutes} min" if minutes else ""]
        else:
            days, hours = divmod(hours, 24)
            parts = [f"{days} d", f"{hours} h" if hours else ""]
    return " ".join(part for part in parts[:units] if part)


def _seconds(value: float | int | timedelta | None) -> float | None:
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@register.filter
def duration(value: float | int | timedelta | None) -> str:
    return duration_text(_seconds(value))


@register.filter
def duration_between(start: datetime | None, end: datetime | None) -> str:
    """Time from start to end; an open end means "until now" (a phase still going on)."""
    if not isinstance(start, datetime):
        return NOTHING
    end = end if isinstance(end, datetime) else _now()
    return duration_text((end - start).total_seconds())


@register.filter
def eta(value: float | int | None) -> str:
    seconds = _seconds(value)
    if seconds is None:
        return ""
    if seconds < 1:
        return "finishing"
    return f"about {duration_text(seconds)} left"


@register.filter(is_safe=True)
def ago(value: datetime | None) -> SafeString | str:
    """ "3 min 12 s ago", with the exact time as a tooltip."""
    return _ago(value, ticking=False)


@register.filter(is_safe=True)
def ticking_ago(value: datetime | None) -> SafeString | str:
    """Like ``ago``, and kept current in the browser by static/js/app.js (``data-ago``), for a fragment that
    a poll may keep on screen unchanged (304) while the time goes on."""
    return _ago(value, ticking=True)


@register.filter(is_safe=True)
def ago_short(value: datetime | None) -> SafeString | str:
    """ "3 min ago", "2 h ago": the largest unit only, for dense tables; the exact time as a tooltip and in
    the datetime attribute. A time not reached yet reads as the table's "—"."""
    if not isinstance(value, datetime):
        return NOTHING
    return _ago(value, ticking=False, units=1)


def _ago(value: datetime | None, *, ticking: bool, units: int = 2) -> SafeString | str:
    if not isinstance(value, datetime):
        return "never"
    moment = _utc(value)
    delta = (_now() - moment).total_seconds()
    text = "just now" if delta < 5 else f"{duration_text(delta, units)} ago"
    return format_html(
        '<time datetime="{}" title="{} UTC"{}>{}</time>',
        iso(moment),
        moment.strftime("%Y-%m-%d %H:%M:%S"),
        " data-ago" if ticking else "",
        text,
    )


@register.filter
def approximate(value: int) -> str:
    """Two significant figures: 12,558 is "13,000", 1,234,567 is "1.2 million"."""
    if value < 100:
        return str(value)
    rounded = round(value, 2 - len(str(value)))
    if rounded >= 1_000_000:
        return f"{rounded / 1_000_000:.1f}".removesuffix(".0") + " million"
    return f"{rounded:,}"


@register.filter
def list_total(total: ListTotal) -> str:
    """A list's total as its page says it: exact, "about" an estimate, or "more than" what is known."""
    if total.exact:
        return f"{total.value:,}"
    if total.estimated:
        return f"about {approximate(total.value)}"
    return f"more than {total.value:,}"
