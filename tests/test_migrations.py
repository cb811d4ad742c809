"""Data migrations, run forward from the state before them on the test database."""

import hashlib
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count

BEFORE = ("encodings_app", "0005_live_status_counts")
AFTER = ("encodings_app", "0006_audit_log_and_hardening")


@pytest.fixture(autouse=True)
def latest_schema_afterwards():
    """These tests leave the test database at an older migration; the tests that run after them in the same
    session need every table of the current schema (those of later migrations included)."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def migrate_to(target: tuple[str, str]):
    """The test database brought to `target`, forwards or backwards; returns the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_unverified_deliveries_stored_before_the_rule_lose_their_body_and_keep_a_digest():
    old = migrate_to(BEFORE)
    Organization = old.get_model("encodings_app", "Organization")
    WebhookDelivery = old.get_model("encodings_app", "WebhookDelivery")
    acme = Organization.objects.create(slug="acme", name="Acme Media")
    stranger = '{"note": "sent by a stranger"}'
    unsigned = WebhookDelivery.objects.create(organization=acme, verdict="missing", payload=stranger)
    forged = WebhookDelivery.objects.create(organization=acme, verdict="invalid", payload=stranger)
    genuine = WebhookDelivery.objects.create(organization=acme, verdict="valid", payload='{"eventId": "e1"}')

    new = migrate_to(AFTER).get_model("encodings_app", "WebhookDelivery")

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
    old = migrate_to(before)
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

    tally = migrate_to(after).get_model("encodings_app", "EncodingTally")
    assert sorted(tally.objects.values_list("status", "day", "n")) == [
        ("FINISHED", finished.date(), 2),
        ("RUNNING", None, 1),
    ]
    # The triggers count from here on.
    Encoding.objects.filter(bitmovin_id="e0").update(status="FINISHED", finished_at=finished)
    assert sum(tally.objects.filter(status="FINISHED").values_list("n", flat=True)) == 3

    migrate_to(before)
    Encoding.objects.create(organization=acme, bitmovin_id="after-unapply", status="QUEUED")
    assert "encodings_app_encodingtally" not in connection.introspection.table_names()


SHARED_KEY = "5a6b7c8d-shared-by-three-organizations"
OTHER_KEY = "9e8f7a6b-a-key-of-its-own"
LOST_KEY = "1c2d3e4f-under-a-key-since-removed"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_organizations_of_one_key_come_to_share_one_connection_and_no_plaintext_is_ever_written(settings):
    from cryptography.fernet import Fernet

    from encodings_app import crypto

    before, after = (
        ("encodings_app", "0016_encoding_tallies"),
        ("encodings_app", "0017_account_connections"),
    )
    old = migrate_to(before)
    Organization = old.get_model("encodings_app", "Organization")
    Encoding = old.get_model("encodings_app", "Encoding")
    api = "https://api.bitmovin.com/v1"
    current_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # a key the installation lost since
    lost_ciphertext = crypto.encrypt(LOST_KEY)
    settings.FIELD_ENCRYPTION_KEYS = current_keys

    def organization(slug: str, key: str | None, *, ciphertext: str = "", base_url: str = api, encodings=1):
        stored = ciphertext or (crypto.encrypt(key) if key else "")
        created = Organization.objects.create(
            slug=slug,
            name=slug.title(),
            api_base_url=base_url,
            tenant_org_id=f"tenant-{slug}",
            api_key_encrypted=stored,
            api_key_last4=key[-4:] if key else "",
        )
        for n in range(encodings):
            Encoding.objects.create(organization=created, bitmovin_id=f"{slug}-{n}", status="FINISHED")
        return created

    # Each ciphertext of the shared key differs (Fernet is randomized): only decrypting tells them apart.
    acme = organization("acme", SHARED_KEY, encodings=3)
    globex = organization("globex", SHARED_KEY, base_url=api + "/", encodings=2)
    initech = organization("initech", SHARED_KEY)
    umbrella = organization("umbrella", OTHER_KEY)
    keyless = organization("keyless", None)
    lost = organization("lost", LOST_KEY, ciphertext=lost_ciphertext)
    originals = {
        row["pk"]: row
        for row in Organization.objects.values("pk", "api_base_url", "api_key_encrypted", "api_key_last4")
    }
    encodings_before = dict(Encoding.objects.values_list("organization_id").annotate(n=Count("pk")))

    new = migrate_to(after)
    Connection = new.get_model("encodings_app", "AccountConnection")
    migrated = new.get_model("encodings_app", "Organization").objects.in_bulk()

    assert Connection.objects.count() == 3
    shared = Connection.objects.get(pk=migrated[acme.pk].connection_id)
    assert {migrated[pk].connection_id for pk in (acme.pk, globex.pk, initech.pk)} == {shared.pk}
    assert shared.name == "Acme", "the name of its first organization"
    assert shared.api_key_encrypted == originals[acme.pk]["api_key_encrypted"], "copied, not re-encrypted"
    assert (shared.api_key_last4, shared.api_base_url) == (SHARED_KEY[-4:], api)
    other = Connection.objects.get(pk=migrated[umbrella.pk].connection_id)
    assert (other.name, other.api_key_encrypted) == ("Umbrella", originals[umbrella.pk]["api_key_encrypted"])
    unreadable = Connection.objects.get(pk=migrated[lost.pk].connection_id)
    assert unreadable.api_key_encrypted == lost_ciphertext, "still unreadable, as it was"
    assert unreadable.pk not in {shared.pk, other.pk}
    assert migrated[keyless.pk].connection_id is None
    assert migrated[acme.pk].tenant_org_id == "tenant-acme", "each keeps its own tenant"
    assert dict(Encoding.objects.values_list("organization_id").annotate(n=Count("pk"))) == encodings_before
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - introspected names
            text = repr(cursor.fetchall())
            for plaintext in (SHARED_KEY, OTHER_KEY, LOST_KEY):
                assert plaintext not in text, table

    migrate_to(before)
    restored = {
        row["pk"]: row
        for row in Organization.objects.values("pk", "api_base_url", "api_key_encrypted", "api_key_last4")
    }
    # The organizations of the shared key get its first organization's ciphertext and base URL back: the
    # same key at the same address.
    for pk in (acme.pk, globex.pk, initech.pk):
        assert restored[pk] == {**originals[acme.pk], "pk": pk}
    for pk in (umbrella.pk, lost.pk):
        assert restored[pk] == originals[pk]
    assert restored[keyless.pk] == originals[keyless.pk], "no key, and the default base URL"
    assert "encodings_app_accountconnection" not in connection.introspection.table_names()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_only_admins_of_every_organization_of_a_connection_become_its_account_admins():
    before, after = (
        ("encodings_app", "0019_connection_checks"),
        ("encodings_app", "0020_account_memberships"),
    )
    old = migrate_to(before)
    User = old.get_model("auth", "User")
    Connection = old.get_model("encodings_app", "AccountConnection")
    Organization = old.get_model("encodings_app", "Organization")
    Membership = old.get_model("encodings_app", "Membership")
    shared = Connection.objects.create(name="Shared", api_key_encrypted="x", api_key_last4="abcd")
    alone = Connection.objects.create(name="Alone", api_key_encrypted="y", api_key_last4="wxyz")
    acme, globex = (
        Organization.objects.create(slug=s, name=s, connection=shared) for s in ("acme", "globex")
    )
    umbrella = Organization.objects.create(slug="umbrella", name="umbrella", connection=alone)
    ada, bob, cy = (User.objects.create(username=name) for name in ("ada", "bob", "cy"))
    for user, organization, role in [
        (ada, acme, "admin"),
        (ada, globex, "admin"),  # admin of both: could replace the shared key before
        (bob, acme, "admin"),
        (bob, globex, "operator"),  # not of both: could not
        (cy, umbrella, "admin"),
        (ada, umbrella, "viewer"),
    ]:
        Membership.objects.create(user=user, organization=organization, role=role)

    new = migrate_to(after)
    granted = new.get_model("encodings_app", "AccountMembership").objects.values_list(
        "user__username", "connection__name", "role"
    )

    assert sorted(granted) == [("ada", "Shared", "admin"), ("cy", "Alone", "admin")]
