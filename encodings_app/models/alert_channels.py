"""Where an organization's alerts go (AlertChannel), and each message's delivery to one channel
(AlertDelivery).

A delivery row is the outbox of one message to one channel (services/alert_channels/delivery.py): written in
the transaction of whatever asked for the message, unique per (channel, message key) so that asking twice
sends once, and claimed by a worker under a lease so that a worker that dies mid-send loses nothing.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from encodings_app import crypto
from encodings_app.models.organizations import Organization


class AlertChannel(models.Model):
    class Kind(models.TextChoices):
        EMAIL = "email", "E-mail"
        SLACK = "slack", "Slack-compatible webhook"
        WEBHOOK = "webhook", "Signed JSON webhook"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="alert_channels")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=80)
    # The address or URL, encrypted like API keys (crypto.py): a Slack or webhook URL is itself a credential.
    # target_hint is what pages show instead: an e-mail address in full, a URL as scheme, host and dots.
    target_encrypted = models.TextField()
    target_hint = models.CharField(max_length=200)
    # The key a generic webhook's receiver checks signatures with (empty for the other kinds).
    signing_secret_encrypted = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    # Failed sends in a row, across deliveries; at PAUSE_AFTER_FAILURES the channel is paused until a test
    # succeeds (services/alert_channels/delivery.py).
    consecutive_failures = models.PositiveIntegerField(default=0)
    paused_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # alert_channel_test and the pages name a channel by its name within its organization.
            models.UniqueConstraint(fields=["organization", "name"], name="alert_channel_name_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @sensitive_variables()
    def decrypt_target(self) -> str:
        """Only for sending. Raises crypto.DecryptionError (the send fails with plain words)."""
        return crypto.decrypt(self.target_encrypted)

    @sensitive_variables()
    def decrypt_signing_secret(self) -> str:
        return crypto.decrypt(self.signing_secret_encrypted)

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


class AlertDelivery(models.Model):
    """One message to one channel, sent at least once: retried with backoff until the channel accepts it."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        UPDATE = "update", "Still open"
        RESOLVED = "resolved", "Resolved"
        TEST = "test", "Test"
        DIGEST = "digest", "Digest"

    # Indexed by the unique constraint, which starts with it.
    channel = models.ForeignKey(
        AlertChannel, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    # The caller's name for the message (an incident's event, a test): the same key twice is one delivery.
    message_key = models.CharField(max_length=200)
    # The id the receiver sees (X-Dashboard-Delivery, "id" in the JSON): the same on every attempt, so a
    # receiver that got a message twice (a worker died after sending) can tell.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    severity = models.CharField(max_length=16, default="warning")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    link = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Sends started, the current one too.")
    # Due from then; None once delivered or given up.
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    # The lease of the worker sending it: until then no other worker takes it; past it (the worker died) the
    # delivery is due again.
    claimed_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # The receiver's last answer: an HTTP status, or an SMTP reply code; None when none came.
    last_status = models.PositiveIntegerField(null=True, blank=True)
    # What went wrong, in plain words; never a URL, a secret or the receiver's body.
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "message_key"], name="alert_delivery_per_message")
        ]
        indexes = [
            # deliver_due: the deliveries still to send, soonest first; /metrics: those waiting.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(next_attempt_at__isnull=False),
                name="alert_delivery_due",
            ),
            # The delivery log of a channel, newest first.
            models.Index(fields=["channel", "-created_at"], name="alert_delivery_log"),
            # Retention: the deliveries older than the cutoff, oldest first, across channels; /metrics: those
            # of the last hour.
            models.Index(fields=["created_at"], name="alert_delivery_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} message {self.message_key} to channel {self.channel_id}"

    @property
    def outcome(self) -> str:
        # DELIVERY_OUTCOME below says the same in SQL.
        if self.delivered_at:
            return "delivered"
        if self.next_attempt_at is None:
            return "given up"
        return "retrying" if self.attempts else "waiting"


# Every AlertDelivery.outcome, from the first send to the last word.
DELIVERY_OUTCOMES = ("waiting", "retrying", "delivered", "given up")
# AlertDelivery.outcome as a column, so that deliveries are counted by outcome in one query (/metrics); the
# tests hold the two to the same answer for every state a delivery can be in.
DELIVERY_OUTCOME = Case(
    When(delivered_at__isnull=False, then=Value("delivered")),
    When(next_attempt_at__isnull=True, then=Value("given up")),
    When(attempts__gt=0, then=Value("retrying")),
    default=Value("waiting"),
    output_field=models.CharField(),
)
