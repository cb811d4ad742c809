"""Bearer tokens stored as hashes: personal API tokens and wall display links."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from encodings_app.models.organizations import Organization


class HashedToken(models.Model):
    """A bearer token kept only as its SHA-256 (encodings_app/tokens.py), with its first characters to tell
    it apart; revoking it keeps the row, for the audit log and the pages' history."""

    token_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=16, help_text="The first characters, to tell tokens apart.")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiToken(HashedToken):
    """A personal token for the REST API, sent as X-Api-Key; it acts as its user, with the user's roles."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.hint})"


class DisplayToken(HashedToken):
    """A read-only wall display link for one or several organizations: no login, no expiry, revocable."""

    label = models.CharField(max_length=100)
    organizations = models.ManyToManyField(Organization, related_name="display_tokens")
    poll_seconds = models.PositiveIntegerField(default=10)
    # More organizations than fit one screen are shown in pages, each for this many seconds.
    rotate_seconds = models.PositiveIntegerField(default=20)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "wall display link"

    def __str__(self) -> str:
        return self.label
