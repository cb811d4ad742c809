"""Benchmark: server-side time and SQL queries of the main pages on a large mirror.

Fills one organization with N encodings and M messages (deleted again at the end), then requests each page
repeatedly in-process and prints the median and 95th percentile, the number of queries, and (on PostgreSQL)
the plan of every query each page runs: the scans it chose, so that an index no query uses, or a query no
index serves, shows. The last line printed is JSON. Meant for PostgreSQL:

    export DASHBOARD_DEVTOOLS=1 DATABASE_URL=postgres://...
    python manage.py bench_pages --encodings 100000 --messages 1000000
"""

from __future__ import annotations

import json
import random
import re
import statistics
import time
import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from encodings_app.models import Encoding, EncodingLabel, Membership, Message, Organization, Role
from encodings_app.services.display_links import display_link_create

STATUSES = ["FINISHED"] * 80 + ["ERROR"] * 8 + ["CANCELED"] * 4 + ["TRANSFER_ERROR"] * 2 + ["CREATED"] * 2
ERROR_CODES = [2100, 2103, 2104, 2200, 2202, 2016, 2008, 8004]
LABELS = ["news", "sports", "vod", "trailer", "customer-a", "customer-b", "4k", "archive"]
MESSAGE_TYPES = ["INFO"] * 6 + ["DEBUG", "TRACE", "WARNING", "ERROR"]
BATCH = 5000
NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
# Statements EXPLAIN accepts; the rest (savepoints) have no plan.
EXPLAINABLE = ("SELECT", "WITH", "UPDATE", "INSERT", "DELETE")


class Command(BaseCommand):
    help = "Time the list, detail, overview, wall and API pages on a large mirror, with their query counts."

    def add_arguments(self, parser):
        parser.add_argument("--encodings", type=int, default=100_000)
        parser.add_argument("--messages", type=int, default=1_000_000)
        parser.add_argument("--repeat", type=int, default=20)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--keep", action="store_true", help="Keep the generated organization afterwards.")

    def handle(self, *args, encodings: int, messages: int, repeat: int, seed: int, keep: bool, **options):
        rng = random.Random(seed)  # noqa: S311 - test data, not secrets
        slug = f"bench-{uuid.uuid4().hex[:8]}"
        organization = Organization.objects.create(slug=slug, name="Page benchmark")
        user = get_user_model().objects.create_user(username=slug, password=None)
        Membership.objects.create(user=user, organization=organization, role=Role.ADMIN)
        try:
            started = time.monotonic()
            heavy = self._fill(organization, rng, encodings, messages)
            if connection.vendor == "postgresql":
                # What autovacuum does to a table in production: statistics, and the visibility map that
                # lets counts be answered from an index alone.
                with connection.cursor() as cursor:
                    for table in (
                        "encodings_app_encoding",
                        "encodings_app_message",
                        "encodings_app_encodinglabel",
                    ):
                        cursor.execute(f"VACUUM ANALYZE {table}")
            self.stdout.write(
                f"generated {encodings} encodings and {messages} messages on {connection.vendor} "
                f"in {time.monotonic() - started:.0f} s"
            )
            # The test client speaks as "testserver", a host the settings need not know.
            with override_settings(ALLOWED_HOSTS=["testserver"]):
                results, queries = self._measure(organization, user, heavy, repeat)
            plans = self._plans(queries)
        finally:
            if not keep:
                organization.delete()
                user.delete()
        self._report(encodings, messages, results, plans)

    # --- data ---------------------------------------------------------------------------------------------

    def _fill(self, organization: Organization, rng: random.Random, count: int, messages: int) -> str:
        now = timezone.now()
        rows = []
        for number in range(count):
            status = rng.choice(STATUSES)
            if number < 60:
                status = "RUNNING" if number < 40 else "QUEUED"
            created = now - timedelta(seconds=rng.randint(60, 90 * 86400))
            finished = created + timedelta(minutes=rng.randint(2, 90)) if status not in ("CREATED",) else None
            labels = rng.sample(LABELS, rng.randint(0, 2))
            failed = status in ("ERROR", "TRANSFER_ERROR")
            rows.append(
                Encoding(
                    organization=organization,
                    bitmovin_id=f"{number:08d}-bench-{uuid.UUID(int=rng.getrandbits(128))}"[:64],
                    name=f"{rng.choice(['Episode', 'Trailer', 'Match', 'News'])} {number:06d} master",
                    type="LIVE" if number % 50 == 0 else "VOD",
                    status=status,
                    progress=100 if status == "FINISHED" else rng.randint(0, 99),
                    cloud_region=rng.choice(["AWS_EU_WEST_1", "GOOGLE_EUROPE_WEST_1", "AUTO"]),
                    encoder_version=rng.choice(["STABLE", "2.190.0", "2.185.1"]),
                    labels=labels,
                    created_at=created,
                    modified_at=finished or created,
                    started_at=created + timedelta(seconds=5) if status != "CREATED" else None,
                    queued_at=created + timedelta(seconds=5) if status != "CREATED" else None,
                    running_at=created + timedelta(minutes=1)
                    if status not in ("CREATED", "QUEUED")
                    else None,
                    finished_at=finished if status not in ("RUNNING", "QUEUED") else None,
                    error_code=rng.choice(ERROR_CODES) if failed else None,
                    error_category="Input" if failed else "",
                    error_retry_hint="NO_RETRY" if failed else "",
                    status_synced_for=status,
                )
            )
            if len(rows) == BATCH:
                self._write(organization, rows)
                rows = []
        self._write(organization, rows)
        ids = list(Encoding.objects.filter(organization=organization).values_list("pk", flat=True))
        # One encoding with a long history, the detail page's worst case; the rest spread over the others.
        heavy_id = ids[len(ids) // 2]
        batch = []
        for number in range(messages):
            encoding_id = heavy_id if number < 5000 else ids[rng.randrange(len(ids))]
            batch.append(
                Message(
                    encoding_id=encoding_id,
                    bitmovin_id=f"m{number}",
                    type=rng.choice(MESSAGE_TYPES),
                    date=now - timedelta(seconds=number),
                    text=f"Step {number} of the workflow",
                    subtask=rng.choice(["", "", "ENCODING", "MUXING"]),
                )
            )
            if len(batch) == BATCH * 2:
                Message.objects.bulk_create(batch)
                batch = []
        Message.objects.bulk_create(batch)
        return Encoding.objects.get(pk=heavy_id).bitmovin_id

    @staticmethod
    def _write(organization: Organization, rows: list[Encoding]) -> None:
        created = Encoding.objects.bulk_create(rows)
        EncodingLabel.objects.bulk_create(
            [
                EncodingLabel(encoding_id=encoding.pk, organization=organization, label=label)
                for encoding in created
                for label in encoding.labels
            ]
        )

    # --- measurements -------------------------------------------------------------------------------------

    def _measure(
        self, organization: Organization, user, heavy: str, repeat: int
    ) -> tuple[dict[str, dict], dict[str, list]]:
        """Timings and query counts per page, and the statements (SQL, parameters) each page ran."""
        client = Client()
        client.force_login(user)
        link, token = display_link_create(label="bench", organizations=[organization])
        wall = f"/wall/d/{link.pk}/"
        # Opening the display link leaves its cookie in the client, as on a TV.
        client.get(f"/wall/{token}/")
        base = f"/o/{organization.slug}"
        pages = {
            "overview": (f"{base}/", {}),
            "list (newest first)": (f"{base}/encodings/", {}),
            "list (status=ERROR)": (f"{base}/encodings/?status=ERROR", {}),
            "list (code=2100, the overview's link)": (f"{base}/encodings/?code=2100", {}),
            "list (label, sort by name)": (f"{base}/encodings/?label=news&sort=name", {}),
            "list (search name:Match*)": (f"{base}/encodings/?search=name%3AMatch%2A", {}),
            "list (page 200)": (f"{base}/encodings/?page=200", {}),
            "detail (5,000 messages)": (f"{base}/encodings/{heavy}/", {}),
            "api list": (f"/api/v1/organizations/{organization.slug}/encodings?limit=100", {}),
            "api failures": (f"/api/v1/organizations/{organization.slug}/failures", {}),
            "api messages (ERROR)": (
                f"/api/v1/organizations/{organization.slug}/encodings/{heavy}/messages?type=ERROR",
                {},
            ),
            "api messages (all)": (
                f"/api/v1/organizations/{organization.slug}/encodings/{heavy}/messages",
                {},
            ),
        }
        results, queries = {}, {}
        for name, (url, headers) in pages.items():
            results[name], queries[name] = self._time(client, url, headers, repeat)
        # A wall's board is rendered by the first screen to poll after a change, and taken from the cache by
        # every other (views/wall_board.py): with a cache that keeps nothing, every request renders it.
        with override_settings(CACHES=NO_CACHE):
            render = "wall (full render)"
            results[render], queries[render] = self._time(client, wall, {"HTTP_HX_REQUEST": "true"}, repeat)
        shared = "wall (another screen, board from the cache)"
        results[shared], queries[shared] = self._time(client, wall, {"HTTP_HX_REQUEST": "true"}, repeat)
        etag = client.get(wall, HTTP_HX_REQUEST="true")["ETag"]
        anonymous = Client()
        anonymous.get(f"/wall/{token}/")
        poll = "wall (unchanged poll, 304)"
        results[poll], queries[poll] = self._time(
            anonymous, wall, {"HTTP_HX_REQUEST": "true", "HTTP_IF_NONE_MATCH": etag}, repeat
        )
        return results, queries

    @staticmethod
    def _time(client: Client, url: str, headers: dict, repeat: int) -> tuple[dict, list]:
        status = client.get(url, **headers).status_code  # warm-up
        timings = []
        executed: list[tuple[str, object]] = []

        def count(execute, sql, params, many, context):
            executed.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(url, **headers)
        for _ in range(repeat):
            began = time.perf_counter()
            client.get(url, **headers)
            timings.append((time.perf_counter() - began) * 1000)
        timings.sort()
        row = {
            "status": status,
            "queries": len(executed),
            "median_ms": round(statistics.median(timings), 1),
            "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
        }
        return row, executed

    @staticmethod
    def _plans(queries: dict[str, list]) -> dict[str, list[str]]:
        """Per page, one line per query: its start, then the scans of its plan (which table, which index)."""
        if connection.vendor != "postgresql":
            return {}
        plans: dict[str, list[str]] = {}
        with connection.cursor() as cursor:
            for page, statements in queries.items():
                lines = []
                for number, (sql, params) in enumerate(statements, 1):
                    if not sql.lstrip().upper().startswith(EXPLAINABLE):
                        continue
                    cursor.execute(f"EXPLAIN {sql}", params)
                    plan = [row[0] for row in cursor.fetchall()]
                    scans = [line.strip().lstrip("-> ") for line in plan if "Scan" in line] or [
                        plan[0].strip()
                    ]
                    lines.append(f"#{number} {_brief(sql)}: " + " / ".join(scans))
                plans[page] = lines
        return plans

    def _report(self, encodings: int, messages: int, results: dict, plans: dict) -> None:
        self.stdout.write(f"{'page':<40} {'status':>6} {'queries':>8} {'median ms':>10} {'p95 ms':>8}")
        for name, row in results.items():
            self.stdout.write(
                f"{name:<40} {row['status']:>6} {row['queries']:>8} {row['median_ms']:>10} {row['p95_ms']:>8}"
            )
        for name, lines in plans.items():
            self.stdout.write(f"plans, {name}:")
            for line in lines:
                self.stdout.write(f"  {line}")
        self.stdout.write(
            json.dumps(
                {
                    "database": connection.vendor,
                    "encodings": encodings,
                    "messages": messages,
                    "pages": results,
                }
            )
        )


def _brief(sql: str, width: int = 200) -> str:
    """The statement without its column list and table prefixes, so that the line says what it reads and
    how it filters and sorts."""
    text = re.sub(r'"\w+"\.', "", " ".join(sql.split())).replace('"', "")
    head, _, rest = text.partition(" FROM ")
    text = f"{head.split(' ', 1)[0]} … FROM {rest}" if rest and head.upper().startswith("SELECT") else text
    return text if len(text) <= width else text[: width - 1] + "…"
