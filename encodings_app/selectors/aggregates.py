"""Aggregates Django does not offer on every database the project runs on (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from django.db.models import Aggregate, TextField

# Between joined values: a control character no title or key holds.
SEPARATOR = "\x1e"


class JoinedText(Aggregate):
    """The text values of a group joined into one string (None for an empty group), for a fingerprint that
    a single query can return: groups whose values differ join to different texts, as long as no value
    holds the separator.

    PostgreSQL joins in ``ordering``'s order. SQLite's GROUP_CONCAT (before 3.44) takes no order: it joins
    in the order it reads the rows, which for the same rows and the same plan is the same, so the text only
    changes when the values do."""

    name = "JoinedText"
    output_field = TextField()

    def __init__(self, value: Any, *, ordering: Any) -> None:
        super().__init__(value, ordering)

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[override]
        value, ordering, _filter = self.get_source_expressions()  # no filter: __init__ takes none
        value_sql, value_params = compiler.compile(value)
        if connection.vendor == "postgresql":
            order_sql, order_params = compiler.compile(ordering)
            sql = f"STRING_AGG({value_sql}, %s ORDER BY {order_sql})"
            return sql, (*value_params, SEPARATOR, *order_params)
        return f"GROUP_CONCAT({value_sql}, %s)", (*value_params, SEPARATOR)


# The name of the median aggregate registered on every SQLite connection (register_sqlite_aggregates).
SQLITE_MEDIAN = "dashboard_median"


class Median(Aggregate):
    """The median of a group's values, interpolated between the two middle ones when their number is even;
    NULLs are left out, and a group without values gives NULL. PostgreSQL's ``percentile_cont(0.5)`` (on
    intervals too); on SQLite an aggregate of the same meaning registered on each connection."""

    name = "Median"
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            function=SQLITE_MEDIAN,
            template="%(function)s(%(expressions)s)",
            **extra_context,
        )


class _SqliteMedian:
    """SQLite's side of Median: holds one group's values (SQLite is for small installations)."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: float | None) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        if not self.values:
            return None
        ordered = sorted(self.values)
        middle = len(ordered) // 2
        if len(ordered) % 2:
            return ordered[middle]
        return (ordered[middle - 1] + ordered[middle]) / 2


def register_sqlite_aggregates(sender, connection, **kwargs) -> None:
    """connection_created's receiver: gives each new SQLite connection the aggregates above."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate(SQLITE_MEDIAN, 1, _SqliteMedian)
