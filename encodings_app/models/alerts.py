"""Alerts: the rules an admin changed from their defaults, the incidents they open, each incident's
transitions (opened, resolved) as rows that a notifier delivers once, and the silences that hold back
notifications for a while.

Evaluation (services/alerts/) reads the mirror and the sync state and reconciles the open incidents with
what it finds; these models only hold the outcome.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from encodings_app.models.organizations import Organization


class AlertKind(models.TextChoices):
    FAILED = "failed", "Encodings failed"
    SPIKE = "spike", "Failure spike"
    STUCK = "stuck", "Encodings stuck"
    STUCK_LIVE = "stuck_live", "Live encodings stuck"
    SYNC = "sync", "Sync broken"


# How bad an incident of each kind is, for every place that orders them worst first (overview, wall,
# messages): a dashboard that cannot sync is blind to everything else, a spike and stuck live streams hurt
# viewers now; failures of one cause and stuck files are serious but bounded.
SEVERITY_BY_KIND = {
    AlertKind.SYNC: "critical",
    AlertKind.SPIKE: "critical",
    AlertKind.STUCK_LIVE: "critical",
    AlertKind.FAILED: "warning",
    AlertKind.STUCK: "warning",
}
SEVERITY_RANK = {"critical": 0, "warning": 1, "info": 2}
# A kind missing above (added without a severity) still counts as trouble.
DEFAULT_SEVERITY = "warning"
# Within a severity, the order of the kinds above: the sync first, as its incident explains the others.
KIND_RANK = {kind: rank for rank, kind in enumerate(SEVERITY_BY_KIND)}


class AlertRule(models.Model):
    """An organization's change to one rule's defaults (services/alerts/rules.py). Without a row the rule
    applies with its defaults, so every organization is alerted from the start; a field left empty keeps
    its default."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="alert_rules")
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    enabled = models.BooleanField(default=True)
    threshold = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How many (failures of one cause, failures in all, stuck encodings, sync failures in a "
        "row) open an incident; empty: the default.",
    )
    window_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="The window failures are counted in, or how long without a successful sync; empty: the "
        "default.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind"], name="alertrule_unique_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.organization}"


class Incident(models.Model):
    """One cause of trouble in one organization, from the evaluation that found it until the one that found
    it gone. A cause that comes back later opens a new incident."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="incidents")
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    cause = models.CharField(
        max_length=255,
        help_text='What went wrong, as a key: "failed:code:2001", "failed:task:<category>:<code>", "spike", '
        '"stuck", "stuck:live", "sync:key_rejected" ...',
    )
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    count = models.PositiveIntegerField(default=0)
    details = models.JSONField(
        default=dict, blank=True, help_text="The cause's explanation and the list filter showing it."
    )
    opened_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now, help_text="The last evaluation that found it.")
    resolved_at = models.DateTimeField(null=True, blank=True)
    # What the channels were told (services/alerts/notify.py). The opening: when, and the count it said;
    # the latest message of any kind about it (the per-cause window counts from there); and when its story
    # ended for the notifier: its resolution told, or found nothing to tell. Until then it is pending.
    notified_at = models.DateTimeField(null=True, blank=True)
    notified_count = models.PositiveIntegerField(default=0)
    last_notified_at = models.DateTimeField(null=True, blank=True)
    notice_settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One open incident per cause, whichever evaluation (beat's task, send_alerts) finds it first.
            # Its index also serves "the open incidents of an organization" (evaluation, API).
            models.UniqueConstraint(
                fields=["organization", "cause"],
                condition=Q(resolved_at__isnull=True),
                name="incident_one_open_per_cause",
            ),
        ]
        indexes = [
            # An organization's incidents, newest first (the API's list, history).
            models.Index(F("organization_id"), F("opened_at").desc(), name="incident_org_opened"),
            # The notifier's work: an organization's incidents whose story is not settled (few at a time).
            models.Index(
                fields=["organization"],
                condition=Q(notice_settled_at__isnull=True),
                name="incident_notice_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({'open' if self.is_open else 'resolved'})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def severity(self) -> str:
        return SEVERITY_BY_KIND.get(self.kind, DEFAULT_SEVERITY)

    def worst_first_key(self) -> tuple:
        """Sort key: critical before warning, then by kind, then the most encodings, then the newest."""
        return (
            SEVERITY_RANK[self.severity],
            KIND_RANK.get(self.kind, len(KIND_RANK)),
            -self.count,
            -self.opened_at.timestamp(),
        )

    @property
    def message_key_prefix(self) -> str:
        """What the keys of the notifications about this incident start with (IncidentEvent.key), so that
        its page finds their deliveries."""
        return f"incident-{self.pk}-"


class IncidentEvent(models.Model):
    """A transition of an incident, written in the same transaction as the transition itself: what a
    notifier delivers, once per channel. One row per incident and kind, so an evaluation that runs twice,
    or two that race, record it once."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        RESOLVED = "resolved", "Resolved"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind"], name="incidentevent_once_per_kind"),
        ]
        indexes = [
            # The events to deliver, oldest first.
            models.Index(fields=["at"], name="incidentevent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.incident} {self.kind} at {self.at:%Y-%m-%d %H:%M:%S}"

    @property
    def key(self) -> str:
        """The receiver-visible id a notifier sends, the same for every retry of this transition."""
        return f"incident-{self.incident_id}-{self.kind}"


class AlertSilence(models.Model):
    """An admin's "not now": one rule kind, or every rule (kind empty), muted from starts_at until ends_at,
    with the reason people read wherever the alert shows. A silence holds back notifications only:
    incidents still open and the pages still show them, so nobody mistakes a muted problem for none.

    Ending one early sets ended_at and keeps ends_at, so the history tells what was planned and what
    happened. Active at `now`: starts_at <= now < ends_at and not ended by then
    (services/alerts/silences.py)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="alert_silences")
    kind = models.CharField(
        max_length=16, choices=AlertKind.choices, blank=True, help_text="The rule muted; empty: every rule."
    )
    reason = models.CharField(max_length=300)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When an admin ended it early.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="alertsilence_ends_after_start"
            ),
        ]
        indexes = [
            # The silences of organizations that have not run out: active_silences, active_silences_by_org
            # and the API read those whose end is still ahead (services/alerts/silences.py).
            models.Index(F("organization_id"), F("ends_at").desc(), name="alertsilence_org_ends"),
        ]

    def __str__(self) -> str:
        return f"{self.what} of {self.organization} until {self.ends_at:%Y-%m-%d %H:%M}"

    @property
    def what(self) -> str:
        """What it mutes, in words: "Every rule" or the rule's name."""
        return self.get_kind_display() if self.kind else "Every rule"

    @property
    def ended_early(self) -> bool:
        return self.ended_at is not None and self.ended_at < self.ends_at

    @property
    def until(self):
        """When it stopped (or stops) muting: ended early, or at its planned end."""
        return self.ended_at if self.ended_early else self.ends_at

    def is_active_at(self, now) -> bool:
        return self.starts_at <= now < self.until
