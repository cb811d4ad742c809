"""Organizations (Bitmovin tenants) with their sync state, and their members. The API key an organization is
read with lives on its account connection (models/connections.py), shared with the other organizations it
reaches."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from encodings_app import crypto
from encodings_app.models.choices import REGISTERED_WEBHOOK_EVENTS, Role
from encodings_app.models.connections import AccountConnection

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a colour like #1d5bb8.")
slug_validator = RegexValidator(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", "Use lowercase letters, digits and hyphens.")


def webhooks_work(registered_webhooks: dict | None, secret_stale: bool) -> bool:
    """Organization.webhooks_working, for reads that fetch the two columns without the model."""
    registered = registered_webhooks or {}
    return not secret_stale and all(registered.get(event) for event in REGISTERED_WEBHOOK_EVENTS)


class Organization(models.Model):
    """A Bitmovin organization (tenant) watched by the dashboard, read through its account connection."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(max_length=60, unique=True, validators=[slug_validator])
    name = models.CharField(max_length=120)
    colour = models.CharField(max_length=7, default="#1d5bb8", validators=[hex_colour])
    # Null until a key is entered: an organization without a key has no connection. PROTECT: removing a
    # connection that organizations still read through would silently stop their syncs.
    connection = models.ForeignKey(
        AccountConnection, null=True, blank=True, on_delete=models.PROTECT, related_name="organizations"
    )
    tenant_org_id = models.CharField(
        "tenant organization id",
        max_length=64,
        blank=True,
        help_text="Sent as X-Tenant-Org-Id when set (a sub-organization's id).",
    )
    bitmovin_parent_id = models.CharField(
        max_length=64,
        blank=True,
        help_text="The Bitmovin organization this one is a sub-organization of, as the key reported it when "
        "watched or last checked; blank for an account's own organization or when not known.",
    )
    unreachable_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Since when its connection's key no longer reaches this tenant (the connection's periodic "
        "check); kept, with its mirror, until an admin removes it or the key reaches it again.",
    )
    # Encrypted like API keys (see crypto.py).
    webhook_secret_encrypted = models.TextField(blank=True)
    registered_webhooks = models.JSONField(
        default=dict, blank=True, help_text="Webhook ids registered in Bitmovin by this dashboard, by event."
    )
    webhooks_secret_stale = models.BooleanField(
        default=False,
        help_text="The signing secret was replaced after these webhooks were registered: registering again "
        "replaces them, so that Bitmovin signs with the current secret.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Bumped whenever the mirror of this organization changes: a wall display's poll compares it (one
    # cheap query) to decide whether anything needs rendering again.
    data_version = models.BigIntegerField(default=0)

    # Sync state, written by services/sync.py and shown on the pages.
    sync_enabled = models.BooleanField(default=True)
    last_sync_started_at = models.DateTimeField(null=True, blank=True)
    last_sync_succeeded_at = models.DateTimeField(null=True, blank=True)
    last_full_sync_at = models.DateTimeField(null=True, blank=True)
    created_watermark = models.DateTimeField(
        null=True, blank=True, help_text="Newest createdAt seen: the next sync asks only for newer encodings."
    )
    finished_watermark = models.DateTimeField(
        null=True, blank=True, help_text="Newest finishedAt seen, for the recently-finished query."
    )
    consecutive_failures = models.PositiveIntegerField(default=0)
    consecutive_partial_syncs = models.PositiveIntegerField(
        default=0, help_text="Syncs in a row that left a part unread (services/sync_state.py)."
    )
    key_rejected = models.BooleanField(
        default=False, help_text="The API refused the key (401); syncing stops until the key changes."
    )
    key_unreadable = models.BooleanField(
        default=False, help_text="The stored key cannot be decrypted with the configured keys; never sent."
    )
    sync_paused_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when the API's rate limit (or our own budget for it) is reached.",
    )
    rate_limited_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a sync last ended on a rate limit (the API's, or our own budget).",
    )
    # The lease that makes one sync per organization at a time, across processes and machines: taken and
    # released with conditional UPDATEs, and expiring by itself if the worker holding it dies.
    sync_lease_token = models.CharField(max_length=32, blank=True)
    sync_lease_expires_at = models.DateTimeField(null=True, blank=True)
    # A full reconciliation walks every encoding, oldest first, possibly over several runs (rate limits).
    full_sync_started_at = models.DateTimeField(null=True, blank=True)
    full_sync_cursor = models.DateTimeField(null=True, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_error_code = models.IntegerField(null=True, blank=True)
    last_error_http_status = models.IntegerField(null=True, blank=True)
    last_error_message = models.TextField(blank=True)
    last_error_request_id = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    # --- secrets -----------------------------------------------------------------------------------------
    @property
    def has_api_key(self) -> bool:
        """Read through a connection whose key is set (select_related("connection") where many are read;
        without a connection no query is made)."""
        return self.connection is not None and self.connection.has_api_key

    @sensitive_variables()
    def ensure_webhook_secret(self) -> str:
        """The signing secret Bitmovin uses for this organization's webhooks (created on first use).

        Raises crypto.DecryptionError when the stored one cannot be decrypted (see replace_webhook_secret).
        """
        if not self.webhook_secret_encrypted:
            self.webhook_secret_encrypted = crypto.encrypt(secrets.token_urlsafe(32))
        return crypto.decrypt(self.webhook_secret_encrypted)

    @sensitive_variables()
    def replace_webhook_secret(self) -> None:
        """A new signing secret (not saved). Webhooks registered with the old one are marked for replacing."""
        self.webhook_secret_encrypted = crypto.encrypt(secrets.token_urlsafe(32))
        self.webhooks_secret_stale = bool(self.registered_webhooks)

    # --- health --------------------------------------------------------------------------------------------
    @property
    def webhooks_working(self) -> bool:
        """Bitmovin posts every event this dashboard registers for, signed with the current secret: polling is
        then a safety net. (Deliveries that stop arriving are not noticed here; the safety net catches up.)"""
        return webhooks_work(self.registered_webhooks, self.webhooks_secret_stale)

    @property
    def sync_is_paused(self) -> bool:
        return self.sync_paused_until is not None and self.sync_paused_until > timezone.now()

    @property
    def can_sync(self) -> bool:
        return self.sync_enabled and self.has_api_key and not self.key_rejected and not self.key_unreadable


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_pair")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"
