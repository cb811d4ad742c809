"""Request counts by endpoint, for GET /_sim/stats and for benchmarks that count API calls; and the log of
the writes (POST, PUT, DELETE) the API received, for GET /_sim/writes: tests count how often one encoding's
action reached the API."""

from __future__ import annotations

import fnmatch
import threading
import time
from collections import deque
from typing import Any

# The writes kept in the log, newest last; older ones drop out.
WRITE_LOG_SIZE = 50_000
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._since = time.time()
            self._rows: dict[tuple[str, str, str], dict[str, Any]] = {}
            self._writes: deque[dict[str, Any]] = deque(maxlen=WRITE_LOG_SIZE)

    def record_write(self, method: str, path: str, status: int, fault: str | None) -> None:
        """One API request that may change something: its path below /v1, the status answered (0 when the
        connection was closed without one) and the fault injected, if any (an injected failure that
        replaces the answer means the API never saw the request)."""
        if method in READ_METHODS:
            return
        entry = {"method": method, "path": path, "status": status, "fault": fault, "at": time.time()}
        with self._lock:
            self._writes.append(entry)

    def writes(self, path_glob: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            entries = list(self._writes)
        if path_glob:
            entries = [entry for entry in entries if fnmatch.fnmatchcase(entry["path"], path_glob)]
        return entries

    def record(self, area: str, method: str, endpoint: str, status: int, started: float) -> None:
        elapsed = time.monotonic() - started
        with self._lock:
            row = self._rows.get((area, method, endpoint))
            if row is None:
                row = {"count": 0, "statuses": {}, "seconds": 0.0}
                self._rows[(area, method, endpoint)] = row
            row["count"] += 1
            key = str(status)
            row["statuses"][key] = row["statuses"].get(key, 0) + 1
            row["seconds"] += elapsed

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            rows = [
                {
                    "area": area,
                    "method": method,
                    "endpoint": endpoint,
                    "count": row["count"],
                    "statuses": dict(row["statuses"]),
                    "avgMs": round(row["seconds"] * 1000 / row["count"], 2),
                }
                for (area, method, endpoint), row in self._rows.items()
            ]
            since = self._since
        rows.sort(key=lambda r: (r["area"], r["endpoint"], r["method"]))
        api_total = sum(r["count"] for r in rows if r["area"] == "api")
        return {"since": since, "apiRequests": api_total, "endpoints": rows}
