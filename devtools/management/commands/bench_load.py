"""Benchmark: wall screens and operators at once against gunicorn on PostgreSQL and Redis.

It starts a production-shaped stack of its own (devtools/load_stack.py: its own Redis, a PostgreSQL
database, the simulator with encodings arriving and webhooks delivered, gunicorn with --workers workers,
the sync and refresh workers and beat), makes display links for the walls and sign-ins for the operators,
waits for every organization's first sync, and then plays the screens and operators with locust, headless,
in a process of its own (devtools/load_runner.py). After a warm-up in which every screen opens its link
and every operator signs in, it measures for --minutes:

- requests a second, and per kind of request the p50/p95/p99 latency as the load generator saw it,
- errors (any answer of a status the page does not give, or no answer; the target is 0),
- the share of wall polls answered 304 (nothing the screen shows changed),
- the CPU seconds gunicorn's processes spent per 1,000 requests,
- and how much the mirror moved meanwhile (organizations' data versions, syncs, webhook deliveries).

The last line printed is JSON. The load generator shares the machine with the stack: its own CPU share is
printed too. Needs PostgreSQL (--database-url; the database --database-name is created and dropped) and
redis-server.

    DJANGO_DEBUG=1 python manage.py bench_load --walls 200 --operators 50 --minutes 5
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

from django.core.management.base import BaseCommand, CommandError

from devtools.fault_stack import StackError
from devtools.load_stack import LoadStack, machine_busy_seconds
from devtools.simulator_process import PROJECT_ROOT
from encodings_app.services.display_links import MAX_POLL_SECONDS, MIN_POLL_SECONDS

DATABASE = "bench_load"
PASSWORD = "bench-load-password"  # noqa: S105 -- the operators' throwaway sign-in in a throwaway database
# Seconds the stack may take to have every organization synced once before the load starts.
FIRST_SYNC_TIMEOUT = 600
# The users start over this many seconds (at least MIN_SPAWN_RATE a second), not all at once: screens are
# switched on and operators sign in over a morning, and a sign-in is slow on purpose (password hashing).
SPAWN_SECONDS = 30
MIN_SPAWN_RATE = 5
# The order of the table: the screens, then the operators' pages.
KINDS = (
    "wall poll",
    "wall open",
    "wall page",
    "overview",
    "overview live",
    "list",
    "list live",
    "list search",
    "list search live",
    "detail",
    "detail live",
)


class Command(BaseCommand):
    help = "Wall screens and operators at once against gunicorn; latency, 304 share, CPU; prints a JSON line."

    def add_arguments(self, parser):
        parser.add_argument("--walls", type=int, default=200, help="Wall screens, each polling its board.")
        parser.add_argument("--operators", type=int, default=50, help="Signed-in operators browsing.")
        parser.add_argument(
            "--minutes", type=float, default=5.0, help="Length of the measured window (fractions allowed)."
        )
        parser.add_argument("--workers", type=int, default=3, help="gunicorn's worker processes.")
        parser.add_argument(
            "--links",
            type=int,
            default=8,
            help="Display links the screens share (showing one, two or four organizations).",
        )
        parser.add_argument(
            "--wall-poll-seconds",
            type=int,
            default=None,
            help="The links' poll interval (default: the product's); the screens read it from the page.",
        )
        parser.add_argument(
            "--think-seconds",
            type=float,
            nargs=2,
            default=[5.0, 30.0],
            metavar=("LOW", "HIGH"),
            help="How long an operator stays on a page (its live part polling meanwhile), uniformly.",
        )
        parser.add_argument("--organizations", type=int, default=4)
        parser.add_argument("--encodings", type=int, default=2000, help="The simulator's encodings, in all.")
        parser.add_argument("--speed", type=float, default=10.0, help="The simulator's --speed.")
        parser.add_argument(
            "--arrivals-per-hour",
            type=int,
            default=60,
            help="New encodings per organization per hour at the simulator (before --speed): with their "
            "webhooks and the syncs, what moves the mirror during the run.",
        )
        parser.add_argument("--sync-interval", type=int, default=30, help="SYNC_INTERVAL_SECONDS.")
        parser.add_argument(
            "--warmup-timeout", type=float, default=300.0, help="Seconds for every user to start."
        )
        parser.add_argument(
            "--first-port",
            type=int,
            default=0,
            help="The web server's port; Redis and the simulator take the next two (default: free ports).",
        )
        parser.add_argument(
            "--database-url",
            default="postgres://postgres@127.0.0.1:5432/postgres",
            help="A PostgreSQL server where the benchmark may create and drop its database.",
        )
        parser.add_argument("--database-name", default=DATABASE)
        parser.add_argument(
            "--keep-folder",
            action="store_true",
            help="Keep the stack's folder (every part's log, the load generator's) after the run.",
        )

    def handle(self, *args, **options):
        walls, operators, minutes = options["walls"], options["operators"], options["minutes"]
        if walls < 0 or operators < 0 or walls + operators == 0:
            raise CommandError("--walls and --operators must not be negative, and one of them positive")
        if minutes <= 0 or options["workers"] < 1 or options["links"] < 1 or options["organizations"] < 2:
            raise CommandError(
                "--minutes, --workers and --links must be positive; --organizations at least 2"
            )
        poll = options["wall_poll_seconds"]
        if poll is not None and not MIN_POLL_SECONDS <= poll <= MAX_POLL_SECONDS:
            raise CommandError(f"--wall-poll-seconds must be {MIN_POLL_SECONDS} to {MAX_POLL_SECONDS}")
        low, high = options["think_seconds"]
        if not 0 < low <= high:
            raise CommandError("--think-seconds: LOW must be positive and at most HIGH")
        stack = LoadStack(
            admin_database_url=options["database_url"],
            database=options["database_name"],
            interval=options["sync_interval"],
            organizations=options["organizations"],
            encodings=options["encodings"],
            speed=options["speed"],
            arrivals_per_hour=options["arrivals_per_hour"],
            web_workers=options["workers"],
            first_port=options["first_port"],
            log=self.stdout.write,
        )
        try:
            self.stdout.write(f"Starting the stack under {stack.folder}")
            stack.start()
            fleet = stack.fleet_create(
                links=options["links"],
                poll_seconds=options["wall_poll_seconds"],
                operators=operators,
                password=PASSWORD,
            )
            synced = stack.wait_for_syncs(since=0, timeout=FIRST_SYNC_TIMEOUT)
            if synced is None:
                raise CommandError(f"not every organization synced within {FIRST_SYNC_TIMEOUT} s")
            self.stdout.write(
                f"{len(fleet.organizations)} organizations synced; {walls} screens on {len(fleet.links)} "
                f"links, {operators} operators; measuring for {minutes:g} min"
            )
            plan = {
                "host": stack.web_url,
                "walls": walls,
                "operators": operators,
                "links": fleet.links,
                "logins": fleet.operators,
                "password": PASSWORD,
                "think_seconds": [low, high],
                "spawn_rate": max(MIN_SPAWN_RATE, (walls + operators) / SPAWN_SECONDS),
                "warmup_timeout": options["warmup_timeout"],
                "measure_seconds": minutes * 60,
            }
            measured = self._play(stack, plan)
            crashed = stack.dead_parts()
        except StackError as exc:
            raise CommandError(str(exc)) from None
        finally:
            stack.stop(keep_folder=options["keep_folder"])
        summary = self._summary(options, measured, crashed)
        self._report(summary)
        self.stdout.write(json.dumps(summary))

    def _play(self, stack: LoadStack, plan: dict) -> dict:
        """Run the load generator; sample the web server's CPU and the mirror as its window opens and
        closes. Returns the generator's statistics with those samples."""
        plan_path = stack.folder / "load-plan.json"
        plan_path.write_text(json.dumps(plan), encoding="utf-8")
        log = open(stack.folder / "load-generator.log", "w")  # noqa: SIM115 -- the child owns it
        runner = subprocess.Popen(
            [sys.executable, "-m", "devtools.load_runner", str(plan_path)],
            cwd=PROJECT_ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        log.close()
        samples: dict[str, dict] = {}
        last = ""
        for line in runner.stdout:
            line = line.strip()
            if line in ("MEASURING", "DONE"):
                samples[line] = self._sample(stack)
                if line == "MEASURING":
                    self.stdout.write("Every screen and operator started; measuring")
            elif line:
                last = line
        runner.wait()
        if runner.returncode != 0 or "DONE" not in samples:
            tail = stack.part_log_tail("load generator", 20)
            raise CommandError(f"the load generator failed ({runner.returncode}): {last}\n{tail}")
        return {**json.loads(last), "before": samples["MEASURING"], "after": samples["DONE"]}

    @staticmethod
    def _sample(stack: LoadStack) -> dict:
        (versions, syncs, webhooks) = stack.query(
            "SELECT (SELECT coalesce(sum(data_version), 0) FROM encodings_app_organization), "
            "(SELECT count(*) FROM encodings_app_syncrun), "
            "(SELECT count(*) FROM encodings_app_webhookdelivery)"
        )[0]
        return {
            "cpu_s": stack.cpu_seconds(),
            "database_cpu_s": stack.database_cpu_seconds(),
            "machine_busy_s": machine_busy_seconds(),
            "server_latency": stack.server_latency(),
            "data_versions": int(versions),
            "syncs": syncs,
            "webhooks": webhooks,
        }

    @staticmethod
    def _summary(options: dict, measured: dict, crashed: dict) -> dict:
        before, after, seconds = measured["before"], measured["after"], measured["seconds"]
        requests = measured["requests"]
        cpu = {part: after["cpu_s"][part] - before["cpu_s"].get(part, 0.0) for part in after["cpu_s"]}
        # PostgreSQL's backends of the bench database: those open at the end, since the start or since
        # they opened (CONN_MAX_AGE keeps most of them open).
        cpu["database"] = sum(
            spent - before["database_cpu_s"].get(pid, 0.0) for pid, spent in after["database_cpu_s"].items()
        )
        machine = after["machine_busy_s"] - before["machine_busy_s"]
        webhooks = after["webhooks"] - before["webhooks"]
        # gunicorn also answered the simulator's webhook deliveries, and its CPU time includes them.
        served = requests + webhooks
        polls = measured["statuses"].get("wall poll", {})
        answered = polls.get("200", 0) + polls.get("304", 0)
        pages = {
            kind: measured["pages"][kind]
            for kind in (*KINDS, *sorted(set(measured["pages"]) - set(KINDS)))
            if kind in measured["pages"]
        }
        return {
            "benchmark": "bench_load",
            "walls": options["walls"],
            "operators": options["operators"],
            "minutes": options["minutes"],
            "workers": options["workers"],
            "cores": os.cpu_count(),
            "seconds": seconds,
            "requests": requests,
            "requests_per_second": round(requests / seconds, 1),
            "errors": measured["failures"],
            "error_kinds": measured["errors"],
            "p50_ms": measured["total"]["p50_ms"],
            "p95_ms": measured["total"]["p95_ms"],
            "p99_ms": measured["total"]["p99_ms"],
            "pages": pages,
            "wall_polls": answered,
            "wall_polls_304_share": round(polls.get("304", 0) / answered, 3) if answered else None,
            # Per kind of request, how many answers of each status ("error": none came).
            "statuses": measured["statuses"],
            "server_time": _server_time(before["server_latency"], after["server_latency"]),
            "web_cpu_s": round(cpu["web"], 1),
            "web_requests_served": served,
            "cpu_s_per_1000_requests": round(cpu["web"] / served * 1000, 2) if served else None,
            "database_cpu_s_per_1000_requests": round(cpu["database"] / served * 1000, 2) if served else None,
            # What else used the two cores meanwhile: the stack's other parts, the load generator, and the
            # machine as a whole (other work on a shared machine included), in cores.
            "cores_used": _cores_used(cpu, measured["load_generator_cpu_share"], machine, seconds),
            "load_average_1m_at_end": round(os.getloadavg()[0], 2),
            "mirror_moves": {
                "data_version_bumps": after["data_versions"] - before["data_versions"],
                "syncs": after["syncs"] - before["syncs"],
                "webhook_deliveries": webhooks,
            },
            "warmup": measured["warmup"],
            "crashed_parts": crashed,
        }

    def _report(self, summary: dict) -> None:
        self.stdout.write(
            f"{summary['requests']} requests in {summary['seconds']} s: {summary['requests_per_second']}/s, "
            f"{summary['errors']} errors; wall polls answered 304: "
            f"{_percent(summary['wall_polls_304_share'])}"
        )
        self.stdout.write(
            f"{'request':<18} {'count':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}"
        )
        for kind, row in summary["pages"].items():
            self.stdout.write(
                f"{kind:<18} {row['requests']:>7} {row['p50_ms']:>7} {row['p95_ms']:>7} {row['p99_ms']:>7} "
                f"{row['max_ms']:>7}"
            )
        for error, count in summary["error_kinds"].items():
            self.stdout.write(f"error x{count}: {error}")
        self.stdout.write("In the application (without the wait in gunicorn's queue):")
        for route, row in summary["server_time"].items():
            self.stdout.write(
                f"  {route:<24} {row['requests']:>7} requests, mean {row['mean_ms']} ms, "
                f"p95 at most {row['p95_ms_at_most']} ms"
            )
        self.stdout.write(
            f"gunicorn: {summary['web_cpu_s']} CPU s for {summary['web_requests_served']} requests (webhook "
            f"deliveries included): {summary['cpu_s_per_1000_requests']} s per 1,000; PostgreSQL "
            f"{summary['database_cpu_s_per_1000_requests']} s per 1,000"
        )
        cores = ", ".join(f"{part} {used}" for part, used in summary["cores_used"].items())
        self.stdout.write(f"Cores used: {cores}")
        moves = summary["mirror_moves"]
        self.stdout.write(
            f"Meanwhile: {moves['data_version_bumps']} data version bumps, {moves['syncs']} syncs, "
            f"{moves['webhook_deliveries']} webhook deliveries"
        )
        if summary["crashed_parts"]:
            self.stdout.write(f"Parts that exited by themselves: {summary['crashed_parts']}")


def _cores_used(cpu: dict[str, float], load_generator: float, machine: float, seconds: float) -> dict:
    """Cores each part used on average, the load generator's, the whole machine's, and what the rest of
    the machine's work took: on a shared machine, the other work the stack competed with."""
    parts = {"web": cpu["web"] / seconds}
    parts.update({part: spent / seconds for part, spent in sorted(cpu.items()) if part != "web"})
    parts["load_generator"] = load_generator
    ours = sum(parts.values())
    return {
        **{part: round(used, 2) for part, used in parts.items()},
        "machine": round(machine / seconds, 2),
        "other_work": round(max(0.0, machine / seconds - ours), 2),
    }


def _server_time(before: dict, after: dict) -> dict:
    """Per route, what the application itself timed in the window (gunicorn's queue left out): the
    count, the mean, and the histogram bucket that holds the 95th percentile."""
    routes = {}
    for route, now in sorted(after.items()):
        then = before.get(route, {"count": 0.0, "sum": 0.0, "buckets": {}})
        count = now["count"] - then["count"]
        if count <= 0:
            continue
        buckets = sorted(
            ((float(le), now["buckets"][le] - then["buckets"].get(le, 0.0)) for le in now["buckets"]),
        )
        p95 = next((le for le, within in buckets if within >= 0.95 * count), math.inf)
        routes[route] = {
            "requests": int(count),
            "mean_ms": round((now["sum"] - then["sum"]) / count * 1000, 1),
            "p95_ms_at_most": None if math.isinf(p95) else round(p95 * 1000),
        }
    return routes


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f} %"
