"""The mirror of each organization's usage as Bitmovin's statistics endpoints report it, per day.

Rows are read back from the API (services/usage.py) and replaced in place: a day's figures may still change
while encodings of that day finish, so a re-read day overwrites what was there.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Sum
from django.db.models.functions import TruncMonth

from encodings_app.models.organizations import Organization

# Labels that name customers: "customer-acme" (and "Customer1"), the naming Bitmovin's own examples use.
CUSTOMER_LABEL_PREFIX = "customer"


def names_a_customer(label: str) -> bool:
    return label.lower().startswith(CUSTOMER_LABEL_PREFIX)


class UsageKind(models.TextChoices):
    """What a row counts: one encoding type, or (for a label's row) every type together, since Bitmovin
    reports a label's usage without splitting it by type."""

    VOD = "VOD", "VOD"
    LIVE = "LIVE", "Live"
    ALL = "ALL", "All types"


class UsageDayQuerySet(models.QuerySet):
    def totals(self) -> dict[str, float]:
        """Sums of the rows: seconds, minutes, bytes (zeros when there are none)."""
        sums = self.order_by().aggregate(
            seconds=Sum("encoded_seconds"), minutes=Sum("billable_minutes"), bytes=Sum("bytes_encoded")
        )
        return {key: value or 0 for key, value in sums.items()}

    def per_day(self) -> list[dict]:
        """Sums per (day, kind, label), oldest day first."""
        return list(
            self.order_by()
            .values("day", "kind", "label")
            .annotate(
                seconds=Sum("encoded_seconds"), minutes=Sum("billable_minutes"), bytes=Sum("bytes_encoded")
            )
            .order_by("day", "kind", "label")
        )

    def per_month(self) -> list[dict]:
        """Sums per (month, kind, label), oldest month first; `day` holds the month's first day."""
        return list(
            self.order_by()
            .annotate(month=TruncMonth("day"))
            .values("month", "kind", "label")
            .annotate(
                seconds=Sum("encoded_seconds"), minutes=Sum("billable_minutes"), bytes=Sum("bytes_encoded")
            )
            .order_by("month", "kind", "label")
        )


class UsageDay(models.Model):
    """One organization's usage on one UTC day: of one encoding type (label ""), or of one label (ALL)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="usage_days")
    day = models.DateField()
    kind = models.CharField(max_length=8, choices=UsageKind.choices)
    label = models.CharField(max_length=255, blank=True, default="")
    encoded_seconds = models.BigIntegerField(default=0)
    billable_minutes = models.DecimalField(max_digits=16, decimal_places=3, default=0)
    bytes_encoded = models.BigIntegerField(default=0)
    synced_at = models.DateTimeField()

    objects = UsageDayQuerySet.as_manager()

    class Meta:
        constraints = [
            # The sync's upsert key; its index also serves the usage page and API, which read one
            # organization's days in a range (organization, day between ...), by type or by label.
            models.UniqueConstraint(fields=["organization", "day", "kind", "label"], name="usage_day_unique"),
        ]
        indexes = [
            # The cross-organization table and the chart by label read one label's days of many
            # organizations: WHERE organization_id IN (...) AND label = ? AND day BETWEEN ? AND ?.
            models.Index(fields=["label", "organization", "day"], name="usage_day_label"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.day} {self.kind} {self.label or '-'}"


class UsageSync(models.Model):
    """How reading an organization's usage went: when it last worked, and why the last attempt failed."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="usage_sync")
    synced_at = models.DateTimeField(null=True, blank=True)
    attempted_at = models.DateTimeField(null=True, blank=True)
    # The oldest day read so far: the first sync reads back USAGE_HISTORY_DAYS, later ones only recent days.
    first_day = models.DateField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    failures = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"usage sync of {self.organization_id}"

    @property
    def failing(self) -> bool:
        return bool(self.last_error)

    def covers(self, day: date) -> bool:
        return self.first_day is not None and self.first_day <= day
