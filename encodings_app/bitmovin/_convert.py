"""Lenient converters from decoded JSON values to Python values.

The API is the source of truth but not always a tidy one: a missing key, a null, or a value of an unexpected
type must degrade to ``None`` for that one field instead of failing the whole response. Structural problems
(a list where an object is required, an encoding without an id) are the parsers' business: they raise
``ShapeError``, which the client turns into a ``ProtocolError``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, TypeVar

from .ids import MAX_ID_LENGTH, is_valid_id

T = TypeVar("T")

# Timestamps beyond this are taken to be milliseconds since the epoch rather than seconds.
_EPOCH_MS_THRESHOLD = 100_000_000_000

_ISO_DATETIME = re.compile(
    r"""^\s*(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})
    (?:[Tt\ ](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?)?
    \s*(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?\s*$""",
    re.VERBOSE,
)


class ShapeError(ValueError):
    """The JSON does not have the structure a parser needs."""


class InvalidIdError(ShapeError):
    """An object's id is missing or breaks ``ids.is_valid_id``: a fault of that one object, so a list goes on
    without it while a single-object answer is refused (``calls`` turns this into ``InvalidItemError``)."""

    def __init__(self, what: str, value: Any) -> None:
        self.what = what
        if value is None or value == "":
            reason = "no id"
        else:
            shown = value if isinstance(value, str) else str(value)
            clipped = shown[: MAX_ID_LENGTH + 1] + ("…" if len(shown) > MAX_ID_LENGTH + 1 else "")
            # repr() makes control characters and quotes visible instead of letting them reach a log as is.
            reason = f"the id {clipped!r}, which is not a usable id"
        article = "an" if what[:1] in ("a", "e", "i", "o", "u") else "a"
        super().__init__(f"{article} {what} with {reason}")


def as_str(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def as_id(value: Any, what: str) -> str:
    """A required resource id (see ``ids``); anything else raises ``InvalidIdError`` naming ``what``."""
    text = as_str(value)
    if not is_valid_id(text):
        raise InvalidIdError(what, text if text is not None else value)
    return text  # type: ignore[return-value]


def as_optional_id(value: Any) -> str | None:
    """An id that the object can do without: an unusable one becomes None rather than failing the object."""
    text = as_str(value)
    return text if is_valid_id(text) else None


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | str):
        try:
            result = float(value)
        except (ValueError, OverflowError):
            return None
        return result if math.isfinite(result) else None
    return None


def as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def as_dict(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def as_str_tuple(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def as_dict_tuple(value: Any) -> tuple[dict[str, Any], ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, dict))


def as_objects(value: Any, parse: Callable[[Mapping[str, Any]], T]) -> tuple[T, ...]:
    """Parse every object in a list; entries that are not objects carry nothing usable and are skipped."""
    return tuple(parse(item) for item in as_dict_tuple(value))


def as_object(value: Any, parse: Callable[[Mapping[str, Any]], T]) -> T | None:
    return parse(value) if isinstance(value, dict) else None


def as_datetime(value: Any) -> datetime | None:
    """Aware UTC datetime from ISO 8601 text (any precision or offset; naive means UTC) or epoch time."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _from_epoch(float(value))
    if not isinstance(value, str):
        return None
    match = _ISO_DATETIME.match(value)
    if match is None:
        return None
    parts = match.groupdict()
    fraction = (parts["fraction"] or "")[:6].ljust(6, "0")
    try:
        parsed = datetime(
            int(parts["year"]),
            int(parts["month"]),
            int(parts["day"]),
            int(parts["hour"] or 0),
            int(parts["minute"] or 0),
            # A leap second ("...:60Z") is clamped rather than rejected.
            min(int(parts["second"] or 0), 59),
            int(fraction),
            tzinfo=_offset(parts["tz"]),
        )
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def as_date(value: Any) -> date | None:
    if isinstance(value, str):
        parsed = as_datetime(value)
        if parsed is not None:
            # A plain "yyyy-MM-dd" is a calendar day, not an instant: keep the day as written.
            return date.fromisoformat(value.strip()[:10]) if len(value.strip()) == 10 else parsed.date()
    return None


def _from_epoch(seconds: float) -> datetime | None:
    if not math.isfinite(seconds):
        return None
    if abs(seconds) >= _EPOCH_MS_THRESHOLD:
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _offset(text: str | None) -> timezone:
    if not text or text in ("Z", "z"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
