"""The search indexes (encodings_app/search_indexes.py): migration 0014 builds them where it can and never
fails for lack of the trigram extension; the system check says what is missing and what a superuser runs;
create_search_indexes builds what is missing. SQLite has none of them and needs none."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from encodings_app import checks as search_checks
from encodings_app import search_indexes
from encodings_app.migration_operations import TrigramExtensionWhenAllowed
from encodings_app.search_indexes import SEARCH_INDEXES

TRIGRAM_INDEX = next(index for index in SEARCH_INDEXES if index.needs_trigram)


def warnings() -> list:
    return search_checks.search_indexes_check(None, databases=["default"])


# transaction=True: the indexes are dropped and built concurrently, which PostgreSQL refuses in a transaction.
@pytest.mark.django_db(transaction=True)
def test_the_migrated_database_has_every_search_index_and_the_check_is_quiet():
    assert search_indexes.missing_search_indexes(connection) == []
    assert warnings() == []
    with connection.cursor() as cursor:
        present = set(connection.introspection.get_constraints(cursor, "encodings_app_encoding"))
        present |= set(connection.introspection.get_constraints(cursor, "encodings_app_encodinglabel"))
    if connection.vendor == "postgresql":
        assert {index.name for index in SEARCH_INDEXES} <= present
    else:
        assert not {index.name for index in SEARCH_INDEXES} & present


@pytest.mark.django_db(transaction=True)
def test_create_search_indexes_builds_what_is_missing_and_the_check_says_so_meanwhile():
    out = StringIO()
    if connection.vendor != "postgresql":
        call_command("create_search_indexes", stdout=out)
        assert "Nothing to do" in out.getvalue()
        assert warnings() == []
        return
    with connection.cursor() as cursor:
        cursor.execute(TRIGRAM_INDEX.drop_sql())
    try:
        (warning,) = warnings()
        assert warning.id == "encodings_app.W002" and TRIGRAM_INDEX.name in warning.msg
        assert "create_search_indexes" in warning.hint
    finally:
        call_command("create_search_indexes", stdout=out)
    assert f"built {TRIGRAM_INDEX.name}" in out.getvalue()
    assert search_indexes.missing_search_indexes(connection) == [] and warnings() == []


def test_without_the_extension_the_warning_names_what_a_superuser_runs():
    (warning,) = search_checks._messages([TRIGRAM_INDEX], trigram=False)
    assert warning.id == "encodings_app.W001"
    assert "pg_trgm" in warning.msg and TRIGRAM_INDEX.name in warning.msg
    assert "CREATE EXTENSION IF NOT EXISTS pg_trgm;" in warning.hint
    assert "python manage.py create_search_indexes" in warning.hint


@pytest.mark.django_db(transaction=True)
def test_a_role_that_may_not_create_the_extension_still_migrates(monkeypatch):
    """The operation asks before it creates; where the answer is no, it creates nothing and raises nothing
    (the indexes are then built without the trigram one, and the check warns)."""
    monkeypatch.setattr(search_indexes, "trigram_installed", lambda connection: False)
    monkeypatch.setattr(search_indexes, "trigram_creatable", lambda connection: False)
    executed: list[str] = []

    def capture(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture), connection.schema_editor(atomic=False) as editor:
        TrigramExtensionWhenAllowed().database_forwards("encodings_app", editor, None, None)
    assert not any("CREATE EXTENSION" in sql.upper() for sql in executed), executed
