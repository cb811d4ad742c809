"""Benchmark: break each part of a running stack in turn and measure how the product recovers.

It starts a production-shaped stack of its own (devtools/fault_stack.py: its own Redis, a PostgreSQL
database behind a cuttable proxy, the simulator, gunicorn, the two workers and beat), lets it settle, then
for each fault: breaks the part while a signed-in overview and a wall screen keep loading and the simulator
keeps delivering webhooks, mends it (or starts the killed process again, as a supervisor would), and
measures
- seconds until the pages answer 200 again (0 when they never stopped),
- seconds until every organization's next successful sync, against the cadence the stack really syncs at
  (measured first, without a fault: the configured interval, or longer when the organizations sharing an API
  key cannot all afford it and the sweep stretches it within the key's budget),
- and, after the simulator's encodings have all settled (no arrivals, the clock moved on), the encodings
  missing from the mirror, extra in it, or with the wrong status (the target is 0, 0, 0).

The last line printed is JSON. It needs PostgreSQL (the database is created and dropped on the server of
--database-url) and redis-server installed.

    DJANGO_DEBUG=1 python manage.py bench_faults --interval 5
    DJANGO_DEBUG=1 python manage.py bench_faults --faults database_hung,worker_killed --fault-seconds 30
"""

from __future__ import annotations

import itertools
import json
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
from django.core.management.base import BaseCommand, CommandError

from devtools.fault_stack import API_KEY, ARRIVALS_PER_HOUR, DATABASE_DEADLINE_SECONDS, FaultStack, StackError
from devtools.mirror_check import MIRROR_SQL, mirror_difference
from encodings_app.services.key_budget import LIST_ENDPOINT, STATUS_ENDPOINT, ApiBudget, key_fingerprint

# Every fault the issue names, in the order they run: each leaves the stack whole for the next.
FAULTS = (
    "redis_restart",
    "broker_down",
    "worker_killed",
    "beat_killed",
    "database_down",
    "database_hung",
    "api_faults",
)
# A third of the API's answers broken: errors, rate limits and damaged bodies.
API_FAULT_SPEC = "500=0.06,503=0.06,429=0.06,truncate=0.04,nonjson=0.04,reset=0.04"
REDIS_RESTARTS = 3
# Moves the simulator's clock past every queue wait, run and stall timeout, so every encoding settles.
SETTLE_SIM_SECONDS = 6 * 3600


@dataclass
class PageWatch:
    """Loads the overview (signed in) and the wall over and over, and keeps what each answer was."""

    stack: FaultStack
    answers: list[tuple[float, str, int, float]] = field(default_factory=list)  # when, page, status, s
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> PageWatch:
        self.session = self.stack.signed_in_session()
        self.wall = requests.Session()
        self.wall.trust_env = False
        self.wall.get(self.stack.wall_url, timeout=10)  # trades the link's code for the screen's cookie
        self.wall_page = self.wall.get(self.stack.wall_url, timeout=10).url
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(30)

    def _run(self) -> None:
        pages = {"overview": (self.session, f"{self.stack.web_url}/"), "wall": (self.wall, self.wall_page)}
        pages["readyz"] = (self.wall, f"{self.stack.web_url}/readyz")
        while not self._stop.is_set():
            for name, (session, url) in pages.items():
                began = time.time()
                try:
                    status = session.get(url, timeout=20, allow_redirects=False).status_code
                except requests.RequestException:
                    status = 0
                self.answers.append((began, name, status, time.time() - began))
            self._stop.wait(0.5)

    def back_after(self, moment: float) -> float | None:
        """Seconds from `moment` until the pages answered 200 and kept doing so (None: not yet)."""
        pages = [a for a in self.answers if a[1] != "readyz"]
        failing = [when + seconds for when, _, status, seconds in pages if status != 200]
        last_failure = max(failing, default=None)
        if last_failure is None or last_failure < moment:
            return 0.0
        later = [
            when + seconds for when, _, status, seconds in pages if status == 200 and when > last_failure
        ]
        return round(min(later) - moment, 1) if later else None

    def during(self, begin: float, end: float) -> dict:
        """The answers to requests that were in flight at some time between `begin` and `end`."""
        window = [a for a in self.answers if a[0] <= end and a[0] + a[3] >= begin]
        pages = [a for a in window if a[1] != "readyz"]
        return {
            "page_answers": dict(Counter(str(status) for _, _, status, _ in pages)),
            "slowest_page_s": round(max((s for *_, s in pages), default=0.0), 2),
            "readyz_answers": dict(Counter(str(status) for _, name, status, _ in window if name == "readyz")),
        }


class Command(BaseCommand):
    help = "Break each part of a stack it starts, one at a time, and measure recovery; prints a JSON line."

    def add_arguments(self, parser):
        parser.add_argument(
            "--faults", default=",".join(FAULTS), help=f"Comma-separated, of: {', '.join(FAULTS)}"
        )
        parser.add_argument("--interval", type=int, default=5, help="SYNC_INTERVAL_SECONDS of the stack.")
        parser.add_argument("--fault-seconds", type=int, default=20, help="How long each fault lasts.")
        parser.add_argument(
            "--steady-seconds",
            type=int,
            default=60,
            help="How long to watch the stack without a fault to measure its sync cadence.",
        )
        parser.add_argument("--organizations", type=int, default=3)
        parser.add_argument("--encodings", type=int, default=300)
        parser.add_argument("--speed", type=float, default=30.0, help="The simulator's --speed.")
        parser.add_argument(
            "--timeline",
            action="store_true",
            help="Also print, per fault, every sync run from the fault's start to its recovery.",
        )
        parser.add_argument(
            "--keep-folder",
            action="store_true",
            help="Keep the stack's folder (every part's log) after the run, for a look at what happened.",
        )
        parser.add_argument(
            "--database-url",
            default="postgres://postgres@127.0.0.1:5432/postgres",
            help="A PostgreSQL server where the benchmark may create and drop the database bench_faults.",
        )

    def handle(self, *args, faults: str, interval: int, fault_seconds: int, database_url: str, **options):
        chosen = [name.strip() for name in faults.split(",") if name.strip()]
        unknown = sorted(set(chosen) - set(FAULTS))
        if unknown:
            raise CommandError(f"unknown fault(s): {', '.join(unknown)}; choose from {', '.join(FAULTS)}")
        if interval < 1 or fault_seconds < 1:
            raise CommandError("--interval and --fault-seconds must be at least 1")
        stack = FaultStack(
            admin_database_url=database_url,
            interval=interval,
            organizations=options["organizations"],
            encodings=options["encodings"],
            speed=options["speed"],
            log=lambda line: self.stdout.write(line),
        )
        results = []
        try:
            self.stdout.write(f"Starting the stack under {stack.folder}")
            stack.start()
            self.bench = _Bench(
                stack,
                interval=interval,
                fault_seconds=fault_seconds,
                say=self.stdout.write,
                timeline=options["timeline"],
            )
            self.bench.settle_first_sync()
            cadence = self.bench.steady_cadence(options["steady_seconds"])
            self.stdout.write(f"Steady cadence: a successful sync every {cadence} s per organization")
            for name in chosen:
                results.append(self.bench.run(name))
                self.stdout.write(json.dumps(results[-1]))
        except StackError as exc:
            raise CommandError(str(exc)) from None
        finally:
            stack.stop(keep_folder=options["keep_folder"])
        summary = {
            "benchmark": "bench_faults",
            "interval_s": interval,
            "cadence_s": cadence,
            "fault_s": fault_seconds,
            "database_deadline_s": DATABASE_DEADLINE_SECONDS,
            "organizations": options["organizations"],
            "faults": results,
            "all_rows_match": all(r["missing"] == r["extra"] == r["wrong"] == 0 for r in results),
            # Two of the intervals the stack syncs at: the configured one, or the stretched cadence.
            "sync_back_within_two_intervals": all(
                r["sync_back_s"] is not None and r["sync_back_s"] <= 2 * max(interval, cadence)
                for r in results
            ),
            "no_part_crashed": not any(r["crashed"] for r in results),
        }
        self.stdout.write(json.dumps(summary))


class _Bench:
    def __init__(
        self, stack: FaultStack, *, interval: int, fault_seconds: int, say: Callable, timeline: bool = False
    ) -> None:
        self.stack = stack
        self.timeline = timeline
        self.interval = interval
        self.fault_seconds = fault_seconds
        self.say = say
        self.tenants = {
            tenant for (tenant,) in stack.query("SELECT tenant_org_id FROM encodings_app_organization")
        }

    # Faults: each breaks one part, waits, and mends it; returns when the part is whole again.

    def redis_restart(self) -> None:
        for _ in range(REDIS_RESTARTS):
            self.stack.kill_part("redis")
            time.sleep(1)
            self.stack.start_part("redis")
            time.sleep(max(2, self.fault_seconds / REDIS_RESTARTS))

    def broker_down(self) -> None:
        self.stack.kill_part("redis")
        time.sleep(self.fault_seconds)  # webhooks keep arriving meanwhile
        self.stack.start_part("redis")

    def worker_killed(self) -> None:
        for part in ("sync worker", "refresh worker"):
            self.stack.kill_part(part)
        time.sleep(2)  # a supervisor's restart delay
        for part in ("sync worker", "refresh worker"):
            self.stack.start_part(part)

    def beat_killed(self) -> None:
        self.stack.kill_part("beat")
        time.sleep(self.fault_seconds)
        self.stack.start_part("beat")

    def database_down(self) -> None:
        self.stack.proxy.refuse()
        time.sleep(self.fault_seconds)
        self.stack.proxy.restore()

    def database_hung(self) -> None:
        self.stack.proxy.hang()
        time.sleep(self.fault_seconds)
        self.stack.proxy.restore()

    def api_faults(self) -> None:
        self.stack.simulator.control("POST", "faults", {"spec": API_FAULT_SPEC})
        time.sleep(self.fault_seconds)
        self.stack.simulator.control("DELETE", "faults")

    # One fault, measured

    def run(self, name: str) -> dict:
        self.say(f"--- {name}")
        self.stack.wait_for_syncs(since=time.time() - 2 * self.interval, timeout=120)
        crashed_before = set(self.stack.dead_parts())
        watch = PageWatch(self.stack).start()
        began = time.time()
        getattr(self, name)()
        mended = time.time()
        told_to_wait = self._api_pause_after(mended)
        sync_back = self.stack.wait_for_syncs(since=mended, timeout=10 * self.interval + 120)
        pages_back = self._pages_back(watch, mended)
        if self.timeline:
            self._say_timeline(since=began, mended=mended)
        watch.stop()
        crashed = {part: code for part, code in self.stack.dead_parts().items() if part not in crashed_before}
        for part in crashed:
            self.say(f"{part} exited by itself during {name}:\n{self.stack.part_log_tail(part)}")
        difference = self._settled_difference()
        return {
            "fault": name,
            "pages_back_s": pages_back,
            "sync_back_s": sync_back,
            "api_pause_after_fault_s": told_to_wait,
            **difference.as_dict(),
            "crashed": sorted(crashed),
            **watch.during(began, mended),
        }

    def steady_cadence(self, seconds: float) -> float:
        """Watch the stack without a fault for `seconds`; the median seconds between the starts of one
        organization's successful syncs (the configured interval when nothing stretches it)."""
        self.say(f"Measuring the sync cadence for {seconds} s without a fault")
        began = time.time()
        time.sleep(seconds)
        rows = self.stack.query(
            "SELECT organization_id, extract(epoch FROM started_at) FROM encodings_app_syncrun "
            "WHERE outcome = 'ok' AND started_at >= to_timestamp(%s) ORDER BY organization_id, started_at",
            (began,),
        )
        gaps = [
            float(later) - float(earlier)
            for (organization, earlier), (same, later) in itertools.pairwise(rows)
            if organization == same
        ]
        return round(statistics.median(gaps), 1) if gaps else float(self.interval)

    def _api_pause_after(self, mended: float) -> float:
        """Seconds after the fault ended that the API's 429s still hold the stack back, as the dashboard
        recorded them (x-ratelimit-reset): an organization paused by a rate limit, or the key's window that
        the API said is spent, which keeps the sweep from planning any sync on it. The dashboard obeys."""
        (paused_until,) = self.stack.query(
            "SELECT max(extract(epoch FROM sync_paused_until)) FROM encodings_app_organization"
        )[0]
        waits = [float(paused_until)] if paused_until is not None else []
        budget = ApiBudget(key_fingerprint(API_KEY, self.stack.simulator.base_url), cache=self.stack.cache())
        for endpoint in (LIST_ENDPOINT, STATUS_ENDPOINT):
            try:
                word = budget.api_word(endpoint)
            except Exception as exc:  # the stack's cache is read around faults too
                self.say(f"(bench read of the API's word failed: {type(exc).__name__})")
                continue
            if word is not None and not word.leaves_room(interactive=False):
                waits.append(word.reset_at)
        return round(max(0.0, max(waits, default=mended) - mended), 1)

    def settle_first_sync(self) -> None:
        self.say("Waiting for every organization's first successful sync")
        if self.stack.wait_for_syncs(since=0, timeout=300) is None:
            raise StackError("the stack never completed a first sync of every organization")

    def _pages_back(self, watch: PageWatch, mended: float, timeout: float = 120) -> float | None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            back = watch.back_after(mended)
            if back is not None and time.time() - (mended + back) > 2:
                return back
            time.sleep(0.5)
        return watch.back_after(mended)

    def _say_timeline(self, *, since: float, mended: float) -> None:
        """Every sync run started since the fault began, in seconds from the moment it was mended."""
        rows = self.stack.query(
            "SELECT organization_id, extract(epoch FROM started_at), extract(epoch FROM finished_at), "
            "outcome, left(error_message, 80) FROM encodings_app_syncrun "
            "WHERE started_at >= to_timestamp(%s) "
            "ORDER BY started_at",
            (since,),
        )
        for organization, started, finished, outcome, error in rows:
            ended = "-" if finished is None else f"{float(finished) - mended:+.1f}"
            began = f"{float(started) - mended:+.1f}"
            self.say(f"  run org={organization} start={began} end={ended} {outcome} {error or ''}")

    def _settled_difference(self):
        """Stop arrivals, move the simulator's clock past every encoding's end, let two syncs run, compare."""
        simulator = self.stack.simulator
        simulator.control("POST", "arrivals", {"ratePerHour": 0})
        simulator.control("POST", "advance", {"seconds": SETTLE_SIM_SECONDS})
        settled = time.time()
        for _ in range(2):
            self.stack.wait_for_syncs(since=time.time(), timeout=10 * self.interval + 60)
        self.say(f"settled in {time.time() - settled:.0f} s")
        difference = mirror_difference(
            simulator, watched=self.tenants, mirror_rows=self.stack.query(MIRROR_SQL)
        )
        simulator.control("POST", "arrivals", {"ratePerHour": ARRIVALS_PER_HOUR})
        return difference
