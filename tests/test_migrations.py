"""Data migrations, run forward from the state before them on the test database."""

import hashlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("encodings_app", "0005_live_status_counts")
AFTER = ("encodings_app", "0006_audit_log_and_hardening")


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
