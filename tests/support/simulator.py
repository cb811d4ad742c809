"""Start and stop a Bitmovin API simulator subprocess for any test in the project.

    with RunningSimulator(encodings=500, speed=10) as sim:
        api = BitmovinApi(api_key=sim.api_key, base_url=sim.base_url)
        sim.advance(600)
        sim.force_state(encoding_id, "ERROR", errorCode=2100)

The simulator runs as ``python -m simulator --port 0`` from the project root; the helper reads the
port from its ready line. Control calls go to the /_sim/ endpoints (see simulator/README.md).
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
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
READY_PREFIX = "simulator listening on "
DEFAULT_API_KEY = "test-api-key"


class SimulatorError(RuntimeError):
    pass


class RunningSimulator:
    """A simulator subprocess on a free port of 127.0.0.1.

    `api_key` is passed with --api-key, so it reaches every organization. Extra command-line flags go
    in `args`, e.g. ``RunningSimulator(args=["--faults", "503=0.5", "--rate-limits", "off"])``.
    New encodings do not arrive on their own unless `arrival_rate` is set (per organization per
    hour; None keeps the simulator's default), so that a test's world holds still.
    """

    def __init__(
        self,
        *,
        encodings: int = 200,
        seed: int = 1,
        speed: float = 1.0,
        organizations: int | None = None,
        arrival_rate: float | None = 0.0,
        api_key: str | None = DEFAULT_API_KEY,
        args: list[str] | tuple[str, ...] = (),
        startup_timeout: float = 60.0,
    ) -> None:
        self.api_key = api_key
        self.startup_timeout = startup_timeout
        command = [sys.executable, "-m", "simulator", "--port", "0", "--seed", str(seed)]
        command += ["--encodings", str(encodings), "--speed", str(speed)]
        if organizations is not None:
            command += ["--organizations", str(organizations)]
        if arrival_rate is not None:
            command += ["--arrival-rate", str(arrival_rate)]
        if api_key:
            command += ["--api-key", api_key]
        self.command = [*command, *args]
        self.process: subprocess.Popen[str] | None = None
        self.port: int | None = None
        self.startup_seconds: float | None = None
        self.generated_keys: list[str] = []
        self._lines: list[str] = []
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # Lifecycle

    def start(self) -> RunningSimulator:
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
        threading.Thread(target=self._drain, args=(lines,), daemon=True).start()
        deadline = began + self.startup_timeout
        while True:
            try:
                line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                self.stop()
                raise SimulatorError(
                    f"simulator not ready after {self.startup_timeout} s:\n{self.output}"
                ) from None
            if line is None:
                raise SimulatorError(f"simulator exited with {self.process.wait()}:\n{self.output}")
            if " api key " in line:
                self.generated_keys.append(line.split(" api key ", 1)[1].split()[0])
            if line.startswith(READY_PREFIX):
                self.port = int(line[len(READY_PREFIX) :].strip().rsplit(":", 1)[1].split("/", 1)[0])
                break
        self.startup_seconds = time.monotonic() - began
        return self

    def _drain(self, lines: queue.Queue[str | None]) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.append(line.rstrip("\n"))
            lines.put(line.rstrip("\n"))
        lines.put(None)

    def stop(self, timeout: float = 15.0) -> int | None:
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

    def __enter__(self) -> RunningSimulator:
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
        """What the SDK and the dashboard use as the API base URL."""
        return f"{self.root_url}/v1"

    def sdk(self, tenant_org_id: str | None = None, api_key: str | None = None) -> Any:
        from bitmovin_api_sdk import BitmovinApi

        return BitmovinApi(
            api_key=api_key or self.api_key, tenant_org_id=tenant_org_id, base_url=self.base_url
        )

    # Control endpoints

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call /_sim/<path> and return data.result; raise SimulatorError on an ERROR envelope."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - always http://127.0.0.1
            f"{self.root_url}/_sim/{path.lstrip('/')}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with self._opener.open(request, timeout=30) as response:
                envelope = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise SimulatorError(
                f"{method} /_sim/{path}: {exc.code} {exc.read().decode(errors='replace')}"
            ) from None
        return envelope["data"]["result"]

    def health(self) -> dict[str, Any]:
        return self.control("GET", "health")

    def accounts(self) -> dict[str, Any]:
        return self.control("GET", "accounts")

    def set_faults(self, spec: str, latency_ms: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"spec": spec}
        if latency_ms is not None:
            body["latencyMs"] = latency_ms
        return self.control("POST", "faults", body)

    def clear_faults(self) -> dict[str, Any]:
        return self.control("DELETE", "faults")

    def set_rate_limits(
        self, enabled: bool | None = None, limits: dict[str, int] | None = None, reset: bool = False
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"reset": reset}
        if enabled is not None:
            body["enabled"] = enabled
        if limits is not None:
            body["limits"] = limits
        return self.control("POST", "rate-limits", body)

    def advance(self, seconds: float) -> dict[str, Any]:
        return self.control("POST", "advance", {"seconds": seconds})

    def tick(self) -> int:
        return self.control("POST", "tick")["transitions"]

    def force_state(self, encoding_id: str, status: str, **options: Any) -> dict[str, Any]:
        """Options: progress, outcome, errorCode, stuck, agoSeconds (see simulator/README.md)."""
        return self.control("POST", "encodings", {"id": encoding_id, "status": status, **options})

    def plan(self, encoding_id: str) -> dict[str, Any]:
        return self.control("GET", f"encodings/{encoding_id}")

    def set_arrival_rate(self, per_hour: float) -> dict[str, Any]:
        return self.control("POST", "arrivals", {"ratePerHour": per_hour})

    def deliveries(self, **filters: str) -> list[dict[str, Any]]:
        query = "&".join(f"{k}={v}" for k, v in filters.items())
        return self.control("GET", "webhook-deliveries" + (f"?{query}" if query else ""))["items"]

    def wait_for_deliveries(self, count: int, timeout: float = 10.0, **filters: str) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.deliveries(**filters)
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def clear_deliveries(self) -> None:
        self.control("DELETE", "webhook-deliveries")

    def stats(self) -> dict[str, Any]:
        return self.control("GET", "stats")

    def reset_stats(self) -> None:
        self.control("DELETE", "stats")
