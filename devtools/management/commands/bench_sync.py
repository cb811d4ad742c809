"""Benchmark: API calls and time of one steady-state sync, against a naive poll through the official SDK.

Both run against the same simulator state: N encodings in one organization, of which A are active, with L
milliseconds of latency on every request. The mirror is primed first (a full sync), since the steady state
is what runs every few seconds for weeks. The last line printed is JSON.

    DJANGO_DEBUG=1 python manage.py bench_sync --encodings 10000 --active 50 --latency-ms 20
"""

from __future__ import annotations

import json
import time
import uuid
from contextlib import contextmanager
from unittest import mock

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import F

from devtools.simulator_process import SimulatorError, SimulatorProcess
from encodings_app.bitmovin import BitmovinClient, DestinationPolicy
from encodings_app.models import AccountConnection, Encoding, Organization, SyncRun
from encodings_app.services import sync
from encodings_app.services.clients import LOOPBACK_NEEDED
from encodings_app.services.key_budget import ApiBudget

BENCH_KEY = "bench-api-key"
# The benchmark starts its own simulator on 127.0.0.1 and reads it directly.
SIMULATOR = DestinationPolicy(allow_loopback=True)
ACTIVE = ("QUEUED", "RUNNING")


class Command(BaseCommand):
    help = "Measure a steady-state sync against a naive SDK poll on the same simulator state."

    def add_arguments(self, parser):
        parser.add_argument("--encodings", type=int, default=10_000)
        parser.add_argument("--active", type=int, default=50)
        parser.add_argument("--latency-ms", type=int, default=20)
        parser.add_argument("--seed", type=int, default=3)

    def handle(self, *args, encodings: int, active: int, latency_ms: int, seed: int, **options):
        if not settings.BITMOVIN_ALLOW_LOOPBACK:
            raise CommandError(f"The benchmark cannot run: {LOOPBACK_NEEDED}.")
        if encodings < 1 or not 0 <= active <= encodings or latency_ms < 0:
            raise CommandError("need --encodings >= 1, 0 <= --active <= --encodings and --latency-ms >= 0")
        sim_args = ["--port", "0", "--seed", str(seed), "--encodings", str(encodings), "--organizations", "1"]
        sim_args += ["--accounts", "1", "--arrival-rate", "0", "--api-key", BENCH_KEY]
        try:
            ours, naive = self._run(sim_args, active, latency_ms)
        except SimulatorError as exc:
            raise CommandError(str(exc)) from None
        self._report(encodings, active, latency_ms, ours, naive)

    def _run(self, sim_args: list[str], active: int, latency_ms: int) -> tuple[dict, dict]:
        with SimulatorProcess(sim_args, startup_timeout=120) as simulator:
            tenant = simulator.control("GET", "accounts")["accounts"][0]["organizations"][0]["id"]
            self._set_active(simulator, tenant, active)
            connection = AccountConnection(name="Benchmark", api_base_url=simulator.base_url)
            connection.set_api_key(BENCH_KEY)
            connection.save()
            organization = Organization(slug=f"bench-{uuid.uuid4().hex[:8]}", name="Benchmark")
            organization.connection = connection
            organization.tenant_org_id = tenant
            organization.save()
            try:
                self._prime(simulator, organization)
                ours = self._measure_ours(simulator, organization, latency_ms)
                naive = self._measure_naive(simulator, tenant, latency_ms)
            finally:
                organization.delete()
                connection.delete()
        return ours, naive

    def _set_active(self, simulator: SimulatorProcess, tenant: str, wanted: int) -> None:
        """Force encodings in or out of QUEUED/RUNNING until exactly `wanted` are active."""
        with BitmovinClient(
            BENCH_KEY, tenant_org_id=tenant, base_url=simulator.base_url, destinations=SIMULATOR
        ) as client:
            simulator.control("POST", "rate-limits", {"enabled": False})
            everything = list(client.iter_encodings())
        active = [item.id for item in everything if item.status in ACTIVE]
        idle = [item.id for item in everything if item.status not in ACTIVE and item.status != "CREATED"]
        for encoding_id in active[wanted:]:
            simulator.control("POST", "encodings", {"id": encoding_id, "status": "FINISHED"})
        for index, encoding_id in enumerate(idle[: max(0, wanted - len(active))]):
            status = "RUNNING" if index % 2 else "QUEUED"
            simulator.control("POST", "encodings", {"id": encoding_id, "status": status, "progress": 10})

    def _prime(self, simulator: SimulatorProcess, organization: Organization) -> None:
        """Fill the mirror with a full sync, fast: no latency, no rate limits, our own budget lifted."""
        simulator.control("POST", "faults", {"spec": "", "latencyMs": 0})
        backlog = Encoding.objects.filter(organization=organization).exclude(status_synced_for=F("status"))
        started = time.monotonic()
        with _budget_lifted():
            run = sync.organization_sync(organization_id=organization.pk, full=True)
            # Each run reads at most SYNC_MAX_STATUS_CALLS Tasks; go on until every one has been read.
            for _ in range(1000):
                if run is None or run.outcome != SyncRun.Outcome.OK or not backlog.exists():
                    break
                run = sync.organization_sync(organization_id=organization.pk)
        if run is None or run.outcome != SyncRun.Outcome.OK:
            raise CommandError(f"priming the mirror failed: {run and run.error_message}")
        self.stdout.write(f"primed the mirror in {time.monotonic() - started:.1f} s")

    def _measure_ours(self, simulator: SimulatorProcess, organization: Organization, latency_ms: int) -> dict:
        simulator.control("POST", "faults", {"spec": "", "latencyMs": latency_ms})
        simulator.control("POST", "rate-limits", {"enabled": True, "reset": True})
        simulator.control("DELETE", "stats")
        started = time.monotonic()
        run = sync.organization_sync(organization_id=organization.pk)
        seconds = time.monotonic() - started
        stats = simulator.control("GET", "stats")
        if run is None or run.outcome != SyncRun.Outcome.OK:
            raise CommandError(f"the measured sync did not succeed: {run and run.error_message}")
        return {
            "api_calls": run.total_api_calls,
            "seconds": round(seconds, 3),
            "by_endpoint": run.api_calls,
            "rate_limited_responses": stats["rateLimited"],
        }

    def _measure_naive(self, simulator: SimulatorProcess, tenant: str, latency_ms: int) -> dict:
        """What a script does with the official SDK: list every page, then read every encoding's status.
        The simulator's rate limits are off for it: with them on it would stop at the list limit."""
        from bitmovin_api_sdk import BitmovinApi, EncodingListQueryParams

        simulator.control("POST", "rate-limits", {"enabled": False, "reset": True})
        simulator.control("POST", "faults", {"spec": "", "latencyMs": latency_ms})
        simulator.control("DELETE", "stats")
        api = BitmovinApi(api_key=BENCH_KEY, tenant_org_id=tenant, base_url=simulator.base_url)
        started = time.monotonic()
        ids, offset, list_calls = [], 0, 0
        while True:
            page = api.encoding.encodings.list(query_params=EncodingListQueryParams(offset=offset, limit=100))
            list_calls += 1
            ids += [item.id for item in page.items]
            offset += len(page.items)
            if len(page.items) < 100:
                break
        for encoding_id in ids:
            api.encoding.encodings.status(encoding_id)
        seconds = time.monotonic() - started
        api_requests = simulator.control("GET", "stats")["apiRequests"]
        return {
            "api_calls": list_calls + len(ids),
            "seconds": round(seconds, 3),
            "list_calls": list_calls,
            "status_calls": len(ids),
            "server_counted": api_requests,
        }

    def _report(self, encodings: int, active: int, latency_ms: int, ours: dict, naive: dict) -> None:
        ratio_calls = naive["api_calls"] / max(1, ours["api_calls"])
        ratio_seconds = naive["seconds"] / max(0.001, ours["seconds"])
        rows = [
            ("", "API calls", "seconds"),
            ("ours (steady-state sync)", str(ours["api_calls"]), f"{ours['seconds']:.2f}"),
            ("naive SDK poll", str(naive["api_calls"]), f"{naive['seconds']:.2f}"),
            ("naive / ours", f"{ratio_calls:.0f}x", f"{ratio_seconds:.0f}x"),
        ]
        self.stdout.write(f"{encodings} encodings, {active} active, {latency_ms} ms latency per request")
        for name, calls, seconds in rows:
            self.stdout.write(f"  {name:<26} {calls:>10} {seconds:>10}")
        self.stdout.write(f"  our calls by endpoint: {ours['by_endpoint']}")
        self.stdout.write(f"  429 answers during our sync: {ours['rate_limited_responses']}")
        result = {
            "encodings": encodings,
            "active": active,
            "latency_ms": latency_ms,
            "ours": {key: ours[key] for key in ("api_calls", "seconds", "rate_limited_responses")},
            "naive_sdk": {key: naive[key] for key in ("api_calls", "seconds")},
            "ratio_api_calls": round(ratio_calls, 1),
            "ratio_seconds": round(ratio_seconds, 1),
        }
        self.stdout.write(json.dumps(result))


@contextmanager
def _budget_lifted():
    with mock.patch.object(ApiBudget, "__call__", lambda self, method, endpoint: None):
        yield
