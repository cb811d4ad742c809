"""Keeping the API key out of everything a person or a log collector might read."""

from __future__ import annotations

# Shorter keys are masked completely: showing four characters of a short key would show most of it.
_MIN_LENGTH_TO_SHOW_TAIL = 16
# Replacing a very short "key" inside text would mangle unrelated words; real keys are far longer.
_MIN_LENGTH_TO_SCRUB = 6


def mask_secret(secret: str | None) -> str:
    """A stand-in for a secret: the last four characters for long secrets, nothing for short ones."""
    if not secret:
        return "<unset>"
    if len(secret) >= _MIN_LENGTH_TO_SHOW_TAIL:
        return "****" + secret[-4:]
    return "****"


class Secret:
    """Holds a secret so that ``repr()``, ``vars()`` and debugger dumps of its owner show only the mask."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def scrub(self, text: str) -> str:
        """The text with every occurrence of the secret replaced by its mask."""
        if len(self._value) < _MIN_LENGTH_TO_SCRUB or self._value not in text:
            return text
        return text.replace(self._value, mask_secret(self._value))

    def scrub_bytes(self, body: bytes) -> bytes:
        if len(self._value) < _MIN_LENGTH_TO_SCRUB:
            return body
        raw = self._value.encode("utf-8", "ignore")
        if raw not in body:
            return body
        return body.replace(raw, mask_secret(self._value).encode("ascii"))

    def __repr__(self) -> str:
        return f"Secret({mask_secret(self._value)!r})"

    __str__ = __repr__

    def __reduce__(self) -> object:
        # A secret must not travel through pickle (Celery arguments, caches) by accident.
        raise TypeError("a Secret cannot be pickled")
