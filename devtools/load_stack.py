"""The stack bench_load measures: bench_faults' production-shaped stack (devtools/fault_stack.py) with
gunicorn's workers as asked, PostgreSQL reached directly, and the screens and operators the load plays.

The sync worker, the refresh worker and beat run as in production, and the simulator's encodings arrive,
run and finish with their webhooks delivered to the stack: the mirror keeps changing during the run, as it
does for a real account, so the pages' ETags meet real writes.

The CPU time of the web server is read from /proc: gunicorn's master with every worker it runs now, and
those it already replaced (max_requests), which the kernel counts in the master's children's time once the
master has reaped them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devtools.fault_stack import FaultStack

PROC = Path("/proc")


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

    def web_cpu_seconds(self) -> float:
        """User and system CPU seconds of gunicorn's master and its workers, past and present."""
        master = self.processes["web"].pid
        stats = {pid: stat for pid, stat in _process_stats() if pid == master or stat["ppid"] == master}
        ticks = stats[master]["children_ticks"] + sum(stat["own_ticks"] for stat in stats.values())
        return ticks / os.sysconf("SC_CLK_TCK")


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
