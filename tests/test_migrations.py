"""Data migrations, run forward from the state before them on the test database."""

import hashlib
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("encodings_app", "0005_live_status_counts")
AFTER = ("encodings_app", "0006_audit_log_and_hardening")


@pytest.fixture(autouse=True)
def latest_schema_afterwards():
    """These tests leave the test database at an older migration; the tests that run after them in the same
    session need every table of the current schema (those of later migrations included)."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_unverified_deliveries_stored_before_the_rule_lose_their_body_and_keep_a_digest():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps
    Organization = old.get_model("encodings_app", "Organization")
    WebhookDelivery = old.get_model("encodings_app", "WebhookDelivery")
    acme = Organization.objects.create(slug="acme", name="Acme Media")
    stranger = '{"note": "sent by a stranger"}'
    unsigned = WebhookDelivery.objects.create(organization=acme, verdict="missing", payload=stranger)
    forged = WebhookDelivery.objects.create(organization=acme, verdict="invalid", payload=stranger)
    genuine = WebhookDelivery.objects.create(organization=acme, verdict="valid", payload='{"eventId": "e1"}')

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([AFTER])
    new = executor.loader.project_state([AFTER]).apps.get_model("encodings_app", "WebhookDelivery")

    for row in (unsigned, forged):
        after = new.objects.get(pk=row.pk)
        assert after.payload == ""
        assert after.body_size == len(stranger)
        assert after.body_sha256 == hashlib.sha256(stranger.encode()).hexdigest()
    assert new.objects.get(pk=genuine.pk).payload == '{"eventId": "e1"}'


INDEX_MIGRATIONS = ("0004_list_order_indexes", "0005_live_status_counts", "0015_message_indexes_and_counts")


# transaction=True: sqlmigrate opens a schema editor, which SQLite refuses inside a test's transaction.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("migration", INDEX_MIGRATIONS)
def test_index_migrations_build_without_locking_writes_on_postgresql(migration):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("sqlmigrate", "encodings_app", migration, stdout=out)
    sql = out.getvalue()
    creates = [line for line in sql.splitlines() if line.startswith("CREATE INDEX")]
    assert creates, sql
    if connection.vendor == "postgresql":
        assert all(line.startswith("CREATE INDEX CONCURRENTLY") for line in creates), sql
        drops = [line for line in sql.splitlines() if line.startswith("DROP INDEX")]
        assert all(line.startswith("DROP INDEX CONCURRENTLY") for line in drops), sql
        assert "BEGIN;" not in sql, "CONCURRENTLY cannot run inside a transaction"
    else:
        assert not any("CONCURRENTLY" in line for line in creates), sql


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_index_migrations_apply_and_unapply_on_this_database():
    executor = MigrationExecutor(connection)
    executor.migrate([("encodings_app", "0003_organization_data_version")])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "encodings_app_encoding")
    for name in ("enc_org_created", "enc_org_name", "enc_org_live_status"):
        assert name in indexes
    with connection.cursor() as cursor:
        message_indexes = connection.introspection.get_constraints(cursor, "encodings_app_message")
    assert {"msg_encoding_time", "msg_encoding_type_time"} <= set(message_indexes)
    # The foreign key's own index went: the indexes that start with the encoding serve its lookups.
    assert not [
        name
        for name, index in message_indexes.items()
        if index["index"] and index["columns"] == ["encoding_id"]
    ]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_tallies_start_from_the_encodings_already_mirrored_and_go_away_when_unapplied():
    before, after = (
        ("encodings_app", "0015_message_indexes_and_counts"),
        ("encodings_app", "0016_encoding_tallies"),
    )
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    Organization = old.get_model("encodings_app", "Organization")
    Encoding = old.get_model("encodings_app", "Encoding")
    acme = Organization.objects.create(slug="acme", name="Acme Media")
    finished = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    for n, (status, finished_at, deleted_at) in enumerate(
        [
            ("RUNNING", None, None),
            ("FINISHED", finished, None),
            ("FINISHED", finished, None),
            ("ERROR", None, finished),
        ]
    ):
        Encoding.objects.create(
            organization=acme,
            bitmovin_id=f"e{n}",
            status=status,
            finished_at=finished_at,
            deleted_at=deleted_at,
        )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([after])
    tally = executor.loader.project_state([after]).apps.get_model("encodings_app", "EncodingTally")
    assert sorted(tally.objects.values_list("status", "day", "n")) == [
        ("FINISHED", finished.date(), 2),
        ("RUNNING", None, 1),
    ]
    # The triggers count from here on.
    Encoding.objects.filter(bitmovin_id="e0").update(status="FINISHED", finished_at=finished)
    assert sum(tally.objects.filter(status="FINISHED").values_list("n", flat=True)) == 3

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([before])
    Encoding.objects.create(organization=acme, bitmovin_id="after-unapply", status="QUEUED")
    assert "encodings_app_encodingtally" not in connection.introspection.table_names()
