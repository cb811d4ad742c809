import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from encodings_app import crypto
from encodings_app.models import AccountConnection, AlertChannel, AuditEvent, Organization
from encodings_app.services.connections import connection_save
from tests.factories import make_connection, make_organization

API_KEY = "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f9a0"


@pytest.fixture
def two_keys(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    return old, new


def test_encrypted_value_names_its_key_and_hides_the_plaintext(two_keys):
    stored = crypto.encrypt(API_KEY)
    assert API_KEY not in stored
    assert stored.startswith(f"v1:{crypto.key_id(two_keys[0])}:")
    assert crypto.decrypt(stored) == API_KEY


def test_old_values_stay_readable_after_a_new_first_key_is_added(two_keys, settings):
    old, new = two_keys
    stored = crypto.encrypt(API_KEY)
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert crypto.needs_rotation(stored)
    assert crypto.decrypt(stored) == API_KEY
    rotated = crypto.rotate(stored)
    assert crypto.stored_key_id(rotated) == crypto.key_id(new)
    assert not crypto.needs_rotation(rotated)


def test_value_without_its_key_fails_closed(two_keys, settings):
    stored = crypto.encrypt(API_KEY)
    settings.FIELD_ENCRYPTION_KEYS = [two_keys[1]]
    with pytest.raises(crypto.DecryptionError) as excinfo:
        crypto.decrypt(stored)
    assert API_KEY not in str(excinfo.value)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("garbage")


def test_mask_shows_only_the_last_four_characters():
    assert crypto.mask("f9a0") == "••••••••f9a0"
    assert crypto.mask("") == ""


@pytest.mark.django_db
def test_a_connection_stores_its_key_encrypted_and_shows_it_masked(two_keys):
    connection = make_connection(api_key="an-old-key")
    rejected = make_organization("acme", connection=connection, key_rejected=True, consecutive_failures=3)
    unreadable = make_organization("globex", connection=connection, key_unreadable=True)
    elsewhere = make_organization("initech", api_key="another-key", key_rejected=True)

    connection.set_api_key(API_KEY)
    connection_save(connection=connection, key_replaced=True)

    row = AccountConnection.objects.values("api_key_encrypted", "api_key_last4").get(pk=connection.pk)
    assert API_KEY not in row["api_key_encrypted"]
    assert row["api_key_last4"] == "f9a0"
    assert connection.masked_api_key == "••••••••f9a0"
    assert AccountConnection.objects.get(pk=connection.pk).decrypt_api_key() == API_KEY
    for organization in (rejected, unreadable):
        organization.refresh_from_db()
        assert organization.has_api_key
        assert not organization.key_rejected and not organization.key_unreadable, "a new key, a fresh chance"
        assert organization.consecutive_failures == 0
    elsewhere.refresh_from_db()
    assert elsewhere.key_rejected, "another connection's verdict is about another key"


@pytest.mark.django_db
def test_rotate_keys_reencrypts_everything_once_and_can_be_run_again(two_keys, settings, capsys):
    old, new = two_keys
    for slug in ("one", "two", "three"):
        organization = make_organization(slug, name=slug, api_key=f"{API_KEY}-{slug}")
        organization.ensure_webhook_secret()
        organization.save()
    # A signed webhook channel: its URL and its signing secret are secrets too.
    channel = AlertChannel.objects.create(
        organization=organization,
        kind=AlertChannel.Kind.WEBHOOK,
        name="hook",
        target_encrypted=crypto.encrypt("https://hooks.example.com/t0ken"),
        target_hint="https://hooks.example.com/••••••••0ken",
        signing_secret_encrypted=crypto.encrypt("signing-secret"),
    )
    settings.FIELD_ENCRYPTION_KEYS = [new, old]

    call_command("rotate_keys")
    assert "rotated 8 secret(s); 0 already under the current key; 0 unreadable" in capsys.readouterr().out
    call_command("rotate_keys")
    assert "rotated 0 secret(s); 8 already under the current key" in capsys.readouterr().out
    # One audit entry, for the run that changed something; never a key in it.
    (entry,) = AuditEvent.objects.filter(action=AuditEvent.Action.SECRETS_REENCRYPT)
    assert entry.outcome == AuditEvent.Outcome.OK and entry.detail.startswith("Rotated 8 secret(s)")
    assert API_KEY not in entry.detail

    settings.FIELD_ENCRYPTION_KEYS = [new]
    for organization in Organization.objects.all():
        assert organization.connection.decrypt_api_key() == f"{API_KEY}-{organization.slug}"
    channel.refresh_from_db()
    assert channel.decrypt_target() == "https://hooks.example.com/t0ken"
    assert channel.decrypt_signing_secret() == "signing-secret"


@pytest.mark.django_db
def test_rotate_keys_marks_a_key_it_cannot_read_and_goes_on(two_keys, settings, capsys):
    lost = make_organization("lost", name="Lost", api_key=API_KEY)
    make_organization("lost-too", name="Lost too", connection=lost.connection)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the old key is gone
    make_organization("kept", name="Kept", api_key=API_KEY)

    call_command("rotate_keys")
    captured = capsys.readouterr()
    assert "1 unreadable" in captured.out
    assert "lost: api_key_encrypted cannot be decrypted" in captured.err
    assert API_KEY not in captured.out + captured.err
    assert "lost-too: api_key_encrypted cannot be decrypted" in captured.err
    assert Organization.objects.get(slug="lost").key_unreadable is True
    assert Organization.objects.get(slug="lost-too").key_unreadable is True, "every organization of the key"
    assert Organization.objects.get(slug="kept").key_unreadable is False
    assert (
        AuditEvent.objects.get(action=AuditEvent.Action.SECRETS_REENCRYPT).outcome
        == AuditEvent.Outcome.FAILED
    )
