"""Request counts by endpoint, for GET /_sim/stats and for benchmarks that count API calls."""

from __future__ import annotations

import threading
import time
from typing import Any


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._since = time.time()
            self._rows: dict[tuple[str, str, str], dict[str, Any]] = {}

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
