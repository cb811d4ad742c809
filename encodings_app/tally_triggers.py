"""The triggers that keep models/tallies.py's counts, for PostgreSQL and SQLite, and the recount they start
from.

A tally row counts live encodings (deleted_at null) by organization, status and the UTC day of finished_at
(the overview's chart groups by that day, settings.TIME_ZONE being UTC). Each write to the encodings table
adds, for the rows it touched, what left a group (-) and what joined one (+):

- PostgreSQL: statement-level triggers with transition tables, so that a bulk upsert of a page of encodings
  or a full pass marking hundreds deleted adds one row per group it changed, not one per encoding. An
  ``INSERT ... ON CONFLICT DO UPDATE`` (the mirror's upsert) fires both: the INSERT trigger sees the rows
  it inserted, the UPDATE trigger those it updated.
- SQLite (the embedded default) has only row-level triggers: one or two rows per changed encoding, folded
  by the same compaction. Its updates fire only when a counted column changes.

An encoding deleted while its organization is being deleted adds nothing once the organization is gone,
and the organization's delete removes its rows: whichever order the two deletes run in, nothing is left.
"""

from __future__ import annotations

# The tables by name, not through the models: migrations run this against the schema of their time.
ENCODINGS = "encodings_app_encoding"
TALLIES = "encodings_app_encodingtally"
ORGANIZATIONS = "encodings_app_organization"

_COLUMNS = "organization_id, status, day, n"

POSTGRESQL_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION {TALLIES}_changes() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO {TALLIES} ({_COLUMNS})
            SELECT organization_id, status, (finished_at AT TIME ZONE 'UTC')::date, count(*)
            FROM new_rows WHERE deleted_at IS NULL
            GROUP BY 1, 2, 3;
        ELSIF TG_OP = 'DELETE' THEN
            INSERT INTO {TALLIES} ({_COLUMNS})
            SELECT organization_id, status, (finished_at AT TIME ZONE 'UTC')::date, -count(*)
            FROM old_rows
            WHERE deleted_at IS NULL
              AND EXISTS (SELECT 1 FROM {ORGANIZATIONS} o WHERE o.id = old_rows.organization_id)
            GROUP BY 1, 2, 3;
        ELSE
            INSERT INTO {TALLIES} ({_COLUMNS})
            SELECT organization_id, status, day, sum(n) FROM (
                SELECT organization_id, status, (finished_at AT TIME ZONE 'UTC')::date AS day, -1 AS n
                FROM old_rows WHERE deleted_at IS NULL
                UNION ALL
                SELECT organization_id, status, (finished_at AT TIME ZONE 'UTC')::date, 1
                FROM new_rows WHERE deleted_at IS NULL
            ) AS changes
            GROUP BY 1, 2, 3
            HAVING sum(n) <> 0;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    f"""
    CREATE TRIGGER {TALLIES}_insert AFTER INSERT ON {ENCODINGS}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {TALLIES}_changes()
    """,
    f"""
    CREATE TRIGGER {TALLIES}_update AFTER UPDATE ON {ENCODINGS}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION {TALLIES}_changes()
    """,
    f"""
    CREATE TRIGGER {TALLIES}_delete AFTER DELETE ON {ENCODINGS}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {TALLIES}_changes()
    """,
    f"""
    CREATE OR REPLACE FUNCTION {TALLIES}_forget() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM {TALLIES} WHERE organization_id = OLD.id;
        RETURN NULL;
    END
    $$
    """,
    f"""
    CREATE TRIGGER {TALLIES}_forget AFTER DELETE ON {ORGANIZATIONS}
    FOR EACH ROW EXECUTE FUNCTION {TALLIES}_forget()
    """,
]

POSTGRESQL_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS {TALLIES}_forget ON {ORGANIZATIONS}",
    f"DROP TRIGGER IF EXISTS {TALLIES}_delete ON {ENCODINGS}",
    f"DROP TRIGGER IF EXISTS {TALLIES}_update ON {ENCODINGS}",
    f"DROP TRIGGER IF EXISTS {TALLIES}_insert ON {ENCODINGS}",
    f"DROP FUNCTION IF EXISTS {TALLIES}_forget()",
    f"DROP FUNCTION IF EXISTS {TALLIES}_changes()",
]

# SQLite keeps datetimes as UTC text ("YYYY-MM-DD HH:MM:SS..."), from which date() takes the UTC day.
SQLITE_INSTALL = [
    f"""
    CREATE TRIGGER {TALLIES}_insert AFTER INSERT ON {ENCODINGS}
    WHEN NEW.deleted_at IS NULL
    BEGIN
        INSERT INTO {TALLIES} ({_COLUMNS})
        VALUES (NEW.organization_id, NEW.status, date(NEW.finished_at), 1);
    END
    """,
    f"""
    CREATE TRIGGER {TALLIES}_update AFTER UPDATE OF organization_id, status, finished_at, deleted_at
    ON {ENCODINGS}
    WHEN OLD.organization_id IS NOT NEW.organization_id
      OR OLD.status IS NOT NEW.status
      OR date(OLD.finished_at) IS NOT date(NEW.finished_at)
      OR (OLD.deleted_at IS NULL) IS NOT (NEW.deleted_at IS NULL)
    BEGIN
        INSERT INTO {TALLIES} ({_COLUMNS})
        SELECT OLD.organization_id, OLD.status, date(OLD.finished_at), -1 WHERE OLD.deleted_at IS NULL;
        INSERT INTO {TALLIES} ({_COLUMNS})
        SELECT NEW.organization_id, NEW.status, date(NEW.finished_at), 1 WHERE NEW.deleted_at IS NULL;
    END
    """,
    f"""
    CREATE TRIGGER {TALLIES}_delete AFTER DELETE ON {ENCODINGS}
    WHEN OLD.deleted_at IS NULL
    BEGIN
        INSERT INTO {TALLIES} ({_COLUMNS})
        SELECT OLD.organization_id, OLD.status, date(OLD.finished_at), -1
        WHERE EXISTS (SELECT 1 FROM {ORGANIZATIONS} WHERE id = OLD.organization_id);
    END
    """,
    f"""
    CREATE TRIGGER {TALLIES}_forget AFTER DELETE ON {ORGANIZATIONS}
    BEGIN
        DELETE FROM {TALLIES} WHERE organization_id = OLD.id;
    END
    """,
]

SQLITE_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS {TALLIES}_{name}" for name in ("forget", "delete", "update", "insert")
]

_DAY = {
    "postgresql": "(finished_at AT TIME ZONE 'UTC')::date",
    "sqlite": "date(finished_at)",
}


def recount_sql(vendor: str) -> str:
    """Every organization's tallies from its encodings, one row per group: the start the triggers add to."""
    day = _DAY[vendor]
    return (
        f"INSERT INTO {TALLIES} ({_COLUMNS}) "
        f"SELECT organization_id, status, {day}, count(*) FROM {ENCODINGS} "
        f"WHERE deleted_at IS NULL GROUP BY organization_id, status, {day}"
    )


def install(schema_editor) -> None:
    """Create the triggers and count what is there, in the migration's transaction: on PostgreSQL, creating
    a trigger locks the table against writes until the transaction commits, so no write falls between the
    count and the first trigger."""
    vendor = schema_editor.connection.vendor
    for statement in POSTGRESQL_INSTALL if vendor == "postgresql" else SQLITE_INSTALL:
        schema_editor.execute(statement)
    schema_editor.execute(f"DELETE FROM {TALLIES}")
    schema_editor.execute(recount_sql(vendor))


def uninstall(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in POSTGRESQL_UNINSTALL if vendor == "postgresql" else SQLITE_UNINSTALL:
        schema_editor.execute(statement)


def set_aside_on_sqlite(apps, schema_editor) -> None:
    """For a migration that changes the organizations' columns. SQLite does that by building a new table and
    renaming it into place, which it refuses while a trigger names the table (the tallies' triggers name the
    organizations), and the old table's own triggers go with it. So on SQLite the triggers are dropped first
    and created again, with a recount of the tallies, at the end (put_back_on_sqlite). PostgreSQL alters
    tables in place."""
    if schema_editor.connection.vendor == "sqlite":
        uninstall(schema_editor)


def put_back_on_sqlite(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        install(schema_editor)
