"""Account connections: a Bitmovin account's API key, stored once and bound to the API address it is sent
to, shared by every organization of the dashboard that the key reaches."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.views.decorators.debug import sensitive_variables

from encodings_app import crypto
from encodings_app.models.choices import DEFAULT_API_BASE_URL, Role


class AccountConnection(models.Model):
    """One API key at one API base URL. Organizations read through it; each adds its own tenant id."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120, help_text="What the pages call the Bitmovin account.")
    api_base_url = models.URLField("API base URL", max_length=300, default=DEFAULT_API_BASE_URL)
    # Secrets: encrypted (see crypto.py); the last four characters are kept apart so that pages can show a
    # masked key without decrypting it.
    api_key_encrypted = models.TextField()
    api_key_last4 = models.CharField(max_length=4, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The periodic check of what the key reaches (services/account_connect.py, connection_check).
    checked_at = models.DateTimeField(null=True, blank=True)
    check_problem = models.TextField(
        blank=True, help_text="Why the last check could not read what the key reaches; blank when it could."
    )
    offered = models.JSONField(
        default=list,
        blank=True,
        help_text="Organizations the key reaches that nobody watches, as the last check found them: "
        "[{id, name, parentId, firstSeen}]. Offered to the account admin, never watched without them.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @sensitive_variables("api_key")
    def set_api_key(self, api_key: str) -> None:
        """Replace the key in memory. Saving it goes through services.connections.connection_save, which
        also gives every organization of the connection a fresh chance (their verdicts were about the old
        key)."""
        api_key = api_key.strip()
        self.api_key_encrypted = crypto.encrypt(api_key)
        self.api_key_last4 = api_key[-4:]

    @sensitive_variables()
    def decrypt_api_key(self) -> str:
        """Only for building an API client. Raises crypto.DecryptionError (callers mark key_unreadable)."""
        return crypto.decrypt(self.api_key_encrypted)

    @property
    def masked_api_key(self) -> str:
        return crypto.mask(self.api_key_last4)

    @property
    def has_api_key(self) -> bool:
        return bool(self.api_key_encrypted)


class AccountMembership(models.Model):
    """A role across a whole account: in every organization read through the connection, now or later.
    An account admin also looks after the connection itself (its key, which of its organizations are
    watched, each one's tenant id, who else has a role across it). A user's role in an organization is the
    higher of this and their own membership of it (access.py)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_memberships"
    )
    connection = models.ForeignKey(AccountConnection, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "connection"], name="account_membership_unique_pair")
        ]

    def __str__(self) -> str:
        return f"{self.user} across {self.connection} ({self.role})"
