"""Benchmark: how soon, and how often, a failure at Bitmovin reaches the team's channel.

On a production-shaped stack of real processes (devtools/alert_stack.py: the simulator over HTTP, gunicorn,
the sync and refresh workers, beat, and the demo's alert receiver, each organization's signed webhook
channel pointing at it), it measures
(a) webhook-triggered: seconds from a failure placed at the simulator (an encoding forced into ERROR with an
    error code no incident of its organization has had) to the receiver taking the message that tells of
    it, while the simulator's webhooks reach the web server, which has the encoding read at once;
(b) sync-only: the same on a second stack whose webhooks are not registered, so only the periodic sync
    finds the failure;
each as p50 and max over --trials failures, one new cause each, placed at random moments of the sync
cycle;
(c) on the first stack, the messages the receiver takes for --failures failures spread over --codes error
    codes in one organization, in a burst, until the mirror has them all and the channel has been quiet for
    a while (the target is few: one per cause, or a digest).

The last line printed is JSON. It needs PostgreSQL (a database of its own, created and dropped on the server
of --database-url) and redis-server installed. The stack runs with the product's settings from the
environment (ALERTS_EVALUATE_SECONDS, ALERTS_DELIVER_SECONDS ...), except SYNC_INTERVAL_SECONDS (--interval).

    DJANGO_DEBUG=1 python manage.py bench_alerts
    DJANGO_DEBUG=1 python manage.py bench_alerts --trials 3 --failures 200 --interval 15
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from devtools.alert_stack import AlertStack
from devtools.fault_stack import StackError

# Error codes of the catalogue the simulator's encoder fails with; each trial takes one its organization has
# had no incident for, so that its failure is a new cause, told at once.
CODES = (
    *(2100, 2101, 2102, 2103, 2104, 2105, 2106, 2107),
    *(2200, 2201, 2202, 2203, 2204, 2205, 2600),
    *(2300, 2301, 2302, 2400, 2401, 2402, 2403, 2404, 2405),
    *(2003, 2004, 2006, 2500, 2501, 2015, 2016, 2018, 2019),
)
# The order encodings are taken in: active ones first, as failures mostly strike there; then history.
TAKEN_FIRST = ("RUNNING", "QUEUED", "CREATED", "FINISHED", "CANCELED")
FAILED = ("ERROR", "TRANSFER_ERROR")
# How the failure spike's subject names it (services/alerts/failures.py).
SPIKE_WORDS = "Failure spike:"
MIRRORED_FAILURES_SQL = (
    "SELECT count(*) FROM encodings_app_encoding WHERE organization_id = %s AND bitmovin_id = ANY(%s) "
    "AND status IN ('ERROR', 'TRANSFER_ERROR') AND error_code IS NOT NULL"
)
# Parallel calls placing the burst's failures at the simulator.
FORCING_THREADS = 4


class Command(BaseCommand):
    help = "Measure the time from a failure at the simulator to its alert at a receiver; prints a JSON line."

    def add_arguments(self, parser):
        parser.add_argument("--trials", type=int, default=5, help="Failures timed per mode (a) and (b).")
        parser.add_argument("--failures", type=int, default=1000, help="Failures of the burst (c).")
        parser.add_argument("--codes", type=int, default=10, help="Error codes the burst is spread over.")
        parser.add_argument("--interval", type=int, default=30, help="SYNC_INTERVAL_SECONDS of the stacks.")
        parser.add_argument("--organizations", type=int, default=2)
        parser.add_argument(
            "--encodings", type=int, default=3000, help="The simulator's encodings, over every organization."
        )
        parser.add_argument(
            "--keep-folder", action="store_true", help="Keep each stack's folder (every part's log)."
        )
        parser.add_argument(
            "--database-url",
            default="postgres://postgres@127.0.0.1:5432/postgres",
            help="A PostgreSQL server where the benchmark may create and drop its database.",
        )
        parser.add_argument("--database-name", default="bench_alerts", help="The database it creates.")

    def handle(self, *args, trials: int, failures: int, codes: int, interval: int, **options):
        if trials < 1 or interval < 1 or failures < codes or not 1 <= codes <= len(CODES) // 2:
            raise CommandError(
                f"--trials and --interval must be at least 1, --codes between 1 and {len(CODES) // 2}, and "
                "--failures at least --codes"
            )
        summary = {
            "benchmark": "bench_alerts",
            "interval_s": interval,
            "alerts_evaluate_s": settings.ALERTS_EVALUATE_SECONDS,
            "alerts_deliver_s": settings.ALERTS_DELIVER_SECONDS,
            "organizations": options["organizations"],
        }
        for mode, webhooks in (("webhook_triggered", True), ("sync_only", False)):
            self.stdout.write(
                f"=== {mode.replace('_', '-')}: a stack with webhooks {'on' if webhooks else 'off'}"
            )
            stack = AlertStack(
                webhooks=webhooks,
                admin_database_url=options["database_url"],
                database=options["database_name"],
                interval=interval,
                organizations=options["organizations"],
                encodings=options["encodings"],
                # Real time, and no new encodings: the failures the benchmark places are the only news.
                speed=1,
                arrivals_per_hour=0,
                log=self.stdout.write,
            )
            try:
                self.stdout.write(f"Starting the stack under {stack.folder}")
                stack.start()
                bench = _AlertBench(stack, interval=interval, say=self.stdout.write)
                bench.settle()
                summary[mode] = bench.timed_failures(trials)
                self.stdout.write(json.dumps({mode: summary[mode]}))
                if webhooks:
                    summary["burst"] = bench.burst(failures, codes)
                    self.stdout.write(json.dumps({"burst": summary["burst"]}))
            except StackError as exc:
                raise CommandError(str(exc)) from None
            finally:
                stack.stop(keep_folder=options["keep_folder"])
        self.stdout.write(json.dumps(summary))


class _AlertBench:
    def __init__(self, stack: AlertStack, *, interval: int, say: Callable[[str], object]) -> None:
        self.stack = stack
        self.say = say
        self.organizations = stack.query(
            "SELECT id, slug, tenant_org_id FROM encodings_app_organization ORDER BY id"
        )
        # What a failure needs at most to be told: a sync or a refresh, an evaluation, a delivery, with room.
        self.patience = (
            4 * max(interval, settings.ALERTS_EVALUATE_SECONDS, settings.ALERTS_DELIVER_SECONDS) + 60
        )
        # A channel counts as quiet after this long without a message.
        self.quiet = 2 * max(interval, settings.ALERTS_EVALUATE_SECONDS) + 15
        self.interval = interval
        # Each timed failure comes at a random moment of the sync cycle, as a real one does (seeded: the same
        # run waits the same).
        self.random = random.Random(7)  # noqa: S311 - timing, not secrets
        self.messages: list[dict] = []
        self.codes_taken: dict[int, set[int]] = {pk: set() for pk, _, _ in self.organizations}
        self.encodings_taken: set[str] = set()

    # Reading what arrived

    def _collect(self) -> list[dict]:
        """Messages the receiver took since the last look, test messages aside (a refusal would be a fault
        of the bench's set-up, and is said)."""
        new = []
        for received in self.stack.received():
            if received["status"] != 200:
                self.say(f"(the receiver refused a message: {received['problem']})")
            elif not received["repeat"] and (received["message"] or {}).get("kind") != "test":
                new.append(received)
        self.messages += new
        return new

    def _wait_quiet(self, *, limit: float) -> int:
        """Collect until no message for self.quiet seconds (at most `limit` seconds); how many came."""
        began = last = time.time()
        count = 0
        while time.time() - last < self.quiet and time.time() - began < limit:
            time.sleep(0.5)
            arrived = self._collect()
            if arrived:
                count += len(arrived)
                last = time.time()
        return count

    @staticmethod
    def _tells_of(received: dict, slug: str, code: int) -> bool:
        message = received["message"] or {}
        text = f"{message.get('subject', '')}\n{message.get('text', '')}"
        return message.get("organization") == slug and f"(error {code})" in text

    # The stack's state

    def settle(self) -> None:
        self.say("Waiting for every organization's first successful sync")
        if self.stack.wait_for_syncs(since=0, timeout=600) is None:
            raise StackError("the stack never completed a first sync of every organization")
        self.say(f"Letting the world's own incidents be told (until {self.quiet} s without a message)")
        told = self._wait_quiet(limit=10 * self.quiet)
        self.say(f"{told} message(s) about the world as it was (its recent failures, stuck encodings)")

    def _free_codes(self, organization_id: int, count: int) -> list[int]:
        """Codes no incident of the organization has had, nor a recent failure in its mirror."""
        seen = {
            int(cause.rsplit(":", 1)[1])
            for (cause,) in self.stack.query(
                "SELECT cause FROM encodings_app_incident "
                "WHERE organization_id = %s AND cause LIKE 'failed:code:%%'",
                (organization_id,),
            )
        }
        seen |= {
            code
            for (code,) in self.stack.query(
                "SELECT DISTINCT error_code FROM encodings_app_encoding WHERE organization_id = %s "
                "AND error_code IS NOT NULL AND status IN ('ERROR', 'TRANSFER_ERROR') "
                "AND finished_at > now() - interval '1 hour'",
                (organization_id,),
            )
        }
        free = [code for code in CODES if code not in seen | self.codes_taken[organization_id]]
        if len(free) < count:
            raise StackError(f"only {len(free)} error codes are free in organization {organization_id}")
        self.codes_taken[organization_id] |= set(free[:count])
        return free[:count]

    def _encodings(self, tenant: str, count: int) -> list[str]:
        """`count` encodings of the tenant that have not failed, active ones first."""
        statuses = self.stack.simulator.encoding_statuses(tenant)
        candidates = [
            encoding
            for status in TAKEN_FIRST
            for encoding, (_, now) in statuses.items()
            if now == status and encoding not in self.encodings_taken
        ]
        if len(candidates) < count:
            raise StackError(f"the simulator has only {len(candidates)} encodings left to fail in {tenant}")
        self.encodings_taken |= set(candidates[:count])
        return candidates[:count]

    def _fail(self, encoding: str, code: int) -> None:
        self.stack.simulator.control(
            "POST", "encodings", {"id": encoding, "status": "ERROR", "errorCode": code}
        )

    # (a), (b): one failure at a time

    def timed_failures(self, trials: int) -> dict:
        latencies: list[float | None] = []
        for trial in range(trials):
            organization_id, slug, tenant = self.organizations[trial % len(self.organizations)]
            [code] = self._free_codes(organization_id, 1)
            [encoding] = self._encodings(tenant, 1)
            time.sleep(self.random.uniform(0, self.interval))
            self._collect()
            began = time.time()
            self._fail(encoding, code)
            latency = self._told_after(slug, code, began)
            latencies.append(latency)
            told = (
                f"told after {latency:.1f} s" if latency is not None else f"not told within {self.patience} s"
            )
            self.say(
                f"trial {trial + 1}/{trials}: {slug}, encoding {encoding} failed with error {code}: {told}"
            )
        measured = [latency for latency in latencies if latency is not None]
        return {
            "trials": trials,
            "p50_s": round(statistics.median(measured), 1) if measured else None,
            "max_s": round(max(measured), 1) if measured else None,
            "latencies_s": [None if value is None else round(value, 1) for value in latencies],
            "not_told": len(latencies) - len(measured),
        }

    def _told_after(self, slug: str, code: int, began: float) -> float | None:
        deadline = time.time() + self.patience
        while time.time() < deadline:
            for received in self._collect():
                if self._tells_of(received, slug, code):
                    return received["at"] - began
            time.sleep(0.1)
        return None

    # (c): a burst

    def burst(self, failures: int, code_count: int) -> dict:
        # The organization with the most encodings left to fail.
        left = {
            tenant: sum(
                1
                for _, status in self.stack.simulator.encoding_statuses(tenant).values()
                if status not in FAILED
            )
            for _, _, tenant in self.organizations
        }
        organization_id, slug, tenant = max(self.organizations, key=lambda row: left[row[2]])
        codes = self._free_codes(organization_id, code_count)
        encodings = self._encodings(tenant, failures)
        self._wait_quiet(limit=self.quiet)
        already = len(self.messages)
        self.say(f"Burst: {failures} failures in {slug} over errors {', '.join(map(str, codes))}")
        began = time.time()
        with ThreadPoolExecutor(FORCING_THREADS) as pool:
            list(pool.map(self._fail, encodings, [codes[i % len(codes)] for i in range(len(encodings))]))
        placed = time.time() - began
        self.say(f"... placed at the simulator in {placed:.1f} s")
        mirrored = self._mirrored_after(organization_id, encodings, began, limit=10 * self.patience)
        self.say(
            f"... all in the mirror with their codes after {mirrored} s"
            if mirrored
            else "... not all mirrored"
        )
        self._wait_quiet(limit=10 * self.patience)
        in_organization = [
            received
            for received in self.messages[already:]
            if (received["message"] or {}).get("organization") == slug
        ]
        about = [received for received in in_organization if self._about_burst(received, slug, codes)]
        told = {code: [r["at"] - began for r in about if self._tells_of(r, slug, code)] for code in codes}
        for received in in_organization:
            message = received["message"]
            aside = "" if received in about else "   (not about the burst)"
            self.say(
                f"  +{received['at'] - began:6.1f} s  {message.get('kind')}: {message.get('subject')}{aside}"
            )
        return {
            "failures": failures,
            "codes": code_count,
            "placed_in_s": round(placed, 1),
            "mirrored_after_s": mirrored,
            "messages": len(about),
            "by_kind": dict(Counter((r["message"] or {}).get("kind") for r in about)),
            "codes_told": sum(1 for times in told.values() if times),
            "all_codes_told_after_s": round(max(min(t) for t in told.values()), 1)
            if all(told.values())
            else None,
            # The world's own news meanwhile: an older incident of the organization resolving, and the like.
            "other_messages": len(self.messages) - already - len(about),
        }

    def _about_burst(self, received: dict, slug: str, codes: list[int]) -> bool:
        """A message telling of the burst: a digest, the failure spike, or one naming one of its codes."""
        message = received["message"] or {}
        if message.get("kind") == "digest" or SPIKE_WORDS in message.get("subject", ""):
            return True
        return any(self._tells_of(received, slug, code) for code in codes)

    def _mirrored_after(
        self, organization_id: int, encodings: list[str], began: float, *, limit: float
    ) -> float | None:
        """Seconds from `began` until the mirror has every one of `encodings` failed with its error code."""
        deadline = time.time() + limit
        while time.time() < deadline:
            self._collect()
            ((done,),) = self.stack.query(MIRRORED_FAILURES_SQL, (organization_id, encodings))
            if done >= len(encodings):
                return round(time.time() - began, 1)
            time.sleep(1)
        return None
