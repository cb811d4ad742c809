"""Benchmark: the memory, time and rows of the encodings list's CSV export, streamed through the real view.

Makes (or reuses) benchmark organizations of two sizes (devtools/bench_data.py, no messages), then asks the
export view for each one's whole list, in-process, and reads the streamed file to its end as a client would.
Each size is read twice: once plain, for the time and the growth of the process's resident memory while it
streams; once under tracemalloc, for the peak of Python's own allocations. The file is never held: only its
bytes and lines are counted. The export's memory stays the same whatever the number of rows when the figures
of the two sizes agree. The last line printed is JSON.

    export DASHBOARD_DEVTOOLS=1 DATABASE_URL=postgres://...
    python manage.py bench_export --keep                         # 10,000 and 100,000 encodings; prints slugs
    python manage.py bench_export --reuse bench-1a2b3c4d bench-5e6f7a8b
    python manage.py bench_export --drop bench-1a2b3c4d bench-5e6f7a8b
"""

from __future__ import annotations

import gc
import json
import logging
import os
import time
import tracemalloc
from dataclasses import asdict, dataclass

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from devtools.bench_data import Dataset, dataset_create, dataset_drop, dataset_reuse

MIB = 1024 * 1024
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True)
class ExportFigures:
    encodings: int
    rows: int
    bytes: int
    seconds: float
    rows_per_second: int
    rss_growth_mib: float
    python_peak_mib: float


def resident_bytes() -> int:
    """The process's resident memory now (Linux), or 0 where /proc is not there."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * PAGE_SIZE
    except OSError:
        return 0


def streamed(client: Client, url: str, *, sample_rss: bool) -> tuple[int, int, int]:
    """Reads the export to its end: its lines (the header included), its bytes, and the most the resident
    memory grew while it streamed."""
    response = client.get(url)
    if response.status_code != 200 or not response.streaming:
        raise CommandError(f"{url} answered {response.status_code}, not a streamed file")
    lines = size = 0
    start = peak = resident_bytes() if sample_rss else 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
        size += len(chunk)
        if sample_rss:
            peak = max(peak, resident_bytes())
    response.close()
    return lines, size, peak - start


def measure(client: Client, dataset: Dataset) -> ExportFigures:
    url = f"/o/{dataset.organization.slug}/export/encodings.csv"
    streamed(client, url, sample_rss=False)  # warm: templates, the cursor's first plans, imports
    gc.collect()
    started = time.perf_counter()
    lines, size, rss_growth = streamed(client, url, sample_rss=True)
    seconds = time.perf_counter() - started
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        streamed(client, url, sample_rss=False)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rows = lines - 1
    return ExportFigures(
        encodings=dataset.encodings,
        rows=rows,
        bytes=size,
        seconds=round(seconds, 2),
        rows_per_second=round(rows / seconds) if seconds else 0,
        rss_growth_mib=round(rss_growth / MIB, 1),
        python_peak_mib=round(peak / MIB, 2),
    )


class Command(BaseCommand):
    help = "Measure the memory and time of streaming the encodings list's CSV export at two sizes."

    def add_arguments(self, parser):
        parser.add_argument("--encodings", type=int, default=100_000, help="The large organization's size.")
        parser.add_argument(
            "--small", type=int, default=None, help="The small organization's size (default: a tenth)."
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--keep", action="store_true", help="Keep the datasets (prints their slugs).")
        parser.add_argument("--reuse", nargs="+", metavar="SLUG", help="Measure datasets --keep left.")
        parser.add_argument("--drop", nargs="+", metavar="SLUG", help="Only drop datasets --keep left.")

    def handle(self, *args, **options):
        if options["drop"]:
            for slug in options["drop"]:
                if not dataset_drop(slug):
                    raise CommandError(f"no benchmark dataset {slug!r} to drop")
                self.stdout.write(f"dropped {slug}")
            return
        started = time.monotonic()
        datasets = self._datasets(options)
        prepared = time.monotonic() - started
        for dataset in datasets:
            self.stdout.write(
                f"{'reused' if options['reuse'] else 'generated'} {dataset.organization.slug}: "
                f"{dataset.encodings} encodings on {connection.vendor}"
            )
        keep = options["keep"] or bool(options["reuse"])
        try:
            # The request log's lines are held back; the test client speaks as "testserver".
            logging.disable(logging.INFO)
            with override_settings(ALLOWED_HOSTS=["testserver"]):
                figures = []
                for dataset in datasets:
                    client = Client()
                    client.force_login(dataset.user)
                    figures.append(measure(client, dataset))
        finally:
            logging.disable(logging.NOTSET)
            if not keep:
                for dataset in datasets:
                    dataset_drop(dataset.organization.slug)
        self._report(figures, datasets, prepared=prepared, kept=keep)

    def _datasets(self, options) -> list[Dataset]:
        if options["reuse"]:
            try:
                found = [dataset_reuse(slug) for slug in options["reuse"]]
            except LookupError as error:
                raise CommandError(str(error)) from error
            return sorted(found, key=lambda dataset: dataset.encodings)
        large = options["encodings"]
        small = options["small"] if options["small"] is not None else max(1, large // 10)
        return [
            dataset_create(
                encodings=size,
                messages=0,
                heavy_messages=0,
                other_organizations=0,
                seed=options["seed"],
                say=self.stdout.write,
            )
            for size in sorted({small, large})
        ]

    def _report(self, figures: list[ExportFigures], datasets, *, prepared: float, kept: bool) -> None:
        self.stdout.write("")
        self.stdout.write(
            f"CSV export of the encodings list on {connection.vendor} (prepared in {prepared:.0f} s)"
        )
        self.stdout.write(
            f"{'encodings':>10} {'rows':>10} {'MiB':>8} {'seconds':>8} {'rows/s':>9} "
            f"{'RSS growth MiB':>15} {'Python peak MiB':>16}"
        )
        for each in figures:
            self.stdout.write(
                f"{each.encodings:>10} {each.rows:>10} {each.bytes / MIB:>8.1f} {each.seconds:>8.2f} "
                f"{each.rows_per_second:>9} {each.rss_growth_mib:>15.1f} {each.python_peak_mib:>16.2f}"
            )
        if len(figures) >= 2:
            small, large = figures[0], figures[-1]
            self.stdout.write(
                f"{large.encodings / small.encodings:.0f} times the rows: Python's peak "
                f"{small.python_peak_mib} -> {large.python_peak_mib} MiB, resident growth "
                f"{small.rss_growth_mib} -> {large.rss_growth_mib} MiB"
            )
        if kept:
            slugs = " ".join(dataset.organization.slug for dataset in datasets)
            self.stdout.write(f"kept {slugs}: --reuse {slugs}, or --drop {slugs}")
        summary = {
            "database": connection.vendor,
            "datasets": [dataset.organization.slug for dataset in datasets],
            "kept": kept,
            "exports": [asdict(each) for each in figures],
        }
        self.stdout.write(json.dumps(summary))
