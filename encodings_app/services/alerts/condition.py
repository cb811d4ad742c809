"""What an evaluation finds: one condition per cause, in the words an incident keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True)
class Condition:
    kind: str  # AlertKind
    cause: str  # the incident's key: one open incident per organization and cause
    title: str
    summary: str
    count: int
    details: dict = field(default_factory=dict)


def list_time(value: datetime) -> str:
    """A time as the encodings list's URL writes it (UTC, to the second), rounded down so that the list
    filtered from it includes the encoding that failed at that instant."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def duration_words(seconds: float) -> str:
    """ "15 min", "2 h", "1 h 30 min": windows and thresholds in an incident's words."""
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min" if minutes else f"{round(seconds)} s"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"
