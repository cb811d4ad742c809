"""Start and stop a Bitmovin API simulator subprocess for any test in the project.

    with RunningSimulator(encodings=500, speed=10) as sim:
        api = BitmovinApi(api_key=sim.api_key, base_url=sim.base_url)
        sim.advance(600)
        sim.force_state(encoding_id, "ERROR", errorCode=2100)

The simulator runs as ``python -m simulator --port 0`` from the project root, through the launcher the demo
and the benchmarks use (devtools/simulator_process.py); this adds the tests' defaults and shortcuts to the
/_sim/ control endpoints (see simulator/README.md).
"""

from __future__ import annotations

import time
from typing import Any

from devtools.simulator_process import SimulatorError, SimulatorProcess

DEFAULT_API_KEY = "test-api-key"

__all__ = ["DEFAULT_API_KEY", "RunningSimulator", "SimulatorError"]


class RunningSimulator(SimulatorProcess):
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
        options = ["--port", "0", "--seed", str(seed), "--encodings", str(encodings), "--speed", str(speed)]
        if organizations is not None:
            options += ["--organizations", str(organizations)]
        if arrival_rate is not None:
            options += ["--arrival-rate", str(arrival_rate)]
        if api_key:
            options += ["--api-key", api_key]
        super().__init__([*options, *args], startup_timeout=startup_timeout)

    def start(self) -> RunningSimulator:
        super().start()
        return self

    def __enter__(self) -> RunningSimulator:
        return self.start()

    def sdk(self, tenant_org_id: str | None = None, api_key: str | None = None) -> Any:
        from bitmovin_api_sdk import BitmovinApi

        return BitmovinApi(
            api_key=api_key or self.api_key, tenant_org_id=tenant_org_id, base_url=self.base_url
        )

    # Shortcuts to the control endpoints

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
        """Resets the request counts and empties the log of writes."""
        self.control("DELETE", "stats")

    def writes(self, path: str | None = None) -> list[dict[str, Any]]:
        """The POST, PUT and DELETE requests the API received (``path``: a glob below /v1), oldest first."""
        return self.control("GET", "writes" + (f"?path={path}" if path else ""))["items"]
