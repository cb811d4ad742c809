"""How many rows a list holds, without counting a million of them on every page.

A list's total is counted exactly up to a limit (LIST_EXACT_COUNT_LIMIT): the count stops reading once it has
seen one row more than that, so its cost does not grow with the table. Past the limit the total is the
PostgreSQL planner's estimate of the rows (from the statistics autovacuum keeps), shown as "about"; where
there is no planner to ask (SQLite), only "more than the limit" is known and said. Asked for explicitly (the
list's "count them exactly" link, like Bitmovin's includeTotalCount), it is a full COUNT(*).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import connections
from django.db.models import QuerySet


@dataclass(frozen=True)
class ListTotal:
    value: int
    # False: past the limit, and `value` is an estimate, or (when `estimated` is False too) only a floor.
    exact: bool
    estimated: bool = False

    @property
    def at_least(self) -> bool:
        """Only known to be more than `value`."""
        return not self.exact and not self.estimated


def list_total(queryset: QuerySet, *, limit: int, exact: bool = False) -> ListTotal:
    """The exact count up to `limit` (or whatever it is, when `exact`), else the planner's estimate."""
    if exact:
        return ListTotal(queryset.count(), exact=True)
    # Without an order, the database produces the first limit + 1 rows whichever way is cheapest.
    seen = queryset.order_by().values("pk")[: limit + 1].count()
    if seen <= limit:
        return ListTotal(seen, exact=True)
    estimate = planner_rows(queryset)
    if estimate is None or estimate <= limit:
        # No planner, or statistics that disagree with the rows just seen: say only what is known.
        return ListTotal(limit, exact=False)
    return ListTotal(estimate, exact=False, estimated=True)


def planner_rows(queryset: QuerySet) -> int | None:
    """The rows PostgreSQL's planner expects the query to return (EXPLAIN: planned, never run); None on other
    databases."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
