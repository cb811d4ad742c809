"""The simulator's clock: the wall clock plus an offset that tests move forward."""

from __future__ import annotations

import threading
import time


class Clock:
    """Wall-clock time shifted by everything ``advance`` added.

    Speed does not scale this clock; it compresses the planned durations instead (see README), so
    timestamps stay comparable with the real time a dashboard shows next to them.
    """

    def __init__(self, offset: float = 0.0) -> None:
        self._offset = offset
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        return self._offset

    def now(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()
