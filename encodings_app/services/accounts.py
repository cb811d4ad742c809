"""A user's own account: changing their password on the account page.

The API tokens of the account are left alone: they are separate credentials, revoked on their own.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from encodings_app.services.audit import Action, audit_record


@sensitive_variables("new_password")
def account_password_change(*, user: Any, new_password: str, request: HttpRequest | None = None) -> None:
    """Set `user`'s new password (already validated) and record that it changed, never what it is.

    Every session opened with the old password ends with it: Django ties a session to the password hash it
    was opened with. The caller keeps its own session with update_session_auth_hash.
    """
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(action=Action.PASSWORD_CHANGE, user=user, target=user.get_username(), request=request)
