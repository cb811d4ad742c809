"""Bulk actions: one job per confirmation, one item per encoding it covers (services/bulk_actions.py).

An item's state moves one way only, and every move is a conditional UPDATE from the state before it, so a
job run twice, or by two workers at once, sends each encoding's call at most once:

    waiting -> sending -> done | refused | failed | unknown
    waiting -> skipped            (at planning: the action is not offered in the encoding's status)
    sending -> waiting            (only when nothing reached Bitmovin: a rate limit refused the call)
    sending -> unknown            (found still sending after its worker was lost: never sent again)
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from encodings_app.models.encodings import Encoding
from encodings_app.models.organizations import Organization


class BulkJob(models.Model):
    class Selection(models.TextChoices):
        IDS = "ids", "Chosen encodings"
        FILTER = "filter", "All encodings matching a filter"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="bulk_jobs")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The name as it was, so the job still says who asked after the user is gone.
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=32, help_text="The action registry's key.")
    arguments = models.JSONField(default=dict, blank=True, help_text="The action's argument (a priority).")
    selection = models.CharField(max_length=8, choices=Selection.choices)
    filter_query = models.TextField(blank=True, help_text="The list's query string, for a filter selection.")
    total = models.PositiveIntegerField(default=0, help_text="Items, skipped ones included.")
    skipped = models.PositiveIntegerField(default=0, help_text="Items the action is not offered for.")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # An organization's jobs, newest first.
            models.Index(fields=["organization", "-created_at"], name="bulkjob_org_created"),
        ]

    def __str__(self) -> str:
        return f"bulk {self.action} of {self.total} in {self.organization_id} ({self.pk})"

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    @property
    def to_send(self) -> int:
        """Items the action is sent for: the others were left alone at planning."""
        return self.total - self.skipped


class BulkItem(models.Model):
    class State(models.TextChoices):
        WAITING = "waiting", "Waiting"
        SENDING = "sending", "Sending"
        DONE = "done", "Done"
        REFUSED = "refused", "Refused"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Left alone"
        UNKNOWN = "unknown", "Not confirmed"

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="items")
    encoding = models.ForeignKey(Encoding, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=8, choices=State.choices, default=State.WAITING)
    # The encoding's status as the mirror showed it when the job was planned.
    planned_status = models.CharField(max_length=32, blank=True)
    outcome = models.CharField(max_length=32, blank=True, help_text="The ActionOutcome, once answered.")
    message = models.TextField(blank=True, help_text="What happened, in plain words.")
    request_id = models.CharField(max_length=100, blank=True, help_text="Bitmovin's requestId, if any.")
    sending_since = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "encoding"], name="bulk_item_per_encoding"),
        ]
        indexes = [
            # The run's claims (the job's waiting items) and the progress page's counts by state.
            models.Index(fields=["job", "state"], name="bulkitem_job_state"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}/{self.encoding_id}: {self.state}"


# States an item leaves no more.
BULK_FINAL_STATES = frozenset(
    {
        BulkItem.State.DONE,
        BulkItem.State.REFUSED,
        BulkItem.State.FAILED,
        BulkItem.State.SKIPPED,
        BulkItem.State.UNKNOWN,
    }
)
