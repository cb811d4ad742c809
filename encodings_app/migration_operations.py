"""Index operations for migrations that do not stop writes while an index builds.

On PostgreSQL, `CREATE INDEX CONCURRENTLY` builds an index while the sync keeps writing encodings (a plain
CREATE INDEX holds a lock that blocks every insert and update of the table until it is done, minutes on a
large mirror). SQLite has no such form and no such problem, so there the plain operation runs. A migration
using these sets `atomic = False`, as PostgreSQL requires; keep such a migration to index operations only,
so that running outside one transaction costs nothing.
"""

from __future__ import annotations

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


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


class RemoveFieldIndexWithoutLocking(migrations.AlterField):
    """A field's change to ``db_index=False`` that only drops the field's own index (concurrently on
    PostgreSQL). AlterField would, for a foreign key on PostgreSQL, also drop and add again the foreign key
    constraint, which checks every row while holding a lock that blocks writes; on SQLite it would copy the
    whole table. Dropping an index needs neither."""

    def describe(self):
        return f"Remove the index of field {self.name} on {self.model_name}"

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        column = model._meta.get_field(self.name).column
        names = schema_editor._constraint_names(
            model, [column], index=True, unique=False, primary_key=False, type_=models.Index.suffix
        )
        for name in names:
            if schema_editor.connection.vendor == "postgresql":
                _no_statement_timeout(schema_editor)
                schema_editor.execute(schema_editor._delete_index_sql(model, name, concurrently=True))
            else:
                schema_editor.execute(schema_editor._delete_index_sql(model, name))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        field = model._meta.get_field(self.name)
        if schema_editor.connection.vendor == "postgresql":
            _no_statement_timeout(schema_editor)
            schema_editor.execute(schema_editor._create_index_sql(model, fields=[field], concurrently=True))
        else:
            schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))
