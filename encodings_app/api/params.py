"""Query parameters read strictly: a value the API cannot honour is a 400 naming the parameter, never a guess.

Every reader records its problem and returns a harmless default, so that one answer lists every bad
parameter of the request (``QueryReader.check()``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from encodings_app.api.errors import ParameterProblems

MAX_TEXT = 200
TRUE = ("true", "1")
FALSE = ("false", "0")


class QueryReader:
    def __init__(self, query) -> None:
        self.query = query
        self.problems = ParameterProblems()
        # The parameters the view asked for (True: read as several values); links repeat only these.
        self.read: dict[str, bool] = {}
        for name in query:
            if any("\x00" in value for value in query.getlist(name)):
                # PostgreSQL refuses NUL in text; no parameter of this API can mean it.
                self.problems.add(name, f"“{name}” contains a NUL character.")

    def _raw(self, name: str) -> str | None:
        self.read.setdefault(name, False)
        value = self.query.get(name)
        if value is None or "\x00" in value:
            return None
        return value.strip()

    def integer(self, name: str, *, default: int, minimum: int, maximum: int) -> int:
        raw = self._raw(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            self.problems.add(name, f"“{name}” must be a whole number, not “{raw[:40]}”.")
            return default
        if not minimum <= value <= maximum:
            self.problems.add(name, f"“{name}” must be between {minimum} and {maximum}; it was {value}.")
            return default
        return value

    def boolean(self, name: str, *, default: bool = False) -> bool:
        raw = self._raw(name)
        if raw is None or raw == "":
            return default
        if raw.lower() in TRUE:
            return True
        if raw.lower() in FALSE:
            return False
        self.problems.add(name, f"“{name}” must be true or false, not “{raw[:40]}”.")
        return default

    def choice(self, name: str, allowed: Iterable[str], *, default: str = "") -> str:
        raw = self._raw(name)
        if raw is None or raw == "":
            return default
        allowed = list(allowed)
        if raw not in allowed:
            self.problems.add(name, f"“{name}” must be one of {', '.join(allowed)}; it was “{raw[:40]}”.")
            return default
        return raw

    def choices(self, name: str, allowed: Iterable[str]) -> list[str]:
        """Several values, repeated (status=A&status=B) or comma-separated (status=A,B)."""
        allowed = list(allowed)
        self.read[name] = True
        values: list[str] = []
        for raw in self.query.getlist(name):
            for value in raw.split(","):
                value = value.strip()
                if not value or "\x00" in value:
                    continue
                if value not in allowed:
                    self.problems.add(
                        name, f"“{name}” values must be among {', '.join(allowed)}; “{value[:40]}” is not."
                    )
                    continue
                if value not in values:
                    values.append(value)
        return values

    def text(self, name: str, *, max_length: int = MAX_TEXT) -> str:
        raw = self._raw(name)
        if raw is None:
            return ""
        if len(raw) > max_length:
            self.problems.add(name, f"“{name}” may be at most {max_length} characters long.")
            return ""
        return raw

    def when(self, name: str) -> datetime | None:
        """An ISO-8601 date-time; one without an offset is read as UTC, like the API's own."""
        raw = self._raw(name)
        if raw is None or raw == "":
            return None
        try:
            value = parse_datetime(raw)
        except ValueError:
            value = None
        if value is None:
            self.problems.add(name, f"“{name}” must be a date-time like 2024-01-02T03:04:05Z.")
            return None
        try:
            if timezone.is_naive(value):
                return value.replace(tzinfo=UTC)
            # Far-off offsets near year 1 or 9999 cannot be expressed in UTC.
            return value.astimezone(UTC)
        except (OverflowError, ValueError):
            self.problems.add(name, f"“{name}” is out of range.")
            return None

    def check(self) -> None:
        self.problems.raise_if_any()

    def known_query(self, **changes: str) -> QueryDict:
        """The parameters the view read, as sent (after ``check()`` every one of them is valid), with
        ``changes``: what links such as next and previous may carry. A parameter no view reads is dropped."""
        kept = QueryDict(mutable=True)
        for name, several in self.read.items():
            values = self.query.getlist(name) if several else [self.query.get(name)]
            values = [value for value in values if value is not None]
            if values:
                kept.setlist(name, values)
        for name, value in changes.items():
            kept[name] = value
        return kept
