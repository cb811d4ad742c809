"""Starting the project's simulator as a child process, for the demo and the benchmarks."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from django.core.management.base import CommandError

READY_PREFIX = "simulator listening on "
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class SimulatorProcess:
    """`python -m simulator ...` on 127.0.0.1; `base_url` once started; its output goes to `echo`."""

    def __init__(self, args: list[str], *, echo=None, startup_timeout: float = 120.0) -> None:
        self.args = args
        self.echo = echo
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None
        self.base_url = ""

    def start(self) -> SimulatorProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "simulator", *self.args],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + self.startup_timeout
        for line in self.process.stdout:
            self._echo(line)
            if line.startswith(READY_PREFIX):
                self.base_url = line[len(READY_PREFIX) :].strip()
                break
            if time.monotonic() > deadline:
                self.stop()
                raise CommandError("the simulator did not start in time")
        else:
            raise CommandError(f"the simulator exited with code {self.process.wait()}")
        # Keep draining its output so that a full pipe never blocks it.
        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def _drain(self) -> None:
        for line in self.process.stdout:
            self._echo(line)

    def _echo(self, line: str) -> None:
        if self.echo is not None:
            self.echo(line)

    def control(self, method: str, path: str, body: dict | None = None) -> dict:
        """Call one of the simulator's /_sim/ control endpoints (tests and benchmarks only)."""
        root = self.base_url.rsplit("/v1", 1)[0]
        request = urllib.request.Request(  # noqa: S310 - a URL on 127.0.0.1 built from the simulator's own line
            f"{root}/_sim/{path}",
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return json.loads(response.read())["data"]["result"]

    def poll(self) -> int | None:
        return self.process.poll() if self.process else None

    @property
    def returncode(self) -> int | None:
        return self.poll()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def __enter__(self) -> SimulatorProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
