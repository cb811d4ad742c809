"""Benchmark: server-side time and SQL queries of every page and API endpoint on a large mirror.

Makes a dataset (devtools/bench_data.py: one organization of N encodings and M messages, one of them with a
long history, and a few small organizations beside it), then requests each page repeatedly in-process and
prints the median and 95th percentile, the time spent in SQL, the number of queries, and (on PostgreSQL) the
plan of every query each page runs: the scans it chose, so that an index no query uses, or a query no index
serves, shows. Pages over the target get their slow statements' plans as run (EXPLAIN ANALYZE). The last
line printed is JSON. Generation at a million encodings takes minutes, so a dataset can be kept and reused:

    export DASHBOARD_DEVTOOLS=1 DATABASE_URL=postgres://...
    python manage.py bench_pages --encodings 1000000 --messages 10000000 --keep   # prints its slug
    python manage.py bench_pages --reuse bench-1a2b3c4d --keep                  # measure again
    python manage.py bench_pages --drop bench-1a2b3c4d                          # when done

Without --keep (and --reuse) the dataset is dropped at the end. SQLite works too, at small sizes.
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import timedelta
from urllib.parse import quote

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from devtools.bench_data import Dataset, dataset_create, dataset_drop, dataset_reuse
from devtools.page_timing import PageFigures, analyzed, scans, time_page
from encodings_app.models import Incident, Message
from encodings_app.selectors.detail import MESSAGE_TYPES, MESSAGES_PER_PAGE
from encodings_app.services.display_links import display_link_create

TARGET_MS = 50  # p95 of every page, at a million encodings on a small machine
HX = {"HTTP_HX_REQUEST": "true"}
NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


class Command(BaseCommand):
    help = "Time every page and API endpoint on a large mirror, with their query counts and plans."

    def add_arguments(self, parser):
        parser.add_argument("--encodings", type=int, default=100_000)
        parser.add_argument("--messages", type=int, default=1_000_000)
        parser.add_argument(
            "--heavy-messages",
            type=int,
            default=5000,
            help="Messages of the one encoding with a long history.",
        )
        parser.add_argument(
            "--other-organizations",
            type=int,
            default=2,
            help="Small organizations beside the large one (a hundredth of its size each).",
        )
        parser.add_argument("--repeat", type=int, default=20)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--target-ms", type=float, default=TARGET_MS)
        parser.add_argument(
            "--keep", action="store_true", help="Keep the dataset afterwards (prints its slug)."
        )
        parser.add_argument("--reuse", metavar="SLUG", help="Measure a dataset an earlier --keep left.")
        parser.add_argument("--drop", metavar="SLUG", help="Only drop a dataset an earlier --keep left.")

    def handle(self, *args, **options):
        if options["drop"]:
            if not dataset_drop(options["drop"]):
                raise CommandError(f"no benchmark dataset {options['drop']!r} to drop")
            self.stdout.write(f"dropped {options['drop']}")
            return
        started = time.monotonic()
        if options["reuse"]:
            try:
                dataset = dataset_reuse(options["reuse"])
            except LookupError as error:
                raise CommandError(str(error)) from error
        else:
            dataset = dataset_create(
                encodings=options["encodings"],
                messages=options["messages"],
                heavy_messages=options["heavy_messages"],
                other_organizations=options["other_organizations"],
                seed=options["seed"],
                say=self.stdout.write,
            )
        prepared = time.monotonic() - started
        slug = dataset.organization.slug
        self.stdout.write(
            f"{'reused' if options['reuse'] else 'generated'} {slug}: {dataset.encodings} encodings and "
            f"{dataset.messages} messages ({dataset.heavy_messages} of them of {dataset.heavy}) on "
            f"{connection.vendor} in {prepared:.0f} s"
        )
        keep = options["keep"] or bool(options["reuse"])
        try:
            # The test client speaks as "testserver", a host the settings need not know. The request log's
            # lines are held back: thousands of them would bury the figures.
            logging.disable(logging.INFO)
            with override_settings(ALLOWED_HOSTS=["testserver"]):
                load_before = os.getloadavg()[0]
                results = self._measure(dataset, options["repeat"])
                load = [round(load_before, 1), round(os.getloadavg()[0], 1)]
            table_rows = _message_rows()
        finally:
            logging.disable(logging.NOTSET)
            if not keep:
                dataset_drop(slug)
        self._report(
            dataset, results, options, prepared=prepared, kept=keep, table_rows=table_rows, load=load
        )

    # --- measurements -------------------------------------------------------------------------------------

    def _measure(self, dataset: Dataset, repeat: int) -> dict[str, PageFigures]:
        organization = dataset.organization
        client = Client()
        client.force_login(dataset.user)
        link, token = display_link_create(label="bench", organizations=[organization, *dataset.others])
        try:
            wall = f"/wall/d/{link.pk}/"
            screen = Client()  # a TV: no login, the link's cookie
            screen.get(f"/wall/{token}/")
            results = {}
            for name, (url, headers) in self._pages(dataset).items():
                results[name] = time_page(client, url, headers, repeat)
            results.update(self._polls(dataset, client, screen, wall, repeat))
            for name, (url, headers) in self._screen_pages(wall).items():
                results[name] = time_page(screen, url, headers, repeat)
            # A board is rendered by the first screen to poll after a change and taken from the cache by every
            # other (views/wall_board.py); with a cache that keeps nothing, every request renders it.
            with override_settings(CACHES=NO_CACHE):
                results["wall (display link, live part, board rendered)"] = time_page(
                    screen, wall, HX, repeat
                )
            return dict(sorted(results.items(), key=lambda item: _group(item[0])))
        finally:
            link.delete()

    def _pages(self, dataset: Dataset) -> dict[str, tuple[str, dict]]:
        """What a signed-in member requests: the pages, their polled live parts, and the API."""
        slug = dataset.organization.slug
        base = f"/o/{slug}"
        api = f"/api/v1/organizations/{slug}"
        week_ago = timezone.now() - timedelta(days=7)
        failed_from = quote(week_ago.strftime("%Y-%m-%dT%H:%M"))
        failed_since = quote(week_ago.strftime("%Y-%m-%dT%H:%M:%SZ"))
        heavy, failed, typical = dataset.heavy, dataset.failed, dataset.typical
        last_page = max(1, -(-dataset.heavy_messages // MESSAGES_PER_PAGE))
        all_types = ",".join(MESSAGE_TYPES)
        pages = {
            "all organizations": ("/", {}),
            "all organizations (live part)": ("/", HX),
            "overview": (f"{base}/", {}),
            "overview (live part)": (f"{base}/", HX),
            "list": (f"{base}/encodings/", {}),
            "list page 200": (f"{base}/encodings/?page=200", {}),
            "list status=ERROR": (f"{base}/encodings/?status=ERROR", {}),
            "list code=2100": (f"{base}/encodings/?code=2100", {}),
            "list failures (code, failed_from)": (
                f"{base}/encodings/?code=2100&failed_from={failed_from}",
                {},
            ),
            "list stuck": (f"{base}/encodings/?stuck=on", {}),
            "list label, sort by name": (f"{base}/encodings/?label=news&sort=name", {}),
            "list search contains": (f"{base}/encodings/?search=Match", {}),
            "list search name: prefix": (f"{base}/encodings/?search=name%3AMatch%2A", {}),
            # The header's search across the user's organizations (selectors/cross_search.py).
            "search id (opens it)": (f"/search/?q={typical}", {}),
            "search contains": ("/search/?q=Match", {}),
            "search name: prefix": ("/search/?q=name%3AMatch%2A", {}),
            "search word in no name": ("/search/?q=Zyzzyva", {}),
            "detail heavy": (f"{base}/encodings/{heavy}/", {}),
            "detail heavy types=ERROR": (f"{base}/encodings/{heavy}/?types=ERROR", {}),
            "detail heavy all types, last page": (
                f"{base}/encodings/{heavy}/?types={all_types}&mpage={last_page}",
                {},
            ),
            "detail heavy by subtask": (f"{base}/encodings/{heavy}/?group=subtask", {}),
            "detail heavy (live part)": (f"{base}/encodings/{heavy}/", HX),
            "detail failed": (f"{base}/encodings/{failed}/", {}),
            "detail typical": (f"{base}/encodings/{typical}/", {}),
            "incidents": (f"{base}/incidents/", {}),
            "trends 30 days": (f"{base}/trends/", {}),
            "trends 90 days": (f"{base}/trends/?days=90", {}),
            "wall (member)": (f"{base}/wall/", HX),
            "api organizations": ("/api/v1/organizations", {}),
            "api organization": (api, {}),
            "api trends 90 days": (f"{api}/trends?days=90", {}),
            "api encodings": (f"{api}/encodings?limit=100", {}),
            "api encodings includeTotalCount": (f"{api}/encodings?includeTotalCount=true", {}),
            "api encodings status=ERROR": (f"{api}/encodings?status=ERROR", {}),
            "api encodings label, sort by name": (f"{api}/encodings?label=news&sort=name", {}),
            "api encodings search name: prefix": (f"{api}/encodings?search=name%3AMatch%2A", {}),
            "api encodings failures (errorCode, failedAt)": (
                f"{api}/encodings?errorCode=2100&failedAtNewerThan={failed_since}",
                {},
            ),
            "api encoding": (f"{api}/encodings/{heavy}", {}),
            "api encoding status (failed)": (f"{api}/encodings/{failed}/status", {}),
            "api messages": (f"{api}/encodings/{heavy}/messages?limit=100", {}),
            "api messages type=ERROR": (f"{api}/encodings/{heavy}/messages?type=ERROR", {}),
            "api messages last page": (
                f"{api}/encodings/{heavy}/messages?limit=100&offset={max(0, dataset.heavy_messages - 100)}",
                {},
            ),
            "api failures": (f"{api}/failures", {}),
            "api incidents": (f"{api}/incidents", {}),
            "api silences": (f"{api}/silences", {}),
            "api audit": (f"{api}/audit", {}),
        }
        incident = Incident.objects.filter(organization=dataset.organization).order_by("-pk").first()
        if incident is not None:
            pages["incident"] = (f"{base}/incidents/{incident.pk}/", {})
        return pages

    @staticmethod
    def _screen_pages(wall: str) -> dict[str, tuple[str, dict]]:
        return {"wall (display link)": (wall, {}), "wall (display link, live part)": (wall, HX)}

    def _polls(
        self, dataset: Dataset, client: Client, screen: Client, wall: str, repeat: int
    ) -> dict[str, PageFigures]:
        """The conditional polls answered 304 when nothing shown changed: what most requests of a screen
        and of an open overview, list or detail page are."""
        base = f"/o/{dataset.organization.slug}"
        polls = {
            "overview (poll, 304)": (client, f"{base}/"),
            "list (poll, 304)": (client, f"{base}/encodings/"),
            "detail heavy (poll, 304)": (client, f"{base}/encodings/{dataset.heavy}/"),
            "wall (display link, poll, 304)": (screen, wall),
        }
        results = {}
        for name, (who, url) in polls.items():
            etag = who.get(url, **HX).get("ETag", "")
            results[name] = time_page(who, url, {**HX, "HTTP_IF_NONE_MATCH": etag}, repeat)
        return results

    # --- report -------------------------------------------------------------------------------------------

    def _report(
        self,
        dataset: Dataset,
        results: dict[str, PageFigures],
        options: dict,
        *,
        prepared: float,
        kept: bool,
        table_rows: int,
        load: list[float],
    ) -> None:
        target = options["target_ms"]
        self.stdout.write(
            f"{'page':<46} {'status':>6} {'queries':>7} {'median ms':>10} {'p95 ms':>8} {'sql ms':>7}"
        )
        for name, row in results.items():
            mark = "  over target" if row.p95_ms > target else ""
            self.stdout.write(
                f"{name:<46} {row.status:>6} {row.queries:>7} {row.median_ms:>10} {row.p95_ms:>8} "
                f"{row.sql_median_ms:>7}{mark}"
            )
        for name, row in results.items():
            lines = scans(row.statements)
            if lines:
                self.stdout.write(f"plans, {name}:")
                for line in lines:
                    self.stdout.write(f"  {line}")
        over = [name for name, row in results.items() if row.p95_ms > target]
        for name in over:
            self.stdout.write(f"slow statements of {name} (p95 {results[name].p95_ms} ms), as run:")
            for line in analyzed(results[name].statements, at_least_ms=1.0):
                self.stdout.write(f"  {line}")
        slowest = sorted(results, key=lambda name: results[name].p95_ms, reverse=True)[:5]
        if kept:
            self.stdout.write(f"kept {dataset.organization.slug}: --reuse it, or --drop it when done")
        self.stdout.write(
            json.dumps(
                {
                    "database": connection.vendor,
                    "encodings": dataset.encodings,
                    "messages": dataset.messages,
                    "heavy_messages": dataset.heavy_messages,
                    "message_table_rows": table_rows,
                    "organizations": 1 + len(dataset.others),
                    "dataset": dataset.organization.slug if kept else None,
                    "reused": bool(options["reuse"]),
                    "prepared_s": round(prepared),
                    # The machine's load average (1 min) as the measuring began and ended: on a shared machine
                    # the p95 says as much about the neighbours as about the pages.
                    "load_average": load,
                    "repeat": options["repeat"],
                    "target_p95_ms": target,
                    "over_target": over,
                    "slowest": slowest,
                    "pages": {name: row.as_json() for name, row in results.items()},
                }
            )
        )


def _group(name: str) -> int:
    """The report's order (a stable sort keeps each group's own): the web pages, the screens, the API."""
    return 2 if name.startswith("api ") else 1 if name.startswith("wall") else 0


def _message_rows() -> int:
    """Rows of the whole message table (every organization's): what its indexes have to cope with. The
    planner's estimate on PostgreSQL, which counting ten million rows would not improve on."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'encodings_app_message'")
            return max(0, cursor.fetchone()[0])
    return Message.objects.count()
