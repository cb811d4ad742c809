"""The mirror of encodings, their labels and their messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from encodings_app.bitmovin import ErrorExplanation
from encodings_app.models.choices import ACTIVE_STATUSES, FAILED_STATUSES, TERMINAL_STATUSES, EncodingStatus
from encodings_app.models.encoding_queries import (
    FAILED_AT,
    EncodingQuerySet,
    explain_failure,
    stuck_thresholds,
)
from encodings_app.models.indexes import NullsFirstIndex
from encodings_app.models.organizations import Organization


@dataclass(frozen=True)
class PendingMark:
    """An accepted action as the pages and the API show it until the mirror catches up."""

    action: str
    expected_status: str  # "" when the encoding is expected to be gone
    from_status: str
    since: datetime
    expires_at: datetime


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
    status_request_id = models.CharField(
        max_length=100,
        blank=True,
        help_text="Bitmovin's requestId of the latest status read (of a failed encoding: the read that gave "
        "its error), to quote to Bitmovin support.",
    )
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

    # An action Bitmovin accepted whose effect no read has shown yet: written by services/actions.py, read
    # through pending_mark(), cleared by the next status read that finds it settled (services/mirror.py).
    pending_action = models.CharField(max_length=32, blank=True, help_text="The action's registry key.")
    pending_status = models.CharField(
        max_length=32, blank=True, help_text="The status the action leads to; empty for a deletion."
    )
    pending_from = models.CharField(
        max_length=32, blank=True, help_text="The mirror's status when the action was accepted."
    )
    pending_since = models.DateTimeField(null=True, blank=True)

    # The encoding's messages counted by type ({"INFO": 12, ...}), kept where they are written
    # (services/mirror.py message_counts_store), so that the detail page and its polls read them with the row
    # instead of counting a long history on every view. None until messages are written with it (an
    # encoding last read before it was kept): its messages are then counted when shown.
    message_counts = models.JSONField(null=True, blank=True)

    objects = EncodingQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "bitmovin_id"], name="encoding_unique_per_org"),
        ]
        indexes = [
            # Encodings list, default order (newest first) and the created-time range filter; the trailing id
            # is the list's tie-breaker, so that the index alone yields a page in order.
            models.Index(
                F("organization_id"),
                F("created_at").desc(),
                F("id").desc(),
                name="enc_org_created",
            ),
            # Encodings list filtered by status (and the overview's counts by status); sync's active set.
            models.Index(
                F("organization_id"),
                F("status"),
                F("created_at").desc(),
                F("id").desc(),
                name="enc_org_status_created",
            ),
            # Encodings list filtered by type (VOD/LIVE).
            models.Index(
                F("organization_id"),
                F("type"),
                F("created_at").desc(),
                F("id").desc(),
                name="enc_org_type_created",
            ),
            # "Finished per day" statistics, and the list sorted by finish time (which puts unfinished ones
            # last, so that sort also reads the rest of the organization's rows).
            models.Index(
                F("organization_id"),
                F("finished_at").desc(),
                F("id").desc(),
                name="enc_org_finished",
            ),
            # Encodings list sorted by start time.
            models.Index(
                F("organization_id"),
                F("started_at").desc(),
                F("id").desc(),
                name="enc_org_started",
            ),
            # Encodings list sorted by name, which sorts case-insensitively.
            models.Index(F("organization_id"), Lower("name"), F("id"), name="enc_org_name"),
            # Counts by status (overview, wall, switcher) and the list's total: COUNT(*) over live encodings
            # answered from the index alone, without reading the wide rows.
            models.Index(
                fields=["organization", "status"],
                name="enc_org_live_status",
                condition=Q(deleted_at__isnull=True),
            ),
            # Encodings list filtered by error code (where the overview's failure groups link), its count and
            # its default order.
            models.Index(
                F("organization_id"),
                F("error_code"),
                F("created_at").desc(),
                F("id").desc(),
                name="enc_org_error_created",
                condition=Q(error_code__isnull=False),
            ),
            # EncodingQuerySet.failed_since: the overview's and the API's failure groups, the wall's list of
            # failures (in this order), and the failure counts of the switcher, the start page and the API.
            models.Index(
                F("organization_id"),
                FAILED_AT.desc(),
                F("id").desc(),
                name="enc_org_failed_at",
                condition=Q(status__in=FAILED_STATUSES, deleted_at__isnull=True),
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

    @property
    def failed_at(self) -> datetime | None:
        """When a failed encoding failed (the rule EncodingQuerySet.failed_since counts by)."""
        return (self.error_at or self.finished_at) if self.is_failed else None

    @property
    def failure_explanation(self) -> ErrorExplanation:
        return explain_failure(self.error_code, self.error_category, self.error_text, self.error_retry_hint)

    @property
    def moved_at(self) -> datetime | None:
        """The last sign that a RUNNING encoding is moving (MOVED_AT, which says why live differs)."""
        if self.is_live:
            return self.status_synced_at or self.running_at
        return self.progress_changed_at or self.running_at

    def is_stuck(self, *, now: datetime | None = None) -> bool:
        """QUEUED for too long, or RUNNING without moving for too long (EncodingQuerySet.stuck in SQL)."""
        now = now or timezone.now()
        limits = stuck_thresholds()
        if self.status == EncodingStatus.QUEUED:
            since = self.queued_at or self.started_at or self.created_at
            return since is not None and now - since > limits.queued
        if self.status == EncodingStatus.RUNNING:
            since = self.moved_at
            limit = limits.live_no_update if self.is_live else limits.no_progress
            return since is not None and now - since > limit
        return False

    def eta_is_frozen(self, *, now: datetime | None = None) -> bool:
        """Whether the last ETA read is no longer worth showing because progress stopped moving.

        It is once progress has stood still for longer than the time the ETA said was left (by its own
        account the encoding should be done) or for half the stuck threshold (a long ETA from a stalled
        encoding), whichever comes first; but never within two sync intervals, since the mirror learns of
        progress only when it reads the status, and a healthy encoding must not lose its ETA between reads.
        """
        if self.is_live or self.status != EncodingStatus.RUNNING or self.eta_seconds is None:
            return False
        since = self.moved_at
        if since is None:
            return False
        limit = min(timedelta(seconds=self.eta_seconds), stuck_thresholds().no_progress / 2)
        limit = max(limit, timedelta(seconds=2 * settings.SYNC_INTERVAL_SECONDS))
        return (now or timezone.now()) - since > limit

    def pending_mark(self, *, now: datetime | None = None) -> PendingMark | None:
        """The accepted action still waiting to show in the mirror, or None once it has settled.

        Settled means: a read has moved the status away from the one the action was asked in (the expected
        state or any other: the truth wins), a new phase began after the request (a live restart goes back to
        RUNNING), Bitmovin no longer lists the encoding, or PENDING_ACTION_SECONDS have passed, so that an
        action lost on the way does not pin a state that never comes.
        """
        since = self.pending_since
        if not self.pending_action or since is None or self.deleted_at is not None:
            return None
        if self.status != self.pending_from:
            return None
        phases = (self.started_at, self.queued_at, self.running_at, self.finished_at, self.error_at)
        if any(moment is not None and moment > since for moment in phases):
            return None
        expires_at = since + timedelta(seconds=settings.PENDING_ACTION_SECONDS)
        if (now or timezone.now()) >= expires_at:
            return None
        return PendingMark(self.pending_action, self.pending_status, self.pending_from, since, expires_at)

    @property
    def effective_status(self) -> str:
        """The status the pages act on: the expected one while an accepted action is pending."""
        mark = self.pending_mark()
        return mark.expected_status if mark is not None else self.status

    @property
    def shown_eta(self) -> float | None:
        """The ETA pages and the API show: none for live encodings, finished ones, or frozen progress."""
        if self.is_live or not self.is_active or self.eta_is_frozen():
            return None
        return self.eta_seconds


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


class MessageQuerySet(models.QuerySet):
    def counts_by_type(self) -> dict[str, int]:
        """How many of these messages there are of each type: for one encoding's, from its entries of the
        type index alone."""
        rows = self.order_by().values("type").annotate(n=models.Count("*"))
        return {row["type"]: row["n"] for row in rows}


class Message(models.Model):
    """A message of an encoding's status Task (or of one of its subtasks)."""

    # No index of its own: every index below starts with the encoding, and so serves what one on it alone
    # would (the cascade when an encoding is deleted, counting an encoding's messages).
    encoding = models.ForeignKey(Encoding, on_delete=models.CASCADE, related_name="messages", db_index=False)
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

    objects = MessageQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["encoding", "bitmovin_id"], name="message_unique_per_encoding"),
        ]
        # Both in the one time order of the page and the API (selectors/detail.py TIME_ORDER: undated first,
        # then by date and id), so that a page of messages is read from the index in order, however long the
        # encoding's history, instead of sorting all of it; the message table's size plays no part.
        indexes = [
            # The timeline of several types (the default: INFO and up) and the API's messages of every type.
            NullsFirstIndex(
                F("encoding_id"), F("date").asc(nulls_first=True), F("id"), name="msg_encoding_time"
            ),
            # One type: the timeline or the API showing it alone, the error panel's first ERROR messages; and
            # the counts by type (MessageQuerySet.counts_by_type), from the index alone.
            NullsFirstIndex(
                F("encoding_id"),
                F("type"),
                F("date").asc(nulls_first=True),
                F("id"),
                name="msg_encoding_type_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type}: {self.text[:60]}"
