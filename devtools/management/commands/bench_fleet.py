"""Benchmark: many organizations behind a few API keys, synced by the real scheduler within the API's limits.

On a production-shaped stack of real processes (devtools/fleet_stack.py: the simulator over HTTP with its
rate limits on, gunicorn, the sync and refresh workers, beat), with time sped up --speed times (the API's
minute lasts 60/speed seconds on both sides), it runs
(1) a warm-up: from the workers' start until every organization has finished its first walk of every
    encoding, reported on its own (API minutes it took, sync runs by outcome, 429s, and how long an
    organization waited for its second sync after its first while the others took their first walks);
(2) the measured steady state, --minutes API minutes long, during which the bench places changes at the
    simulator at random moments (an active encoding forced to FINISHED, or a new encoding created and
    started) and times how long each takes to reach the mirror.
It prints per key the list and status calls per API minute (mean, and the most in one of the simulator's
windows) against the limits and the 429s the simulator answered, the sync runs by outcome (the rate-limited
ones are the target: 0), the staleness of the mirror (p50/p95/max, API seconds), the longest each
organization waited between two syncs, and how long the sweeps took. With --webhooks both (the default) it
does all this twice: with the simulator's webhooks registered, then on a second stack without them.

The status Tasks of the history (encodings that had finished before the warm-up began) are taken as read
unless --read-history-tasks: reading 2,000 per organization costs about 17 ms each on a small machine, hours
for a fleet, where a real deployment spends its first minutes reading them within the status budget. So that
a first run does not read hundreds of them before the bench marks them, the stack's runs then read at most
50 Tasks each (SYNC_MAX_STATUS_CALLS; the steady state needs a handful).

The last line printed is JSON. Needs PostgreSQL (a database of its own, created and dropped on the server of
--database-url) and redis-server.

    DJANGO_DEBUG=1 python manage.py bench_fleet --organizations 20 --keys 2 --minutes 2
    DJANGO_DEBUG=1 python manage.py bench_fleet --organizations 200 --keys 4 --encodings-per-org 2000 \\
        --active-per-org 5 --minutes 10 --webhooks on
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

import psycopg
import requests
from django.core.management.base import BaseCommand, CommandError

from devtools.fault_stack import StackError
from devtools.fleet_measures import (
    Probe,
    calls_per_key,
    longest_waits,
    percentiles,
    staleness,
    sweep_seconds,
    waits_after_first_sync,
)
from devtools.fleet_stack import SPEEDS, FleetStack

ACTIVE = ("QUEUED", "RUNNING")
# The simulator's encodings stay active about this long on average (a queue wait and a run, in API
# seconds): the first guess of the arrival rate that keeps --active-per-org going.
MEAN_ACTIVE_SECONDS = 600
# Changes the bench places per API minute, over all organizations.
PROBES_PER_MINUTE = 20
# API minutes the bench waits, after the measured span, for the changes the mirror has not shown yet.
PATIENCE_MINUTES = 15
# The history's status Tasks are taken as read this often (wall seconds), while the warm-up walks.
HISTORY_EVERY_SECONDS = 5
HISTORY_TASKS_READ_SQL = """
    UPDATE encodings_app_encoding SET status_synced_for = status
    WHERE status_synced_for <> status AND status NOT IN ('QUEUED', 'RUNNING')
    AND created_at < %(began)s AND (finished_at IS NULL OR finished_at < %(began)s)
"""


def _port_range(value: str) -> range:
    try:
        first, last = (int(part) for part in value.split("-"))
    except ValueError:
        raise CommandError("--ports takes a range such as 8480-8499") from None
    return range(first, last + 1)


class Command(BaseCommand):
    help = "Sync many organizations behind a few keys with time sped up; per key calls, 429s and staleness."

    def add_arguments(self, parser):
        parser.add_argument("--organizations", type=int, default=200)
        parser.add_argument("--keys", type=int, default=4, help="API keys the organizations share evenly.")
        parser.add_argument("--encodings-per-org", type=int, default=2000)
        parser.add_argument("--active-per-org", type=int, default=5, help="Encodings active at a time.")
        parser.add_argument(
            "--minutes", type=float, default=10, help="API minutes measured after the warm-up."
        )
        parser.add_argument("--webhooks", choices=("on", "off", "both"), default="both")
        parser.add_argument("--speed", type=int, choices=SPEEDS, default=5, help="How much faster time runs.")
        parser.add_argument("--probes-per-minute", type=float, default=PROBES_PER_MINUTE)
        parser.add_argument(
            "--warm-up-minutes", type=float, default=60, help="Wall minutes the first walks may take."
        )
        parser.add_argument(
            "--read-history-tasks",
            action="store_true",
            help="Read the status Task of every encoding on first sight, history too (hours at full size).",
        )
        parser.add_argument(
            "--sync-concurrency",
            type=int,
            default=2,
            help="Syncs the sync worker runs at once (a fleet's wait on the API; here they wait on the CPU).",
        )
        parser.add_argument("--ports", type=_port_range, default=None, help="Ports for the stack: 8480-8499.")
        parser.add_argument("--keep-folder", action="store_true", help="Keep the stack's folder (its logs).")
        parser.add_argument(
            "--database-url",
            default="postgres://postgres@127.0.0.1:5432/postgres",
            help="A PostgreSQL server where the benchmark may create and drop its database.",
        )
        parser.add_argument("--database-name", default="bench_fleet", help="The database it creates.")

    def handle(self, *args, organizations: int, keys: int, minutes: float, webhooks: str, **options):
        per_org, active = options["encodings_per_org"], options["active_per_org"]
        if per_org < 1 or active < 0 or minutes <= 0 or options["probes_per_minute"] <= 0:
            raise CommandError("need --encodings-per-org >= 1, --active-per-org >= 0, positive --minutes")
        if options["sync_concurrency"] < 1:
            raise CommandError("--sync-concurrency must be at least 1")
        summary = {
            "benchmark": "bench_fleet",
            "organizations": organizations,
            "keys": keys,
            "encodings_per_org": per_org,
            "active_per_org": active,
            "minutes": minutes,
            "speed": options["speed"],
            "sync_concurrency": options["sync_concurrency"],
            "history_tasks": "read" if options["read_history_tasks"] else "taken as read",
        }
        modes = {"on": (True,), "off": (False,), "both": (True, False)}[webhooks]
        for with_webhooks in modes:
            name = f"webhooks_{'on' if with_webhooks else 'off'}"
            self.stdout.write(f"=== {name.replace('_', ' ')}")
            try:
                stack = FleetStack(
                    keys=keys,
                    organizations=organizations,
                    speed=options["speed"],
                    encodings=organizations * per_org,
                    arrivals_per_hour=_arrival_rate(active),
                    webhooks=with_webhooks,
                    history_tasks_read=not options["read_history_tasks"],
                    admin_database_url=options["database_url"],
                    database=options["database_name"],
                    ports=options["ports"],
                    sync_concurrency=options["sync_concurrency"],
                    log=self.stdout.write,
                )
            except StackError as exc:
                raise CommandError(str(exc)) from None
            try:
                self.stdout.write(f"Starting the stack under {stack.folder}")
                stack.start()
                bench = _FleetBench(
                    stack, active_per_org=active, say=self.stdout.write, **_bench_options(options)
                )
                summary[name] = {"warm_up": bench.warm_up(options["warm_up_minutes"] * 60)}
                self.stdout.write(json.dumps({"warm_up": summary[name]["warm_up"]}))
                summary[name]["steady"] = bench.steady(minutes)
                self.stdout.write(json.dumps({"steady": summary[name]["steady"]}))
            except StackError as exc:
                raise CommandError(str(exc)) from None
            finally:
                stack.stop(keep_folder=options["keep_folder"])
        self.stdout.write(json.dumps(summary))


def _bench_options(options: dict) -> dict:
    return {"probes_per_minute": options["probes_per_minute"], "read_history": options["read_history_tasks"]}


def _arrival_rate(active: int) -> float:
    """New encodings per organization per API hour that keep `active` of them going (Little's law)."""
    return active * 3600 / MEAN_ACTIVE_SECONDS


class _FleetBench:
    def __init__(
        self,
        stack: FleetStack,
        *,
        active_per_org: int,
        probes_per_minute: float,
        read_history: bool,
        say: Callable[[str], object],
    ) -> None:
        self.stack = stack
        self.say = say
        self.speed = stack.speed
        self.window = stack.window_seconds
        self.read_history = read_history
        self.probe_gap = self.window / probes_per_minute
        self.key_numbers = stack.key_numbers()
        tenant_keys = stack.key_of_tenants()
        self.organizations = stack.query(
            "SELECT id, tenant_org_id FROM encodings_app_organization ORDER BY id"
        )
        self.key_of = {pk: tenant_keys[tenant] for pk, tenant in self.organizations}
        self.target_active = active_per_org * len(self.organizations)
        self.arrival_rate = _arrival_rate(active_per_org)
        self.most_arrivals = 10 * _arrival_rate(max(1, active_per_org))
        self.active_samples: list[float] = []
        self.next_adjustment = 0.0
        self.random = random.Random(17)  # noqa: S311 - timing and choices, not secrets
        self.probes: list[Probe] = []
        self.http = requests.Session()
        self.http.trust_env = False

    # The world

    def _execute(self, sql: str, params: dict) -> int:
        with psycopg.connect(self.stack.direct_database_url(), autocommit=True, connect_timeout=5) as db:
            return db.execute(sql, params).rowcount

    def _keep_active(self) -> None:
        """Once an API minute: note how many encodings are active at the simulator, and steer its arrivals
        towards --active-per-org."""
        if time.time() < self.next_adjustment:
            return
        self.next_adjustment = time.time() + self.window
        active = self.stack.simulator.control("GET", "health")["active"]
        self.active_samples.append(active / len(self.organizations))
        if self.target_active:
            ratio = min(4.0, max(0.25, self.target_active / max(1, active)))
            self.arrival_rate = min(self.arrival_rate * ratio, self.most_arrivals)
            self.stack.simulator.control("POST", "arrivals", {"ratePerHour": round(self.arrival_rate, 2)})

    def _check_parts(self) -> None:
        dead = self.stack.dead_parts()
        if dead:
            name = next(iter(dead))
            raise StackError(f"{name} exited with {dead[name]}:\n{self.stack.part_log_tail(name)}")

    def _runs(self, since: datetime, until: datetime, *, columns: str = "outcome") -> list[tuple]:
        """(organization, `columns`) of the sync runs started between `since` and `until`."""
        return self.stack.query(
            f"SELECT organization_id, {columns} FROM encodings_app_syncrun "  # noqa: S608 - our own columns
            "WHERE started_at >= %s AND started_at < %s",
            (since, until),
        )

    def _rate_limited_by_key(self, runs: list[tuple[int, str]]) -> dict[int, int]:
        counted = Counter(self.key_of[pk] for pk, outcome in runs if outcome == "rate_limited")
        return {number: counted.get(number, 0) for number in self.key_numbers.values()}

    def _per_key(self, usage: list[dict], minutes: float, runs: list[tuple[int, str]]) -> dict[str, dict]:
        calls = calls_per_key(usage, key_numbers=self.key_numbers, minutes=minutes)
        limited = self._rate_limited_by_key(runs)
        members = Counter(self.key_of.values())
        return {
            str(number): {
                "organizations": members[number],
                **calls[number],
                "rate_limited_runs": limited[number],
            }
            for number in sorted(calls)
        }

    # (1) The warm-up

    def warm_up(self, timeout: float) -> dict:
        self.stack.simulator.control("DELETE", "stats")
        began, began_at = time.time(), datetime.now(UTC)
        self.say("Warm-up: waiting for every organization's first walk of every encoding")
        next_history = 0.0
        while True:
            self._check_parts()
            self._keep_active()
            if not self.read_history and time.time() >= next_history:
                self._execute(HISTORY_TASKS_READ_SQL, {"began": began_at})
                next_history = time.time() + HISTORY_EVERY_SECONDS
            ((left,),) = self.stack.query(
                "SELECT count(*) FROM encodings_app_organization WHERE last_full_sync_at IS NULL"
            )
            if not left:
                if not self.read_history:  # the last walks' history too
                    self._execute(HISTORY_TASKS_READ_SQL, {"began": began_at})
                break
            if time.time() - began > timeout:
                raise StackError(
                    f"{left} organizations had not finished their first walk after {timeout:.0f} s"
                )
            time.sleep(1)
        seconds, ended_at = time.time() - began, datetime.now(UTC)
        stats = self.stack.simulator.control("GET", "stats")
        runs = self._runs(began_at, ended_at)
        waits = waits_after_first_sync(
            self._runs(began_at, ended_at, columns="started_at, finished_at"), until=ended_at
        )
        result = {
            "wall_s": round(seconds, 1),
            "api_minutes": round(seconds / self.window, 1),
            "runs": dict(Counter(outcome for _, outcome in runs)),
            "wait_after_first_sync_s": percentiles(waits, scale=self.speed),
            "answered_429": sum(row["refused"] for row in stats["rateLimitUsage"]),
            "per_key": self._per_key(stats["rateLimitUsage"], seconds / self.window, runs),
        }
        self.say(f"... done in {result['api_minutes']} API minutes ({result['wall_s']} s)")
        return result

    # (2) The steady state

    def steady(self, minutes: float) -> dict:
        self.stack.simulator.control("DELETE", "stats")
        log = self.stack.folder / "refresh-worker.log"
        log_offset = log.stat().st_size if log.exists() else 0
        began, began_at = time.time(), datetime.now(UTC)
        ends = began + minutes * self.window
        self.say(f"Steady state: {minutes:g} API minutes ({minutes * self.window:.0f} s)")
        next_probe = began + self.random.expovariate(1 / self.probe_gap)
        while time.time() < ends:
            self._check_parts()
            self._keep_active()
            if time.time() >= next_probe:
                self._place_probe()
                next_probe += self.random.expovariate(1 / self.probe_gap)
            self._look_for_probes()
            time.sleep(0.2)
        ended, ended_at = time.time(), datetime.now(UTC)
        stats = self.stack.simulator.control("GET", "stats")
        runs = self._runs(began_at, ended_at)
        starts = self._runs(began_at, ended_at, columns="started_at")
        waits = longest_waits(starts, [pk for pk, _ in self.organizations], since=began_at, until=ended_at)
        self._wait_for_probes(limit=PATIENCE_MINUTES * self.window)
        with log.open(errors="replace") as file:
            file.seek(log_offset)
            sweeps = sweep_seconds(file)
        api_minutes = (ended - began) / self.window
        return {
            "api_minutes": round(api_minutes, 1),
            "wall_s": round(ended - began, 1),
            "per_key": self._per_key(stats["rateLimitUsage"], api_minutes, runs),
            "answered_429": sum(row["refused"] for row in stats["rateLimitUsage"]),
            "runs": dict(Counter(outcome for _, outcome in runs)),
            "rate_limited_runs": sum(1 for _, outcome in runs if outcome == "rate_limited"),
            "staleness_s": staleness(self.probes, speed=self.speed),
            "longest_wait_between_syncs_s": percentiles(waits, scale=self.speed),
            "sweep_wall_s": percentiles(sweeps),
            "active_per_org": round(sum(self.active_samples) / max(1, len(self.active_samples)), 1),
        }

    def _place_probe(self) -> None:
        organization_id, tenant = self.random.choice(self.organizations)
        if len(self.probes) % 2 == 0:
            statuses = self.stack.simulator.encoding_statuses(tenant)
            probed = {probe.encoding_id for probe in self.probes}
            active = sorted(e for e, (_, status) in statuses.items() if status in ACTIVE and e not in probed)
            if active:
                encoding = self.random.choice(active)
                self.stack.simulator.control("POST", "encodings", {"id": encoding, "status": "FINISHED"})
                self.probes.append(Probe("status", encoding, organization_id, time.time(), "FINISHED"))
                return
        key = self.stack.simulator.generated_keys[self.key_of[organization_id] - 1]
        answer = self.http.post(
            f"{self.stack.simulator.base_url}/encoding/encodings",
            json={"name": f"bench-fleet change {len(self.probes)}"},
            headers={"X-Api-Key": key, "X-Tenant-Org-Id": tenant},
            timeout=30,
        )
        if answer.status_code not in (200, 201):
            self.say(f"(a new encoding was refused: HTTP {answer.status_code})")
            return
        encoding = answer.json()["data"]["result"]["id"]
        placed = time.time()
        self.stack.simulator.control("POST", "encodings", {"id": encoding, "status": "QUEUED"})
        self.probes.append(Probe("new", encoding, organization_id, placed, None))

    def _look_for_probes(self) -> bool:
        """Note the changes the mirror now shows; True when every one placed has been seen."""
        waiting = [probe for probe in self.probes if probe.seen_at is None]
        if not waiting:
            return True
        rows = dict(
            self.stack.query(
                "SELECT bitmovin_id, status FROM encodings_app_encoding "
                "WHERE organization_id = ANY(%s) AND bitmovin_id = ANY(%s) AND deleted_at IS NULL",
                ([p.organization_id for p in waiting], [p.encoding_id for p in waiting]),
            )
        )
        now = time.time()
        for probe in waiting:
            if probe.seen_in(rows.get(probe.encoding_id)):
                probe.seen_at = now
        return all(probe.seen_at is not None for probe in waiting)

    def _wait_for_probes(self, *, limit: float) -> None:
        deadline = time.time() + limit
        while not self._look_for_probes() and time.time() < deadline:
            self._check_parts()
            time.sleep(0.2)
