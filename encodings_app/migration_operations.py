"""Index operations for migrations that do not stop writes while an index builds.

On PostgreSQL, `CREATE INDEX CONCURRENTLY` builds an index while the sync keeps writing encodings (a plain
CREATE INDEX holds a lock that blocks every insert and update of the table until it is done, minutes on a
large mirror). SQLite has no such form and no such problem, so there the plain operation runs. A migration
using these sets `atomic = False`, as PostgreSQL requires; keep such a migration to index operations only,
so that running outside one transaction costs nothing.
"""

from __future__ import annotations

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations


class _ConcurrentlyOnPostgreSQL:
    """The concurrent form on PostgreSQL, without the statement limit; the plain operation elsewhere."""

    plain: type[migrations.AddIndex] | type[migrations.RemoveIndex]

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return self.plain.database_forwards(self, app_label, schema_editor, from_state, to_state)
        _no_statement_timeout(schema_editor)
        return super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return self.plain.database_backwards(self, app_label, schema_editor, from_state, to_state)
        _no_statement_timeout(schema_editor)
        return super().database_backwards(app_label, schema_editor, from_state, to_state)


def _no_statement_timeout(schema_editor) -> None:
    # Building an index on a large table outlasts the statement limit (DATABASE_STATEMENT_TIMEOUT_MS), and
    # so the client's deadline that follows it (dashboard/postgres): both are lifted for this connection.
    schema_editor.execute("SET statement_timeout = 0")
    schema_editor.connection.client_deadline = None


class AddIndexWithoutLocking(_ConcurrentlyOnPostgreSQL, AddIndexConcurrently):
    plain = migrations.AddIndex


class RemoveIndexWithoutLocking(_ConcurrentlyOnPostgreSQL, RemoveIndexConcurrently):
    plain = migrations.RemoveIndex
