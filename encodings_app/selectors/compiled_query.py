"""A query built by the ORM once per process and run again with new values: for the wall's poll, whose one
query is asked dozens of times a second and whose SQL never changes.

Building that query (its subqueries of fingerprints, their casts and concatenations) and compiling it to SQL
cost about 9 ms of CPU per poll, where running it costs under 2: the ORM makes fresh expression and field
objects each time. Here the queryset is built and compiled once per database connection's vendor, with
stand-in values for what varies (the token, the time); each run puts the real values in their places among
the compiled parameters and lets the same compiler convert the rows (datetimes, booleans and JSON, as
``values()`` would).

A stand-in must be a value the query holds nowhere else, adapted for the database as its column adapts it
(``adapt``): its places among the parameters are found by comparing them with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet


@dataclass(frozen=True)
class Variable:
    stand_in: Any
    # How the database receives a value of it (e.g. connection.ops.adapt_datetimefield_value for a time).
    adapt: Callable[[Any, Any], Any] = lambda connection, value: value


@dataclass
class _Compiled:
    sql: str
    params: list
    places: dict[str, list[int]]
    names: list[str]
    compiler: Any


class CompiledQuery:
    """``build(**values)`` returns a ``values()`` queryset; ``rows(**values)`` runs it as dicts."""

    def __init__(self, build: Callable[..., QuerySet], **variables: Variable) -> None:
        self._build = build
        self._variables = variables
        self._compiled: dict[str, _Compiled] = {}

    def rows(self, **values: Any) -> list[dict[str, Any]]:
        connection = connections[DEFAULT_DB_ALIAS]
        compiled = self._compiled.get(connection.vendor) or self._compile(connection)
        params = list(compiled.params)
        for name, places in compiled.places.items():
            adapted = self._variables[name].adapt(connection, values[name])
            for place in places:
                params[place] = adapted
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchall()
        converted = compiled.compiler.results_iter(results=[fetched])
        return [dict(zip(compiled.names, row, strict=True)) for row in converted]

    def _compile(self, connection) -> _Compiled:
        queryset = self._build(**{name: variable.stand_in for name, variable in self._variables.items()})
        query = queryset.query
        compiler = query.get_compiler(using=DEFAULT_DB_ALIAS)
        sql, params = compiler.as_sql()
        places = {}
        for name, variable in self._variables.items():
            stand_in = variable.adapt(connection, variable.stand_in)
            places[name] = [place for place, param in enumerate(params) if param == stand_in]
            if not places[name]:
                raise ValueError(f"the query does not use its variable {name!r}")
        compiled = _Compiled(
            sql=sql,
            params=list(params),
            places=places,
            names=[*query.extra_select, *query.values_select, *query.annotation_select],
            compiler=compiler,
        )
        self._compiled[connection.vendor] = compiled
        return compiled
