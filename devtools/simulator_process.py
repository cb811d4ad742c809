"""The one launcher of the project's simulator (`python -m simulator ...` on 127.0.0.1), for the demo, the
benchmarks and the tests (tests/support/simulator.py builds on it).

It runs from the project root, where the simulator package lives: the simulator is a development tool and
is not installed with the wheel.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
READY_PREFIX = "simulator listening on "
GENERATED_KEY_MARK = " api key "


class SimulatorError(RuntimeError):
    """The simulator did not start, exited, or refused a control call."""


class SimulatorProcess:
    """`python -m simulator <args>` as a child process; `base_url` and `port` once it is ready.

    Every line it prints is kept (`output`) and passed to `echo` if given; the keys it generates are
    collected in `generated_keys`. Control calls go to its /_sim/ endpoints (see simulator/README.md).
    """

    def __init__(
        self,
        args: Sequence[str],
        *,
        echo: Callable[[str], Any] | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        self.command = [sys.executable, "-m", "simulator", *args]
        self.echo = echo
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[str] | None = None
        self.port: int | None = None
        self.startup_seconds: float | None = None
        self.generated_keys: list[str] = []
        self._lines: list[str] = []
        # The simulator is on 127.0.0.1: a proxy from the environment must never see its traffic.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # Lifecycle

    def start(self) -> SimulatorProcess:
        began = time.monotonic()
        self.process = subprocess.Popen(
            self.command,
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        lines: queue.Queue[str | None] = queue.Queue()
        # Drained for the process's whole life, so that a full pipe never blocks it.
        threading.Thread(target=self._drain, args=(lines,), daemon=True).start()
        deadline = began + self.startup_timeout
        while True:
            try:
                line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                self.stop()
                raise SimulatorError(
                    f"the simulator was not ready after {self.startup_timeout:g} s:\n{self.output}"
                ) from None
            if line is None:
                raise SimulatorError(f"the simulator exited with code {self.process.wait()}:\n{self.output}")
            if GENERATED_KEY_MARK in line:
                self.generated_keys.append(line.split(GENERATED_KEY_MARK, 1)[1].split()[0])
            if line.startswith(READY_PREFIX):
                self.port = int(line[len(READY_PREFIX) :].strip().rsplit(":", 1)[1].split("/", 1)[0])
                break
        self.startup_seconds = time.monotonic() - began
        return self

    def _drain(self, lines: queue.Queue[str | None]) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            if self.echo is not None:
                self.echo(line)
            self._lines.append(line.rstrip("\n"))
            lines.put(line.rstrip("\n"))
        lines.put(None)

    def poll(self) -> int | None:
        return self.process.poll() if self.process is not None else None

    @property
    def returncode(self) -> int | None:
        return self.poll()

    def stop(self, timeout: float = 15.0) -> int | None:
        """Terminate it (it saves its state file on the way out), killing it after `timeout` seconds."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return self.process.returncode

    def __enter__(self) -> SimulatorProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def output(self) -> str:
        return "\n".join(self._lines)

    # Addresses

    @property
    def root_url(self) -> str:
        if self.port is None:
            raise SimulatorError("the simulator is not running")
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base URL, as the dashboard and the SDK use it."""
        return f"{self.root_url}/v1"

    # Control endpoints

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call /_sim/<path> and return data.result; raise SimulatorError on an error answer."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - always http://127.0.0.1
            f"{self.root_url}/_sim/{path.lstrip('/')}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with self._opener.open(request, timeout=60) as response:
                envelope = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise SimulatorError(
                f"{method} /_sim/{path}: {exc.code} {exc.read().decode(errors='replace')}"
            ) from None
        return envelope["data"]["result"]

    def encoding_statuses(self, organization_id: str | None = None) -> dict[str, tuple[str, str]]:
        """Every encoding's (organization id, status) by id, read at one moment (GET /_sim/encodings)."""
        path = "encodings" + (f"?organizationId={organization_id}" if organization_id else "")
        return {
            item["id"]: (item["organizationId"], item["status"])
            for item in self.control("GET", path)["items"]
        }
