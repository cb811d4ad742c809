"""After the encryption keys change, the webhook buttons answer in plain words, and the signing secret can be
replaced from the settings page; registering again then makes Bitmovin (the simulator) sign with it."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from encodings_app import crypto
from encodings_app.models import AuditEvent
from tests.factories import make_account_admin
from tests.services.test_webhooks import sign
from tests.support.api_client import point_at_simulator, remove_registered_webhooks, simulator_client
from tests.views.test_organization_settings import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def ada_looks_after_acmes_account(world):
    """Ada changes what Acme reads through (its key, API base URL and tenant id): an account admin's part."""
    make_account_admin(world.acme.connection, world.admin)


EVENTS = {"finished", "error", "transfer-error", "status-changed"}


@pytest.fixture
def second_account(simulator):
    """The root organization of the simulator's second account: no other test registers webhooks there."""
    return simulator.accounts()["accounts"][1]["organizations"][0]


@pytest.fixture
def acme(world, simulator, second_account, sim_key):
    yield point_at_simulator(world.acme, simulator, second_account["id"], sim_key)
    remove_registered_webhooks(world.acme, simulator, second_account["id"], sim_key)


def webhook_ids(simulator, key: str, tenant_id: str) -> set[str]:
    with simulator_client(simulator, tenant_id, key) as api:
        return {
            hook.id
            for event in ("finished", "error", "transfer-error")
            for hook in api.list_webhooks(event).items
        }


def test_after_the_encryption_keys_change_the_secret_can_be_replaced_and_webhooks_registered_again(
    acme, world, login, settings, simulator, second_account, sim_key
):
    client = login(world.admin)
    first = client.post("/o/acme/settings/webhooks/")
    assert "Registered: finished, error, transfer-error, status-changed." in first.content.decode()
    acme.refresh_from_db()
    old_ids = dict(acme.registered_webhooks)

    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the old key is gone

    webhooks = client.post("/o/acme/settings/webhooks/")
    connection = client.post("/o/acme/settings/test-connection/", follow=True)
    assert webhooks.status_code == 200 and connection.status_code == 200
    assert "The webhook signing secret cannot be decrypted" in webhooks.content.decode()
    assert "cannot be decrypted; enter it again in the settings" in connection.content.decode()

    confirm = client.post("/o/acme/settings/webhooks/secret/")
    assert confirm.status_code == 200
    assert "Yes, replace the signing secret" in confirm.content.decode()
    acme.refresh_from_db()
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(acme.webhook_secret_encrypted)  # asking for confirmation changed nothing

    replaced = client.post("/o/acme/settings/webhooks/secret/", {"confirm": "yes"})
    assert replaced.status_code == 302
    acme.refresh_from_db()
    new_secret = crypto.decrypt(acme.webhook_secret_encrypted)
    assert acme.webhooks_secret_stale is True
    assert "register the webhooks again" in client.get("/o/acme/settings/").content.decode()

    assert client.post("/o/acme/settings/", form_data(acme, api_key=sim_key)).status_code == 302
    again = client.post("/o/acme/settings/webhooks/").content.decode()

    assert (
        "Registered again with the new signing secret: finished, error, transfer-error, status-changed."
        in again
    )
    acme.refresh_from_db()
    assert set(acme.registered_webhooks) == EVENTS and acme.webhooks_secret_stale is False
    assert not set(old_ids.values()) & set(acme.registered_webhooks.values())
    listed = webhook_ids(simulator, sim_key, second_account["id"])
    assert acme.registered_webhooks["finished"] in listed
    assert not listed & set(old_ids.values()), "the webhooks signed with the old secret are gone"

    with simulator_client(simulator, second_account["id"], sim_key) as api:
        running = next(item for item in api.iter_encodings() if item.status in ("RUNNING", "QUEUED"))
    simulator.force_state(running.id, "FINISHED")
    delivery = simulator.wait_for_deliveries(1, webhookId=acme.registered_webhooks["finished"])[0]
    assert delivery["signature"] == sign(new_secret, delivery["body"].encode())

    actions = list(AuditEvent.objects.order_by("pk").values_list("action", "outcome"))
    assert (AuditEvent.Action.WEBHOOK_SECRET_RESET, AuditEvent.Outcome.OK) in actions
    assert actions.count((AuditEvent.Action.WEBHOOKS_REGISTER, AuditEvent.Outcome.FAILED)) == 1
    assert (AuditEvent.Action.KEY_SET, AuditEvent.Outcome.OK) in actions


def test_viewers_and_operators_cannot_replace_the_secret(world, login):
    world.acme.ensure_webhook_secret()
    world.acme.save()
    before = world.acme.webhook_secret_encrypted
    for user in (world.viewer, world.operator):
        response = login(user).post("/o/acme/settings/webhooks/secret/", {"confirm": "yes"})
        assert response.status_code == 403
    assert (
        login(world.outsider).post("/o/acme/settings/webhooks/secret/", {"confirm": "yes"}).status_code == 404
    )
    world.acme.refresh_from_db()
    assert world.acme.webhook_secret_encrypted == before
