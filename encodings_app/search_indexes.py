"""The PostgreSQL indexes behind the encodings list's search (selectors/search.py), in one place for the
migration that builds them (0014), the command that builds what is missing (create_search_indexes) and the
system check that says when search reads rows instead (checks.py).

They are not in the models' Meta because SQLite has neither operator classes nor GIN, and because the
trigram index exists only where the pg_trgm extension does: a database role that may not create extensions
still migrates, without that index (README, "Search indexes"). Each one serves the query that Django writes
for a search term, character for character: ``UPPER("name"::text) LIKE UPPER('...')`` for name terms and
``UPPER("label"::text) ...`` for labels (Django's case-insensitive lookups on PostgreSQL).

The migration builds what this module lists when it runs; a later change here needs its own migration that
runs the same operation again (it builds only what is missing, and rebuilds an index left invalid).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.backends.base.base import BaseDatabaseWrapper

TRIGRAM_EXTENSION = "pg_trgm"
ENCODING_TABLE = "encodings_app_encoding"
LABEL_TABLE = "encodings_app_encodinglabel"


@dataclass(frozen=True)
class SearchIndex:
    name: str
    table: str
    # What follows "ON <table>" in CREATE INDEX.
    definition: str
    needs_trigram: bool

    def create_sql(self) -> str:
        return f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {self.name} ON {self.table} {self.definition}"

    def drop_sql(self) -> str:
        return f"DROP INDEX CONCURRENTLY IF EXISTS {self.name}"


SEARCH_INDEXES = (
    # name:exact and name:prefix* terms: one organization's encodings by upper-cased name. The pattern
    # operator class lets LIKE 'PREFIX%' use the index whatever the database's collation; a trigram index
    # serves these too, but reads far more of itself (EXPLAIN ANALYZE on 1,000,000 encodings: an exact name
    # in 0.03 ms here, 26 ms through the trigram index). Not partial (WHERE deleted_at IS NULL), though
    # the list reads live encodings only: the planner ignores the statistics of a partial index's
    # expression, and without them it guesses how many names a pattern matches (24 of 3,500 for a word
    # that three names hold), and may walk a whole organization to find a few.
    SearchIndex(
        "enc_name_upper",
        ENCODING_TABLE,
        "(organization_id, UPPER(name::text) text_pattern_ops)",
        needs_trigram=False,
    ),
    # A plain word (the name contains it) in an organization large enough for the index to pay off
    # (selectors/search.py: NAME_SCAN_LIMIT); smaller ones read their own names.
    SearchIndex(
        "enc_name_trgm",
        ENCODING_TABLE,
        "USING gin (UPPER(name::text) gin_trgm_ops)",
        needs_trigram=True,
    ),
    # labels:exact and labels:prefix* terms, and a rare label's encodings found from its few label rows
    # instead of by walking the organization's list.
    SearchIndex(
        "label_org_label_upper",
        LABEL_TABLE,
        "(organization_id, UPPER(label::text) text_pattern_ops)",
        needs_trigram=False,
    ),
)

# What a superuser runs where the dashboard's role may not create the extension (the check's hint).
SUPERUSER_STEP = f"CREATE EXTENSION IF NOT EXISTS {TRIGRAM_EXTENSION};"
AFTER_SUPERUSER_STEP = "python manage.py create_search_indexes"


def is_postgresql(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor == "postgresql"


def trigram_installed(connection: BaseDatabaseWrapper) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = %s", [TRIGRAM_EXTENSION])
        return cursor.fetchone() is not None


def trigram_creatable(connection: BaseDatabaseWrapper) -> bool:
    """Whether this role may create the extension: a superuser may; since PostgreSQL 13 pg_trgm is a
    "trusted" extension, which any role with CREATE on the database may create too."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT COALESCE(
                (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
                OR (
                    (SELECT bool_or(trusted) FROM pg_available_extension_versions WHERE name = %s)
                    AND has_database_privilege(current_database(), 'CREATE')
                ),
                false)
            """,
            [TRIGRAM_EXTENSION],
        )
        return bool(cursor.fetchone()[0])


def _valid_indexes(connection: BaseDatabaseWrapper) -> dict[str, bool]:
    """The search indexes present, and whether each is valid (a concurrent build that failed leaves an
    invalid index behind, which no query uses)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = ANY(%s) AND pg_catalog.pg_table_is_visible(c.oid)",
            [[index.name for index in SEARCH_INDEXES]],
        )
        return dict(cursor.fetchall())


def missing_search_indexes(connection: BaseDatabaseWrapper) -> list[SearchIndex]:
    """The search indexes this PostgreSQL database lacks (an invalid one counts as missing)."""
    if not is_postgresql(connection):
        return []
    present = _valid_indexes(connection)
    return [index for index in SEARCH_INDEXES if not present.get(index.name, False)]


def search_indexes_create(connection: BaseDatabaseWrapper) -> list[SearchIndex]:
    """Builds the missing search indexes without blocking writes (CONCURRENTLY, so outside a transaction);
    the trigram one only where the extension is installed. Returns what it built."""
    if not is_postgresql(connection):
        return []
    trigram = trigram_installed(connection)
    present = _valid_indexes(connection)
    built = []
    with connection.cursor() as cursor:
        for index in SEARCH_INDEXES:
            if present.get(index.name) or (index.needs_trigram and not trigram):
                continue
            if index.name in present:
                cursor.execute(index.drop_sql())  # invalid: left by a build that failed
            cursor.execute(index.create_sql())
            built.append(index)
        # The planner knows how many names or labels a term matches only from statistics on the indexed
        # expressions, which ANALYZE gathers; autovacuum would not run it for new indexes alone, and
        # without them it guesses, and walks a whole organization for a name that three encodings have.
        for table in sorted({index.table for index in built}):
            cursor.execute(f"ANALYZE {table}")
    return built


def search_indexes_drop(connection: BaseDatabaseWrapper) -> None:
    """Removes the search indexes (not the extension: it may predate them, or serve others)."""
    if not is_postgresql(connection):
        return
    with connection.cursor() as cursor:
        for index in SEARCH_INDEXES:
            cursor.execute(index.drop_sql())
