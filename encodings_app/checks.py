"""System checks of the app's own schema: the PostgreSQL search indexes (search_indexes.py).

Tagged "database": they read the catalogue, so they run where Django checks the database (`migrate`,
`check --database default`), not on every command. Warnings, not errors: without these indexes search still
answers, only by reading the organization's rows.
"""

from __future__ import annotations

from django.core import checks
from django.db import DatabaseError, connections
from django.db.migrations.recorder import MigrationRecorder

from encodings_app import search_indexes

# The migration that builds the indexes: before it has run, their absence is not news.
BUILT_BY = ("encodings_app", "0014_search_indexes")


@checks.register(checks.Tags.database)
def search_indexes_check(app_configs, databases=None, **kwargs) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    for alias in databases or []:
        connection = connections[alias]
        if not search_indexes.is_postgresql(connection):
            continue
        try:
            if BUILT_BY not in MigrationRecorder(connection).applied_migrations():
                continue
            missing = search_indexes.missing_search_indexes(connection)
            trigram = search_indexes.trigram_installed(connection)
        except DatabaseError:
            continue  # an unreachable database is reported by whatever needs it, with its own error
        messages.extend(_messages(missing, trigram))
    return messages


def _messages(missing: list[search_indexes.SearchIndex], trigram: bool) -> list[checks.CheckMessage]:
    if not missing:
        return []
    names = ", ".join(index.name for index in missing)
    if not trigram:
        return [
            checks.Warning(
                f"The {search_indexes.TRIGRAM_EXTENSION} extension is not installed, so the trigram search "
                "index is missing: a search for a word in encoding names reads every name of the "
                f"organization instead (slow past about 100,000 encodings). Missing: {names}.",
                hint=f"As a PostgreSQL superuser, in this database: {search_indexes.SUPERUSER_STEP} "
                f"Then: {search_indexes.AFTER_SUPERUSER_STEP}",
                id="encodings_app.W001",
            )
        ]
    return [
        checks.Warning(
            f"Search indexes are missing or invalid (a build that failed): {names}. Searches read the "
            "organization's rows instead.",
            hint=f"Run: {search_indexes.AFTER_SUPERUSER_STEP}",
            id="encodings_app.W002",
        )
    ]
