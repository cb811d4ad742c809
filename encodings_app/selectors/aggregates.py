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
