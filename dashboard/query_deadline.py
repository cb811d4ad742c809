"""A deadline on every wait for PostgreSQL, kept by the client: a database that stops answering ends a wait
with an error instead of hanging the request, the probe or the worker.

The server's statement_timeout cannot help when the server itself is what hangs (a frozen process, a proxy
or firewall that keeps the connection open and passes nothing), and TCP's own timeouts do not fire while the
peer's kernel still acknowledges what is sent. So one watchdog thread per process holds the deadline of each
wait in progress; a wait still going at its deadline has its socket shut down, which wakes the blocked call
at once with "server closed the connection", an OperationalError Django already handles (the connection is
dropped and the next request opens a new one).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import os
import socket
import threading
import time
import weakref
from collections.abc import Iterator

logger = logging.getLogger(__name__)


class Watchdog:
    """Deadlines of the waits in progress, and the thread that ends those that pass theirs."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._condition = threading.Condition()
        self._deadlines: list[tuple[float, int, int]] = []  # (deadline, token, socket's fd), soonest first
        self._active: set[int] = set()
        self._tokens = itertools.count()
        self._thread_pid: int | None = None
        # A forked child (gunicorn's and Celery's workers) starts with a lock of its own: the parent's
        # watchdog thread may have held this one at the moment of the fork, and is not there to release it.
        forget = weakref.WeakMethod(self._forget_parent)
        os.register_at_fork(after_in_child=lambda: (method := forget()) is not None and method())

    def _forget_parent(self) -> None:
        self._condition = threading.Condition()
        self._deadlines = []
        self._active = set()
        self._thread_pid = None

    def arm(self, fd: int, seconds: float) -> int:
        token = next(self._tokens)
        with self._condition:
            self._ensure_thread()
            heapq.heappush(self._deadlines, (self._clock() + seconds, token, fd))
            self._active.add(token)
            if self._deadlines[0][1] == token:
                self._condition.notify()
        return token

    def disarm(self, token: int) -> None:
        with self._condition:
            # Its entry stays in the heap until its deadline comes round, and is then skipped.
            self._active.discard(token)

    def _ensure_thread(self) -> None:
        # Started on first use in each process: a forked one has none of its parent's threads.
        if self._thread_pid == os.getpid():
            return
        self._thread_pid = os.getpid()
        threading.Thread(target=self._watch, name="query-deadline", daemon=True).start()

    def _watch(self) -> None:
        while True:
            with self._condition:
                while not self._deadlines:
                    self._condition.wait()
                deadline, token, fd = self._deadlines[0]
                wait = deadline - self._clock()
                if wait > 0:
                    self._condition.wait(wait)
                    continue
                heapq.heappop(self._deadlines)
                if token in self._active:
                    self._active.discard(token)
                    # Under the lock: the wait's owner cannot disarm, finish and close (freeing the fd
                    # number for another socket) while it is being shut down.
                    _shut_down(fd)


def _shut_down(fd: int) -> None:
    """Shut the socket behind `fd` down; the thread blocked on it gets an error. The fd itself stays open
    for its owner to close as usual."""
    logger.error("a database call passed its deadline: its connection is shut down")
    with contextlib.suppress(OSError):  # already closed by its owner meanwhile: nothing to end
        duplicate = socket.socket(fileno=os.dup(fd))
        try:
            duplicate.shutdown(socket.SHUT_RDWR)
        finally:
            duplicate.close()


WATCHDOG = Watchdog()


@contextlib.contextmanager
def deadline(fd: int | None, seconds: float | None) -> Iterator[None]:
    """Bound the wait inside the block to `seconds` (None or no socket: unbounded)."""
    if fd is None or fd < 0 or not seconds:
        yield
        return
    token = WATCHDOG.arm(fd, seconds)
    try:
        yield
    finally:
        WATCHDOG.disarm(token)
