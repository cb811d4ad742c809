"""Timing a page in-process, with the SQL it runs and the plans PostgreSQL chooses for that SQL.

A page is requested once to warm up, once with every statement recorded (its SQL and parameters, to count
and EXPLAIN them), then `repeat` times with the clock running. Each timed request also adds up the time its
statements took at the database, so that a slow page says whether the time went to SQL or to Python.
"""

from __future__ import annotations

import math
import re
import statistics
import time
from dataclasses import dataclass, field

from django.db import connection
from django.test import Client

# Statements EXPLAIN accepts; the rest (savepoints) have no plan.
EXPLAINABLE = ("SELECT", "WITH", "UPDATE", "INSERT", "DELETE")
# Statements that may be run under EXPLAIN ANALYZE: those that change nothing.
READ_ONLY = ("SELECT", "WITH")


@dataclass
class PageFigures:
    status: int
    queries: int
    median_ms: float
    p95_ms: float
    sql_median_ms: float
    statements: list[tuple[str, object]] = field(default_factory=list, repr=False)

    def as_json(self) -> dict:
        return {
            "status": self.status,
            "queries": self.queries,
            "median_ms": self.median_ms,
            "p95_ms": self.p95_ms,
            "sql_median_ms": self.sql_median_ms,
        }


def time_page(client: Client, url: str, headers: dict, repeat: int) -> PageFigures:
    status = client.get(url, **headers).status_code  # warm-up
    statements: list[tuple[str, object]] = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        client.get(url, **headers)
    timings, sql_times = [], []
    for _ in range(repeat):
        spent = [0.0]

        def clock(execute, sql, params, many, context, spent=spent):
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent[0] += time.perf_counter() - began

        with connection.execute_wrapper(clock):
            began = time.perf_counter()
            client.get(url, **headers)
            timings.append((time.perf_counter() - began) * 1000)
        sql_times.append(spent[0] * 1000)
    return PageFigures(
        status=status,
        queries=len(statements),
        median_ms=round(statistics.median(timings), 1),
        p95_ms=round(percentile(timings, 0.95), 1),
        sql_median_ms=round(statistics.median(sql_times), 1),
        statements=statements,
    )


def percentile(values: list[float], share: float) -> float:
    """The value at or below which `share` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * share) - 1)]


def scans(statements: list[tuple[str, object]]) -> list[str]:
    """One line per statement: its start, then the scans of its plan (which table, which index, how many rows
    the planner expects), so that a query no index serves shows. PostgreSQL only; elsewhere nothing."""
    lines = []
    for number, sql, plan in _plans(statements, "EXPLAIN", EXPLAINABLE):
        found = [line.strip().removeprefix("-> ") for line in plan if "Scan" in line] or [plan[0].strip()]
        lines.append(f"#{number} {brief(sql)}: " + " / ".join(found))
    return lines


def analyzed(statements: list[tuple[str, object]], *, at_least_ms: float) -> list[str]:
    """The full plan, as run (EXPLAIN ANALYZE, BUFFERS), of every read-only statement that took at least
    `at_least_ms` at the database: where a slow page's time goes. PostgreSQL only."""
    lines = []
    for number, sql, plan in _plans(statements, "EXPLAIN (ANALYZE, BUFFERS)", READ_ONLY):
        took = _execution_ms(plan)
        if took is not None and took >= at_least_ms:
            lines.append(f"#{number} {brief(sql)} ({took:.1f} ms)")
            lines.extend(f"    {line}" for line in plan)
    return lines


def _plans(statements: list[tuple[str, object]], explain: str, kinds: tuple[str, ...]):
    """(number, SQL, plan lines) of each statement of those kinds, numbered as the page ran them."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for number, (sql, params) in enumerate(statements, 1):
            if sql.lstrip().upper().startswith(kinds):
                cursor.execute(f"{explain} {sql}", params)
                yield number, sql, [row[0] for row in cursor.fetchall()]


def _execution_ms(plan: list[str]) -> float | None:
    for line in reversed(plan):
        found = re.match(r"Execution Time: ([\d.]+) ms", line.strip())
        if found:
            return float(found.group(1))
    return None


def brief(sql: str, width: int = 200) -> str:
    """The statement without its column list and table prefixes, so that the line says what it reads and
    how it filters and sorts."""
    text = re.sub(r'"\w+"\.', "", " ".join(sql.split())).replace('"', "")
    head, _, rest = text.partition(" FROM ")
    text = f"{head.split(' ', 1)[0]} … FROM {rest}" if rest and head.upper().startswith("SELECT") else text
    return text if len(text) <= width else text[: width - 1] + "…"
