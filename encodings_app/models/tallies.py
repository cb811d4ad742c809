"""How many live encodings each organization has, by status and by the day they finished, kept by the
database itself so that no page counts a million rows.

Every write to the encodings table adds rows here, through triggers (encodings_app/tally_triggers.py): one
insert, update or delete of encodings adds, per organization, status and day, the change in how many live
(not deleted) encodings there are. Nothing in Python has to remember to: the mirror's bulk upserts, a full
pass marking encodings deleted, the retention prune and a test's factory all keep the counts alike.

The rows are changes, never updated in place, so that concurrent writers (a sync and a webhook's refresh of
the same organization) never wait on or deadlock over a shared counter row. Summing them gives the counts;
services/tallies.py folds an organization's rows into one per status and day now and then, so that the sum
stays a read of a few dozen rows.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Sum

from encodings_app.models.organizations import Organization


class EncodingTallyQuerySet(models.QuerySet):
    def counts_by_status(self) -> dict[str, int]:
        """Live encodings by status (blank status included, as Bitmovin may send none)."""
        rows = self.order_by().values("status").annotate(total=Sum("n"))
        return {row["status"]: row["total"] for row in rows if row["total"]}

    def counts_by_organization_and_status(self) -> dict[int, dict[str, int]]:
        counts: dict[int, dict[str, int]] = {}
        rows = self.order_by().values("organization_id", "status").annotate(total=Sum("n"))
        for row in rows:
            if row["total"]:
                counts.setdefault(row["organization_id"], {})[row["status"]] = row["total"]
        return counts

    def finished_per_day(self, *, since: date, statuses: list[str]) -> dict[tuple[date, str], int]:
        """Live encodings of these statuses by the UTC day they finished, from ``since`` on."""
        rows = (
            self.filter(day__gte=since, status__in=statuses)
            .order_by()
            .values("day", "status")
            .annotate(total=Sum("n"))
        )
        return {(row["day"], row["status"]): row["total"] for row in rows if row["total"]}


class EncodingTally(models.Model):
    """A change in how many live encodings of one organization have one status and finished on one day."""

    # No foreign key constraint: a trigger writes these rows while Django deletes an organization's
    # encodings before the organization itself, and another trigger removes them with the organization. No
    # index of its own: tally_org_day starts with it.
    organization = models.ForeignKey(
        Organization, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    status = models.CharField(max_length=32, blank=True)
    # The UTC day of finished_at (None: not finished), for the overview's chart of finished and failed.
    day = models.DateField(null=True, blank=True)
    n = models.BigIntegerField()

    objects = EncodingTallyQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["organization", "day"], name="tally_org_day")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.status or '-'} {self.day or '-'}: {self.n:+d}"
