import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from encodings_app import crypto
from encodings_app.models import AlertChannel, AuditEvent, Organization

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
def test_organization_stores_its_key_encrypted_and_shows_it_masked(two_keys):
    organization = Organization(slug="acme", name="Acme")
    organization.key_rejected = True
    organization.set_api_key(API_KEY)
    organization.save()
    row = Organization.objects.values("api_key_encrypted", "api_key_last4").get()
    assert API_KEY not in row["api_key_encrypted"]
    assert row["api_key_last4"] == "f9a0"
    assert organization.masked_api_key == "••••••••f9a0"
    assert organization.key_rejected is False, "a new key clears the old key's rejection"
    assert Organization.objects.get().decrypt_api_key() == API_KEY


@pytest.mark.django_db
def test_rotate_keys_reencrypts_everything_once_and_can_be_run_again(two_keys, settings, capsys):
    old, new = two_keys
    for slug in ("one", "two", "three"):
        organization = Organization(slug=slug, name=slug)
        organization.set_api_key(f"{API_KEY}-{slug}")
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
        assert organization.decrypt_api_key() == f"{API_KEY}-{organization.slug}"
    channel.refresh_from_db()
    assert channel.decrypt_target() == "https://hooks.example.com/t0ken"
    assert channel.decrypt_signing_secret() == "signing-secret"


@pytest.mark.django_db
def test_rotate_keys_marks_a_key_it_cannot_read_and_goes_on(two_keys, settings, capsys):
    lost = Organization(slug="lost", name="Lost")
    lost.set_api_key(API_KEY)
    lost.save()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the old key is gone
    kept = Organization(slug="kept", name="Kept")
    kept.set_api_key(API_KEY)
    kept.save()

    call_command("rotate_keys")
    captured = capsys.readouterr()
    assert "1 unreadable" in captured.out
    assert "lost: api_key_encrypted cannot be decrypted" in captured.err
    assert API_KEY not in captured.out + captured.err
    assert Organization.objects.get(slug="lost").key_unreadable is True
    assert Organization.objects.get(slug="kept").key_unreadable is False
    assert (
        AuditEvent.objects.get(action=AuditEvent.Action.SECRETS_REENCRYPT).outcome
        == AuditEvent.Outcome.FAILED
    )
