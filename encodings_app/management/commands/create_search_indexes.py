"""Build the PostgreSQL search indexes that are missing (search_indexes.py).

For a database whose role could not create the pg_trgm extension when it migrated: once a superuser has
created it, this builds the trigram index (and rebuilds any index a failed build left invalid). Builds
concurrently, so the sync keeps writing meanwhile; safe to run again. Nothing to do on SQLite.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from encodings_app import search_indexes
from encodings_app.migration_operations import lift_statement_limits


class Command(BaseCommand):
    help = "Build the PostgreSQL search indexes that are missing (after a superuser created pg_trgm)."

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, database: str, **options):
        connection = connections[database]
        if not search_indexes.is_postgresql(connection):
            self.stdout.write(
                f"Nothing to do: the search indexes are PostgreSQL's ({connection.vendor} here)."
            )
            return
        lift_statement_limits(connection)
        built = search_indexes.search_indexes_create(connection)
        for index in built:
            self.stdout.write(f"built {index.name}")
        missing = search_indexes.missing_search_indexes(connection)
        if missing:
            names = ", ".join(index.name for index in missing)
            if not search_indexes.trigram_installed(connection):
                raise CommandError(
                    f"Still missing: {names}: the {search_indexes.TRIGRAM_EXTENSION} extension is not "
                    f"installed. As a PostgreSQL superuser, in this database, run: "
                    f"{search_indexes.SUPERUSER_STEP} Then run this command again."
                )
            raise CommandError(f"Still missing: {names}.")
        self.stdout.write("Every search index is in place." if built else "Nothing to build.")
