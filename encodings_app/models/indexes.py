"""An index that keeps undated rows first, on both databases."""

from __future__ import annotations

from django.db import models
from django.db.models.expressions import OrderBy


class NullsFirstIndex(models.Index):
    """An index with ascending columns said NULLS FIRST (``F("date").asc(nulls_first=True)``), so that a
    query ordering that way reads its rows from the index in order instead of sorting them.

    PostgreSQL sorts NULL last in ascending order unless told otherwise, so there the index says NULLS FIRST.
    SQLite sorts NULL first anyway and refuses the words in an index, so there the plain column serves the
    same order.
    """

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "sqlite":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        plain = models.Index(
            *(_without_nulls_first(expression) for expression in self.expressions),
            name=self.name,
            condition=self.condition,
        )
        return plain.create_sql(model, schema_editor, using=using, **kwargs)


def _without_nulls_first(expression):
    if isinstance(expression, OrderBy) and expression.nulls_first and not expression.descending:
        return OrderBy(expression.expression)
    return expression
