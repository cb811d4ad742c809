"""Database sessions (Django's) that take a session cookie Django could never have issued for no session.

Django validates a session cookie by its length only and looks any such value up; PostgreSQL refuses a query
whose text holds a NUL byte, so a forged cookie with one turned every request into a server error. Session
keys are made of lowercase letters and digits only (django.contrib.sessions.backends.base.VALID_KEY_CHARS).
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

_KEY_CHARS = frozenset(VALID_KEY_CHARS)


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key: str | None) -> bool:
        return bool(super()._validate_session_key(key)) and set(key) <= _KEY_CHARS
