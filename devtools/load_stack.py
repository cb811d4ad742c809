"""The stack bench_load measures: bench_faults' production-shaped stack (devtools/fault_stack.py) with
gunicorn's workers as asked, PostgreSQL reached directly, and the screens and operators the load plays.

The sync worker, the refresh worker and beat run as in production, and the simulator's encodings arrive,
run and finish with their webhooks delivered to the stack: the mirror keeps changing during the run, as it
does for a real account, so the pages' ETags meet real writes.

The CPU time of each part is read from /proc: gunicorn's master with every worker it runs now, and those
it already replaced (max_requests), which the kernel counts in the master's children's time once the
master has reaped them; the same for the Celery workers' pools.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from devtools.fault_stack import FaultStack
from encodings_app.metrics.definitions import REQUEST_DURATION
from encodings_app.metrics.exposition import MULTIPROCESS_DIR_VARIABLE

PROC = Path("/proc")
# The histogram's name as prometheus_client collects it (its samples add _bucket, _count and _sum).
REQUEST_DURATION_NAME = REQUEST_DURATION.describe()[0].name


@dataclass(frozen=True)
class Fleet:
    """What the load plays: the display links of the walls and the operators' sign-ins."""

    links: list[str]
    operators: list[dict[str, Any]]
    organizations: list[str]


class LoadStack(FaultStack):
    # A proxy in Python between gunicorn and PostgreSQL would be part of every page's time.
    DATABASE_PROXY = False
    FOLDER_PREFIX = "bench-load-"

    def __init__(self, *, web_workers: int, first_port: int = 0, **options: Any) -> None:
        super().__init__(**options)
        self.web_workers = web_workers
        if first_port:
            self.web_port, self.redis_port, self.simulator_port = first_port, first_port + 1, first_port + 2

    def fleet_create(self, *, links: int, poll_seconds: int | None, operators: int, password: str) -> Fleet:
        """The display links and operators' sign-ins (devtools/load_fleet.py), in one manage.py call."""
        code = (
            "from devtools.load_fleet import fleet_create; "
            f"print(fleet_create(links={links}, poll_seconds={poll_seconds!r}, operators={operators}, "
            f"password={password!r}, base_url={self.web_url!r}))"
        )
        made = json.loads(self._manage("shell", "-c", code).strip().splitlines()[-1])
        return Fleet(links=made["links"], operators=made["operators"], organizations=made["organizations"])

    @property
    def metrics_folder(self) -> Path:
        return self.folder / "web-metrics"

    def part_env(self, name: str) -> dict[str, str]:
        # The web server's request latency histogram in a folder the benchmark reads itself: a scrape of
        # /metrics would wait in gunicorn's queue behind the load it measures.
        return {MULTIPROCESS_DIR_VARIABLE: str(self.metrics_folder)} if name == "web" else {}

    def cpu_seconds(self) -> dict[str, float]:
        """User and system CPU seconds of each part's processes, past and present: gunicorn's master and
        every worker it runs or has replaced (max_requests), a Celery worker's pool ..."""
        stats = dict(_process_stats())
        children: dict[int, list[int]] = {}
        for pid, stat in stats.items():
            children.setdefault(stat["ppid"], []).append(pid)
        ticks_per_second = os.sysconf("SC_CLK_TCK")
        spent = {}
        for name, process in self.processes.items():
            tree, ticks = [process.pid], 0
            while tree:
                pid = tree.pop()
                if pid in stats:
                    # Its own time, and its children's that it has reaped (those no longer in the tree).
                    ticks += stats[pid]["own_ticks"] + stats[pid]["children_ticks"]
                    tree.extend(children.get(pid, []))
            spent[name] = ticks / ticks_per_second
        if self.simulator is not None and self.simulator.process is not None:
            stat = stats.get(self.simulator.process.pid)
            spent["simulator"] = (
                (stat["own_ticks"] + stat["children_ticks"]) / ticks_per_second if stat else 0.0
            )
        return spent

    def database_cpu_seconds(self) -> dict[int, float]:
        """CPU seconds of each PostgreSQL backend serving the bench database now, by pid (the server must
        run on this machine; a connection that closed takes its time with it, so this is a lower bound)."""
        pids = self.query(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (self.database,),
        )
        stats = dict(_process_stats())
        ticks_per_second = os.sysconf("SC_CLK_TCK")
        return {pid: stats[pid]["own_ticks"] / ticks_per_second for (pid,) in pids if pid in stats}

    def server_latency(self) -> dict[str, dict]:
        """The web server's request latency histogram per route (what the application timed, without the
        wait in gunicorn's queue), summed over methods and statuses: count, sum and cumulative buckets."""
        registry = CollectorRegistry(auto_describe=False)
        MultiProcessCollector(registry, path=str(self.metrics_folder))
        routes: dict[str, dict] = {}
        for metric in registry.collect():
            if metric.name != REQUEST_DURATION_NAME:
                continue
            for sample in metric.samples:
                route = routes.setdefault(sample.labels["route"], {"count": 0.0, "sum": 0.0, "buckets": {}})
                kind = sample.name.removeprefix(REQUEST_DURATION_NAME + "_")
                if kind == "bucket":
                    le = sample.labels["le"]
                    route["buckets"][le] = route["buckets"].get(le, 0.0) + sample.value
                elif kind in ("count", "sum"):
                    route[kind] += sample.value
        return routes


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent on anything but idling, all cores together (/proc/stat)."""
    user, nice, system, _idle, _iowait, *rest = (int(v) for v in (PROC / "stat").read_text().split()[1:9])
    return (user + nice + system + sum(rest)) / os.sysconf("SC_CLK_TCK")


def _process_stats():
    """(pid, {"ppid", "own_ticks", "children_ticks"}) of every process /proc shows."""
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:  # ended while being read
            continue
        # The command name (field 2) is in parentheses and may hold spaces: split after its end.
        fields = text[text.rindex(")") + 2 :].split()
        # Fields from the third on: state, ppid, ...; utime, stime, cutime, cstime are the 14th to 17th.
        yield (
            int(entry.name),
            {
                "ppid": int(fields[1]),
                "own_ticks": int(fields[11]) + int(fields[12]),
                "children_ticks": int(fields[13]) + int(fields[14]),
            },
        )
