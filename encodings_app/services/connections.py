"""Account connections: finding the one that already holds a key, and saving one, which every organization
read through it then uses.

A key is stored once per (key, API base URL): organizations reaching several tenants of one Bitmovin account
share its connection, and each adds its own tenant organization id. Replacing the key (or its base URL) on a
connection replaces it for all of them.
"""

from __future__ import annotations

import hmac

from django.views.decorators.debug import sensitive_variables

from encodings_app import crypto
from encodings_app.models import AccountConnection, Organization
from encodings_app.services.clients import same_base_url

# A new key deserves a fresh chance: the rejection and decryption verdicts, and the failures counted, were
# about the old one.
FRESH_KEY_VERDICTS = {"key_rejected": False, "key_unreadable": False, "consecutive_failures": 0}


@sensitive_variables("api_key", "stored_key")
def connection_matching(*, api_key: str, api_base_url: str) -> AccountConnection | None:
    """The connection already holding this key for this base URL, if any. Ciphertexts of one key differ
    (Fernet is randomized), so each connection at that address is decrypted in memory and compared; one
    that cannot be decrypted matches nothing."""
    api_key = api_key.strip()
    for connection in AccountConnection.objects.order_by("pk"):
        if not same_base_url(connection.api_base_url, api_base_url):
            continue
        try:
            stored_key = connection.decrypt_api_key()
        except crypto.DecryptionError:
            continue
        if hmac.compare_digest(stored_key.encode(), api_key.encode()):
            return connection
    return None


def connection_save(*, connection: AccountConnection, key_replaced: bool) -> None:
    """Save the connection. When its key was replaced (AccountConnection.set_api_key), every organization
    read through it gets a fresh chance (FRESH_KEY_VERDICTS) in the database. An organization the caller
    holds in memory and saves afterwards needs the same values set on it (with_fresh_key_verdicts), or its
    save brings the old verdicts back."""
    connection.save()
    if key_replaced:
        Organization.objects.filter(connection=connection).update(**FRESH_KEY_VERDICTS)


def with_fresh_key_verdicts(organization: Organization) -> None:
    for name, value in FRESH_KEY_VERDICTS.items():
        setattr(organization, name, value)
