"""UTC timestamps in the API's formats, and lenient parsing of the ones clients send."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime


def iso(ts: float | None) -> str | None:
    """Second precision, as the API documents ``YYYY-MM-DDThh:mm:ssZ``."""
    if ts is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def iso_ms(ts: float) -> str:
    """Millisecond precision, used for message dates so that their order survives formatting."""
    whole = int(ts)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{int((ts - whole) * 1000):03d}Z"


def iso_ns(ts: float) -> str:
    """Nanosecond-looking precision, as webhook payloads carry in ``triggeredAt``."""
    whole = int(ts)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{int((ts - whole) * 1e9):09d}Z"


def day(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


def parse_datetime(text: str) -> float:
    """Parse an ISO-8601 instant; a value without an offset is taken as UTC. Raises ValueError."""
    value = text.strip()
    if not value or "T" not in value:
        raise ValueError(f"not an ISO-8601 date-time: {text!r}")
    # A '+' sent unencoded in a query string arrives as a space.
    if len(value) > 19 and value[19:].startswith(" "):
        value = value[:19] + "+" + value[20:]
    parsed = datetime.fromisoformat(value.replace("z", "Z"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def parse_day(text: str) -> date:
    """Parse ``yyyy-MM-dd``. Raises ValueError."""
    if len(text) != 10:
        raise ValueError(f"not a yyyy-MM-dd date: {text!r}")
    return date.fromisoformat(text)


def day_start(value: date) -> float:
    return datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp()
