"""Encryption of secrets at rest (organizations' API keys and webhook signing secrets).

Stored form: ``v1:<key id>:<Fernet token>``. The key id (a short hash of the Fernet key that encrypted the
value) lets `rotate_keys` find, and resume on, exactly the values not yet under the current first key,
without decrypting anything else. Decryption tries every configured key (MultiFernet), so old keys keep
working until the rotation has finished.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

_VERSION = "v1"


class DecryptionError(Exception):
    """A stored secret could not be decrypted with any configured key (a key was removed or the value is
    corrupt). Callers fail closed: the secret is never used."""


def key_id(fernet_key: str) -> str:
    return hashlib.sha256(fernet_key.encode()).hexdigest()[:8]


@lru_cache(maxsize=8)
def _keyring(keys: tuple[str, ...]) -> tuple[str, MultiFernet]:
    return key_id(keys[0]), MultiFernet([Fernet(key.encode()) for key in keys])


def _current() -> tuple[str, MultiFernet]:
    return _keyring(tuple(settings.FIELD_ENCRYPTION_KEYS))


def current_key_id() -> str:
    return _current()[0]


@sensitive_variables("plaintext")
def encrypt(plaintext: str) -> str:
    primary_id, fernet = _current()
    token = fernet.encrypt(plaintext.encode()).decode()
    return f"{_VERSION}:{primary_id}:{token}"


def decrypt(stored: str) -> str:
    version, _, rest = stored.partition(":")
    _, _, token = rest.partition(":")
    if version != _VERSION or not token:
        raise DecryptionError("stored secret has an unknown format")
    try:
        return _current()[1].decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError("stored secret cannot be decrypted with the configured keys") from None


def stored_key_id(stored: str) -> str | None:
    parts = stored.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] == _VERSION else None


def needs_rotation(stored: str) -> bool:
    return bool(stored) and stored_key_id(stored) != current_key_id()


def rotate(stored: str) -> str:
    """Re-encrypt under the current first key; raises DecryptionError when no key can read the value."""
    return encrypt(decrypt(stored))


def mask(last4: str) -> str:
    """How a secret is shown anywhere: a fixed run of dots and the last four characters."""
    return f"••••••••{last4}" if last4 else ""
