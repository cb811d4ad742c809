"""Organizations a user may see: with their health for the switcher and the start page, with the caller's
role for the API."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import CharField, Count, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from encodings_app.access import organizations_for
from encodings_app.models import Encoding, Membership, Organization, Role
from encodings_app.selectors.health import (
    Problem,
    ReadState,
    problems_of,
    recent_failures,
    severity,
    worst_level,
)
from encodings_app.services.liveness import sync_stopped_now


@dataclass
class OrganizationHealth(ReadState):
    organization: Organization
    failed_recently: int
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    stuck: int = 0

    @property
    def level(self) -> str:
        return worst_level(self.problems)

    @property
    def summary(self) -> str:
        return self.problems[0].text if self.problems else "Healthy"

    @property
    def severity(self) -> tuple[int, ...]:
        return severity(self.problems, failed_recently=self.failed_recently)

    def count(self, status: str) -> int:
        return self.counts.get(status, 0)


def organizations_with_health(user: AbstractBaseUser) -> list[OrganizationHealth]:
    """Every organization the user may see, worst first, in one query."""
    organizations = organizations_for(user).annotate(failed_recently=Coalesce(recent_failures(), Value(0)))
    stopped = sync_stopped_now()
    healths = [
        OrganizationHealth(
            organization=org,
            failed_recently=org.failed_recently,
            problems=problems_of(org, org.failed_recently, sync_stopped=stopped),
        )
        for org in organizations
    ]
    healths.sort(key=lambda h: (tuple(-v for v in h.severity), h.organization.name.lower()))
    return healths


def healths_with_activity(healths: list[OrganizationHealth]) -> list[OrganizationHealth]:
    """Adds counts by status and stuck counts for the cross-organization page (two grouped queries)."""
    by_id = {h.organization.pk: h for h in healths}
    if not by_id:
        return healths
    live = Encoding.objects.filter(organization_id__in=list(by_id)).live().order_by()
    for row in live.values("organization_id", "status").annotate(n=Count("*")):
        by_id[row["organization_id"]].counts[row["status"]] = row["n"]
    for row in live.stuck(timezone.now()).values("organization_id").annotate(n=Count("pk")):
        by_id[row["organization_id"]].stuck = row["n"]
    return healths


def organizations_with_role(user: AbstractBaseUser) -> QuerySet[Organization]:
    """The organizations the user may see, by name, each with ``api_role`` and ``failed_recently``."""
    if user.is_superuser:
        role = Value(Role.ADMIN.value, output_field=CharField())
    else:
        role = Subquery(
            Membership.objects.filter(organization=OuterRef("pk"), user=user).values("role")[:1],
            output_field=CharField(),
        )
    return (
        organizations_for(user)
        .annotate(api_role=role, failed_recently=Coalesce(recent_failures(), Value(0)))
        .order_by("name", "pk")
    )


def organization_with_role(user: AbstractBaseUser, organization: Organization) -> Organization:
    """The organization access.organization_for returned, with the annotations and counts of the detail."""
    annotated = organizations_with_role(user).get(pk=organization.pk)
    rows = organization.encodings.live().order_by().values("status").annotate(n=Count("*"))
    annotated.counts_by_status = {row["status"]: row["n"] for row in rows if row["status"]}
    return annotated
