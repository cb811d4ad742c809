"""The dashboard's own bookkeeping: sync runs, the refreshes waiting to run and webhook deliveries."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from encodings_app.models.organizations import Organization


class SyncRun(models.Model):
    class Kind(models.TextChoices):
        INCREMENTAL = "incremental", "Incremental"
        FULL = "full", "Full reconciliation"

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        OK = "ok", "Succeeded"
        # Some parts read, others left for the next run (services/sync_state.py).
        PARTIAL = "partial", "Succeeded in part"
        FAILED = "failed", "Failed"
        RATE_LIMITED = "rate_limited", "Paused by a rate limit"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sync_runs")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.INCREMENTAL)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    api_calls = models.JSONField(default=dict, blank=True, help_text="Calls made, by endpoint.")
    encodings_created = models.PositiveIntegerField(default=0)
    encodings_updated = models.PositiveIntegerField(default=0)
    messages_added = models.PositiveIntegerField(default=0)
    encodings_skipped = models.PositiveIntegerField(
        default=0, help_text="Encodings left out because Bitmovin gave them an id the dashboard cannot use."
    )
    error_code = models.IntegerField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    error_request_id = models.CharField(max_length=100, blank=True)

    class Meta:
        indexes = [
            # Sync history of one organization, newest first.
            models.Index(fields=["organization", "-started_at"], name="syncrun_org_started"),
            # Retention: the runs older than the cutoff, oldest first, across organizations.
            models.Index(fields=["started_at"], name="syncrun_started"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} sync at {self.started_at:%Y-%m-%d %H:%M:%S} ({self.outcome})"

    @property
    def total_api_calls(self) -> int:
        return sum(self.api_calls.values())


class PendingRefresh(models.Model):
    """A fresh read of one encoding that was asked for (by a webhook, a page, an action) and has not run yet:
    the outbox the worker drains (services/refresh_outbox.py). It is written in the asker's transaction, so
    a request is never lost to a broker that is down, and there is one row per encoding: however many ask
    while it waits, one read answers them all."""

    # Indexed by the unique constraint, which starts with it.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="pending_refreshes", db_index=False
    )
    bitmovin_id = models.CharField(max_length=64)
    requested_at = models.DateTimeField(default=timezone.now, help_text="The first request.")
    requests = models.PositiveIntegerField(
        default=1, help_text="Requests this row answers; one made during a read keeps the row for another."
    )
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Reads started, the current one too.")
    next_attempt_at = models.DateTimeField(
        default=timezone.now, help_text="Due from then; pushed on while a worker reads, and after a failure."
    )
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "bitmovin_id"], name="pending_refresh_per_encoding"
            )
        ]
        indexes = [
            # The drain: the rows that are due, soonest first.
            models.Index(fields=["next_attempt_at"], name="pending_refresh_due"),
        ]

    def __str__(self) -> str:
        return f"refresh of {self.bitmovin_id} ({self.requests} requests, {self.attempts} attempts)"


class WebhookDelivery(models.Model):
    """One POST to the webhook endpoint. Only a verified delivery keeps its body; any other keeps its size
    and SHA-256, enough to tell repeated attempts apart without storing what a stranger sent."""

    class Verdict(models.TextChoices):
        VALID = "valid", "Valid signature"
        DUPLICATE = "duplicate", "Valid signature, already received"
        INVALID = "invalid", "Invalid signature"
        MISSING = "missing", "No signature"
        SIGNATURE_MALFORMED = "signature_malformed", "Signature not 128 hexadecimal characters"
        UNKNOWN_ORGANIZATION = "unknown_organization", "No such organization"
        MALFORMED = "malformed", "Signed, but the body is not a usable notification"

    # Null only for a delivery to an organization that does not exist.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="webhook_deliveries"
    )
    received_at = models.DateTimeField(default=timezone.now)
    verdict = models.CharField(max_length=24, choices=Verdict.choices)
    event_type = models.CharField(max_length=64, blank=True)
    event_id = models.CharField(
        max_length=100, blank=True, help_text="The notification's own id, for deduplication."
    )
    encoding_bitmovin_id = models.CharField(max_length=64, blank=True)
    payload = models.TextField(
        blank=True, help_text="The raw body, cut at 64 KiB; kept only when the signature verified."
    )
    body_size = models.PositiveIntegerField(default=0, help_text="Bytes received.")
    body_sha256 = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the body, in hex.")
    triggered = models.CharField(max_length=300, blank=True, help_text="What the delivery set in motion.")
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    # The refresh a genuine delivery waits for, until it has run; then refreshed_at says when. A resend of
    # a delivery whose refresh has run, or still waits, is a duplicate; one whose refresh never ran is not.
    pending_refresh = models.ForeignKey(
        PendingRefresh,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        db_index=False,  # the partial index below: almost every delivery has none
    )
    refreshed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the refresh the delivery asked for ran."
    )

    class Meta:
        verbose_name_plural = "webhook deliveries"
        indexes = [
            # A refresh that ran marks the deliveries that waited for it.
            models.Index(
                fields=["pending_refresh"],
                name="webhook_pending_refresh",
                condition=models.Q(pending_refresh__isnull=False),
            ),
            # Webhook log of one organization, newest first.
            models.Index(fields=["organization", "-received_at"], name="webhook_org_received"),
            # Deduplication: has this notification id been received before?
            models.Index(fields=["organization", "event_id"], name="webhook_org_event"),
            # Retention: the deliveries older than the cutoff, oldest first, across organizations.
            models.Index(fields=["received_at"], name="webhook_received"),
        ]

    def __str__(self) -> str:
        return f"{self.verdict} {self.event_type or 'delivery'} at {self.received_at:%Y-%m-%d %H:%M:%S}"
