"""The mirror of Bitmovin organizations, encodings and messages, and the dashboard's own bookkeeping.

Models hold data and small derived properties; network I/O lives in services/, reads for pages in
selectors.py.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from encodings_app import crypto

DEFAULT_API_BASE_URL = "https://api.bitmovin.com/v1"


class EncodingStatus(models.TextChoices):
    CREATED = "CREATED", "Created"
    QUEUED = "QUEUED", "Queued"
    RUNNING = "RUNNING", "Running"
    FINISHED = "FINISHED", "Finished"
    ERROR = "ERROR", "Error"
    CANCELED = "CANCELED", "Canceled"
    TRANSFER_ERROR = "TRANSFER_ERROR", "Transfer error"


ACTIVE_STATUSES = (EncodingStatus.QUEUED, EncodingStatus.RUNNING)
TERMINAL_STATUSES = (
    EncodingStatus.FINISHED,
    EncodingStatus.ERROR,
    EncodingStatus.CANCELED,
    EncodingStatus.TRANSFER_ERROR,
)
FAILED_STATUSES = (EncodingStatus.ERROR, EncodingStatus.TRANSFER_ERROR)


class MessageType(models.TextChoices):
    ERROR = "ERROR", "Error"
    WARNING = "WARNING", "Warning"
    INFO = "INFO", "Info"
    DEBUG = "DEBUG", "Debug"
    TRACE = "TRACE", "Trace"


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    OPERATOR = "operator", "Operator"
    VIEWER = "viewer", "Viewer"


hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a colour like #1d5bb8.")
slug_validator = RegexValidator(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", "Use lowercase letters, digits and hyphens.")


class Organization(models.Model):
    """A Bitmovin organization (tenant) watched by the dashboard, with the API key used to read it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(max_length=60, unique=True, validators=[slug_validator])
    name = models.CharField(max_length=120)
    colour = models.CharField(max_length=7, default="#1d5bb8", validators=[hex_colour])
    api_base_url = models.URLField(max_length=300, default=DEFAULT_API_BASE_URL)
    tenant_org_id = models.CharField(
        max_length=64, blank=True, help_text="Sent as X-Tenant-Org-Id when set (a sub-organization's id)."
    )
    # Secrets: encrypted (see crypto.py); the last four characters are kept apart so that pages can show a
    # masked key without decrypting it.
    api_key_encrypted = models.TextField(blank=True)
    api_key_last4 = models.CharField(max_length=4, blank=True)
    webhook_secret_encrypted = models.TextField(blank=True)
    registered_webhooks = models.JSONField(
        default=dict, blank=True, help_text="Webhook ids registered in Bitmovin by this dashboard, by event."
    )
    created_at = models.DateTimeField(auto_now_add=True)

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
    def set_api_key(self, api_key: str) -> None:
        api_key = api_key.strip()
        self.api_key_encrypted = crypto.encrypt(api_key)
        self.api_key_last4 = api_key[-4:]
        # A new key deserves a fresh chance: the rejection and decryption verdicts were about the old one.
        self.key_rejected = False
        self.key_unreadable = False
        self.consecutive_failures = 0

    def decrypt_api_key(self) -> str:
        """Only for building an API client. Raises crypto.DecryptionError (callers mark key_unreadable)."""
        return crypto.decrypt(self.api_key_encrypted)

    @property
    def masked_api_key(self) -> str:
        return crypto.mask(self.api_key_last4)

    @property
    def has_api_key(self) -> bool:
        return bool(self.api_key_encrypted)

    def ensure_webhook_secret(self) -> str:
        """The signing secret Bitmovin uses for this organization's webhooks (created on first use)."""
        if not self.webhook_secret_encrypted:
            self.webhook_secret_encrypted = crypto.encrypt(secrets.token_urlsafe(32))
        return crypto.decrypt(self.webhook_secret_encrypted)

    # --- health --------------------------------------------------------------------------------------------
    @property
    def sync_is_paused(self) -> bool:
        return self.sync_paused_until is not None and self.sync_paused_until > timezone.now()

    @property
    def can_sync(self) -> bool:
        return self.sync_enabled and self.has_api_key and not self.key_rejected and not self.key_unreadable

    def sync_is_behind(self, interval_seconds: int) -> bool:
        """No successful sync within three sweep intervals (or never)."""
        if self.last_sync_succeeded_at is None:
            return True
        return timezone.now() - self.last_sync_succeeded_at > timedelta(seconds=3 * interval_seconds)


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


class Encoding(models.Model):
    """One Bitmovin encoding as last read from the API, with its status Task's details."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="encodings")
    bitmovin_id = models.CharField(max_length=64)
    name = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    type = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=32, blank=True)
    progress = models.IntegerField(null=True, blank=True)
    eta_seconds = models.FloatField(null=True, blank=True)
    cloud_region = models.CharField(max_length=64, blank=True)
    selected_cloud_region = models.CharField(max_length=64, blank=True)
    fallback_cloud_regions = models.JSONField(default=list, blank=True)
    selected_fallback_cloud_regions = models.JSONField(default=list, blank=True)
    encoder_version = models.CharField(max_length=64, blank=True)
    selected_encoder_version = models.CharField(max_length=64, blank=True)
    selected_encoding_mode = models.CharField(max_length=32, blank=True)
    infrastructure = models.JSONField(null=True, blank=True)
    static_ip_id = models.CharField(max_length=64, blank=True)
    live_options_type = models.CharField(max_length=16, blank=True)
    labels = models.JSONField(default=list, blank=True)
    custom_data = models.JSONField(null=True, blank=True)

    # Bitmovin's timestamps, as the API reported them.
    created_at = models.DateTimeField(null=True, blank=True)
    modified_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    running_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error_at = models.DateTimeField(null=True, blank=True)

    # From the status Task (GET .../status).
    error_code = models.IntegerField(null=True, blank=True)
    error_category = models.CharField(max_length=120, blank=True)
    error_text = models.TextField(blank=True)
    error_retry_hint = models.CharField(max_length=40, blank=True)
    subtasks = models.JSONField(default=list, blank=True)

    # Sync bookkeeping (the mirror's own times, distinct from Bitmovin's).
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now, help_text="Last seen in a list from the API.")
    status_synced_at = models.DateTimeField(null=True, blank=True)
    status_synced_for = models.CharField(
        max_length=32,
        blank=True,
        help_text="The status the last status Task was read for: a change means re-read.",
    )
    progress_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When progress last moved: a RUNNING encoding whose progress stalls is stuck.",
    )
    deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when a full sync no longer finds the encoding in the API."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "bitmovin_id"], name="encoding_unique_per_org"),
        ]
        indexes = [
            # Encodings list, default order (newest first) and the created-time range filter.
            models.Index(fields=["organization", "-created_at"], name="enc_org_created"),
            # Encodings list filtered by status (and the overview's counts by status); sync's active set.
            models.Index(fields=["organization", "status", "-created_at"], name="enc_org_status_created"),
            # Encodings list filtered by type (VOD/LIVE).
            models.Index(fields=["organization", "type", "-created_at"], name="enc_org_type_created"),
            # Encodings list sorted by finish time, and "finished per day" statistics.
            models.Index(fields=["organization", "-finished_at"], name="enc_org_finished"),
            # Encodings list sorted by start time.
            models.Index(fields=["organization", "-started_at"], name="enc_org_started"),
            # Encodings list sorted by name, and the name: search prefix match.
            models.Index(fields=["organization", "name"], name="enc_org_name"),
            # Overview: recent failures grouped by error code, newest first.
            models.Index(
                fields=["organization", "error_code", "-finished_at"],
                name="enc_org_error_finished",
                condition=Q(error_code__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.bitmovin_id

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_failed(self) -> bool:
        return self.status in FAILED_STATUSES

    @property
    def is_live(self) -> bool:
        return self.type == "LIVE"

    def is_stuck(self, *, now=None, queued_too_long=None, no_progress_for=None) -> bool:
        """QUEUED for too long, or RUNNING without progress for too long (thresholds from settings)."""
        now = now or timezone.now()
        queued_too_long = queued_too_long or timedelta(seconds=settings.STUCK_QUEUED_SECONDS)
        no_progress_for = no_progress_for or timedelta(seconds=settings.STUCK_NO_PROGRESS_SECONDS)
        if self.status == EncodingStatus.QUEUED:
            since = self.queued_at or self.started_at or self.created_at
            return since is not None and now - since > queued_too_long
        if self.status == EncodingStatus.RUNNING:
            since = self.progress_changed_at or self.running_at
            return since is not None and now - since > no_progress_for
        return False


class EncodingLabel(models.Model):
    """One label of one encoding, so that the list can filter by label with an index on any database
    (JSON containment is not available on SQLite). Encoding.labels keeps the list for display."""

    encoding = models.ForeignKey(Encoding, on_delete=models.CASCADE, related_name="label_rows")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["encoding", "label"], name="encoding_label_unique")]
        indexes = [
            # Encodings list filtered by label.
            models.Index(fields=["organization", "label"], name="label_org_label"),
        ]

    def __str__(self) -> str:
        return self.label


class Message(models.Model):
    """A message of an encoding's status Task (or of one of its subtasks)."""

    encoding = models.ForeignKey(Encoding, on_delete=models.CASCADE, related_name="messages")
    bitmovin_id = models.CharField(
        max_length=64, help_text="The API's message id, or a stable hash of the message when it has none."
    )
    type = models.CharField(max_length=16)
    date = models.DateTimeField(null=True, blank=True)
    text = models.TextField(blank=True)
    field = models.CharField(max_length=300, blank=True)
    links = models.JSONField(default=list, blank=True)
    more = models.JSONField(null=True, blank=True)
    subtask = models.CharField(max_length=200, blank=True, help_text="Name of the subtask it belongs to.")
    first_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["encoding", "bitmovin_id"], name="message_unique_per_encoding"),
        ]
        indexes = [
            # Message timeline of one encoding, in time order, optionally filtered by type.
            models.Index(fields=["encoding", "type", "date"], name="msg_encoding_type_date"),
            models.Index(fields=["encoding", "date"], name="msg_encoding_date"),
        ]

    def __str__(self) -> str:
        return f"{self.type}: {self.text[:60]}"


class SyncRun(models.Model):
    class Kind(models.TextChoices):
        INCREMENTAL = "incremental", "Incremental"
        FULL = "full", "Full reconciliation"
        ENCODING = "encoding", "One encoding"

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        OK = "ok", "Succeeded"
        FAILED = "failed", "Failed"
        RATE_LIMITED = "rate_limited", "Paused by a rate limit"
        SKIPPED = "skipped", "Skipped"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sync_runs")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.INCREMENTAL)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    api_calls = models.JSONField(default=dict, blank=True, help_text="Calls made, by endpoint.")
    encodings_created = models.PositiveIntegerField(default=0)
    encodings_updated = models.PositiveIntegerField(default=0)
    messages_added = models.PositiveIntegerField(default=0)
    error_code = models.IntegerField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    error_request_id = models.CharField(max_length=100, blank=True)

    class Meta:
        indexes = [
            # Sync history of one organization, newest first.
            models.Index(fields=["organization", "-started_at"], name="syncrun_org_started"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} sync at {self.started_at:%Y-%m-%d %H:%M:%S} ({self.outcome})"

    @property
    def total_api_calls(self) -> int:
        return sum(self.api_calls.values())


class WebhookDelivery(models.Model):
    class Verdict(models.TextChoices):
        VALID = "valid", "Valid signature"
        DUPLICATE = "duplicate", "Valid signature, already received"
        INVALID = "invalid", "Invalid signature"
        MISSING = "missing", "No signature"
        MALFORMED = "malformed", "Signed, but the body is not a usable notification"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    received_at = models.DateTimeField(default=timezone.now)
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    event_type = models.CharField(max_length=64, blank=True)
    event_id = models.CharField(
        max_length=100, blank=True, help_text="The notification's own id, for deduplication."
    )
    encoding_bitmovin_id = models.CharField(max_length=64, blank=True)
    payload = models.TextField(blank=True, help_text="The raw body, cut at 64 KiB.")
    triggered = models.CharField(max_length=300, blank=True, help_text="What the delivery set in motion.")
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [
            # Webhook log of one organization, newest first.
            models.Index(fields=["organization", "-received_at"], name="webhook_org_received"),
            # Deduplication: has this notification id been received before?
            models.Index(fields=["organization", "event_id"], name="webhook_org_event"),
        ]

    def __str__(self) -> str:
        return f"{self.verdict} {self.event_type or 'delivery'} at {self.received_at:%Y-%m-%d %H:%M:%S}"
