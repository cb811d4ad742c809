"""The request id or Celery task id on every log line.

RequestIdMiddleware (encodings_app/api/middleware.py) gives every request an id, Celery every task one. Each
is kept in a context variable while its request or task runs (every thread and every asyncio task has its
own), and LogIdsFilter copies them onto each record: `request_id` and `task_id` for the JSON format, and
`log_ids` ("request_id=..." or "task_id=...", "-" for neither) for the text format's column.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_task_id: ContextVar[str | None] = ContextVar("task_id", default=None)
NAMES = ("request_id", "task_id")


@contextmanager
def request_id_bound(request_id: str) -> Iterator[None]:
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


def bind_task_id(task_id: str | None) -> None:
    """Set when a task starts and cleared when it ends (Celery's task_prerun and task_postrun signals)."""
    _task_id.set(task_id)


def current_ids() -> dict[str, str]:
    """The ids of the request or task running now, without the ones that are not set."""
    found = {"request_id": _request_id.get(), "task_id": _task_id.get()}
    return {name: value for name, value in found.items() if value}


class LogIdsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        current = {"request_id": _request_id.get(), "task_id": _task_id.get()}
        # Django logs a refused or failed request (django.request) once every middleware has returned, outside
        # the id's context, but with the request itself on the record.
        if current["request_id"] is None:
            current["request_id"] = getattr(getattr(record, "request", None), "request_id", None)
        for name in NAMES:
            # An id passed with extra= (a request's own log line) is kept as it is.
            if getattr(record, name, None) is None:
                setattr(record, name, current[name])
        shown = [f"{name}={getattr(record, name)}" for name in NAMES if getattr(record, name)]
        record.log_ids = " ".join(shown) or "-"
        return True
