"""Index operations for migrations that do not stop writes while an index builds.

On PostgreSQL, `CREATE INDEX CONCURRENTLY` builds an index while the sync keeps writing encodings (a plain
CREATE INDEX holds a lock that blocks every insert and update of the table until it is done, minutes on a
large mirror). SQLite has no such form and no such problem, so there the plain operation runs. A migration
using these sets `atomic = False`, as PostgreSQL requires; keep such a migration to index operations only,
so that running outside one transaction costs nothing.

The search indexes (search_indexes.py) come with two operations of their own: the trigram extension, created
only where the database role may, and the indexes, built only on PostgreSQL and the trigram one only where
the extension is there. Neither changes Django's model state: the indexes are not in the models' Meta.
"""

from __future__ import annotations

import logging

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently, TrigramExtension
from django.db import DatabaseError, migrations, models, transaction

from encodings_app import search_indexes

logger = logging.getLogger(__name__)


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


def lift_statement_limits(connection) -> None:
    """_no_statement_timeout for a connection without a schema editor (create_search_indexes)."""
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
    connection.client_deadline = None


class AddIndexWithoutLocking(_ConcurrentlyOnPostgreSQL, AddIndexConcurrently):
    plain = migrations.AddIndex


class RemoveIndexWithoutLocking(_ConcurrentlyOnPostgreSQL, RemoveIndexConcurrently):
    plain = migrations.RemoveIndex


class TrigramExtensionWhenAllowed(TrigramExtension):
    """Django's TrigramExtension, where the database role may create it; elsewhere the migration goes on
    without it (and without the trigram index), and the system check says what a superuser runs.

    Unapplying leaves the extension: it may predate this migration or serve other schemas, and costs nothing.
    What it runs depends on the database it meets, so sqlmigrate cannot print it.
    """

    reduces_to_sql = False

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        connection = schema_editor.connection
        if connection.vendor != "postgresql" or search_indexes.trigram_installed(connection):
            return
        if not search_indexes.trigram_creatable(connection):
            logger.warning(
                "This database role may not create the %s extension: the search indexes are built without "
                "the trigram index. As a superuser, run: %s then: %s",
                search_indexes.TRIGRAM_EXTENSION,
                search_indexes.SUPERUSER_STEP,
                search_indexes.AFTER_SUPERUSER_STEP,
            )
            return
        try:
            # A savepoint (or a transaction of its own): a refusal the privilege query did not foresee, such
            # as a hosted database's own rules, leaves the connection usable for the rest of the migration.
            with transaction.atomic(using=connection.alias):
                super().database_forwards(app_label, schema_editor, from_state, to_state)
        except DatabaseError as error:
            logger.warning("The %s extension was refused (%s).", search_indexes.TRIGRAM_EXTENSION, error)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def describe(self):
        return f"Creates extension {self.name} where the database role may"


class CreateSearchIndexes(migrations.operations.base.Operation):
    """Builds search_indexes.SEARCH_INDEXES on PostgreSQL (concurrently: the migration sets atomic = False);
    nothing elsewhere. Unapplying drops them."""

    reversible = True
    reduces_to_sql = False

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            lift_statement_limits(schema_editor.connection)
            search_indexes.search_indexes_create(schema_editor.connection)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            lift_statement_limits(schema_editor.connection)
            search_indexes.search_indexes_drop(schema_editor.connection)

    def describe(self):
        return "Creates the PostgreSQL search indexes (name, labels; trigram where pg_trgm is installed)"


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
