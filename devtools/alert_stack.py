"""The stack bench_alerts measures: bench_faults' production-shaped stack (devtools/fault_stack.py) plus the
demo's alert receiver as a process of its own, with every organization's "Demo receiver" channel pointing at
it, and a record of what it received (one JSON line a message, with the time it arrived).

With `webhooks` off the simulator's webhooks are not registered: the dashboard learns of a failure only by
its periodic sync.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

from devtools.fault_stack import API_KEY, FaultStack

RECEIVER = "alert receiver"


class AlertStack(FaultStack):
    LATE_PARTS = (RECEIVER, *FaultStack.LATE_PARTS)
    FOLDER_PREFIX = "bench-alerts-"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.receiver_port = self.free_port()
        self.received_path = self.folder / "received.jsonl"
        self._read_offset = 0

    @property
    def receiver_url(self) -> str:
        return f"http://127.0.0.1:{self.receiver_port}/"

    def env(self) -> dict[str, str]:
        # Messages link to their incident, as in production.
        return {**super().env(), "DASHBOARD_PUBLIC_URL": self.web_url}

    def seed_arguments(self, api_key: str = API_KEY) -> list[str]:
        return [*super().seed_arguments(api_key), "--alert-receiver", self.receiver_url]

    def command(self, name: str) -> list[str]:
        if name != RECEIVER:
            return super().command(name)
        return [
            sys.executable,
            "manage.py",
            "alert_receiver",
            "--port",
            str(self.receiver_port),
            "--demo-channels",
            "--record",
            str(self.received_path),
        ]

    def start_part(self, name: str) -> None:
        super().start_part(name)
        if name == RECEIVER:
            self._wait_for_port(self.receiver_port, name)

    def received(self) -> Iterator[dict]:
        """The messages recorded since the last call, oldest first (each a devtools.alert_receiver.Received
        as a dict)."""
        if not self.received_path.exists():
            return
        with self.received_path.open(encoding="utf-8") as file:
            file.seek(self._read_offset)
            while (line := file.readline()).endswith("\n"):
                self._read_offset = file.tell()
                yield json.loads(line)
