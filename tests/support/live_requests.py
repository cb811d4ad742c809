"""Counts the requests the live server is answering, so that a test's end can wait for them.

pytest-django empties the database after a live-server test with one TRUNCATE of every table. A page's poll
still being answered then takes its tables' locks in another order, and PostgreSQL may end the deadlock by
failing the TRUNCATE: the next test would start on the last one's rows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator


class RequestsInFlight:
    def __init__(self) -> None:
        self._count = 0
        self._changed = threading.Condition()

    def wrap(self, application: Callable) -> Callable:
        """The WSGI application, counting each call until its answer is closed (written to the end)."""

        def counted(environ, start_response):
            self._add(1)
            try:
                answer = application(environ, start_response)
            except BaseException:
                self._add(-1)
                raise
            return _ClosedThen(answer, lambda: self._add(-1))

        return counted

    def wait_until_quiet(self, *, quiet_for: float = 0.2, timeout: float = 15.0) -> None:
        """Return once no request has been in flight for `quiet_for` seconds (one just accepted is seen)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while time.monotonic() < deadline:
                if self._count == 0 and not self._changed.wait(quiet_for):
                    return
                if self._count:
                    self._changed.wait(max(0.0, deadline - time.monotonic()))
        raise TimeoutError(f"the live server was still answering {self._count} request(s) after {timeout} s")

    def _add(self, delta: int) -> None:
        with self._changed:
            self._count += delta
            self._changed.notify_all()


class _ClosedThen:
    """The answer's iterable, calling `then` once the server has closed it."""

    def __init__(self, answer: Iterable[bytes], then: Callable[[], None]) -> None:
        self._answer = answer
        self._then = then

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._answer)

    def close(self) -> None:
        try:
            close = getattr(self._answer, "close", None)
            if close is not None:
                close()
        finally:
            self._then()
