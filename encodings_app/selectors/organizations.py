"""Organizations a user may see: with their health for the switcher and the start page, with the caller's
role for the API."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import CharField, Count, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from encodings_app.access import account_role, higher_role_in_sql, organizations_for, with_roles
from encodings_app.models import Encoding, EncodingTally, Organization, Role
from encodings_app.selectors.health import (
    LEVEL_RANK,
    Problem,
    ReadState,
    incident_level,
    open_incidents_text,
    problems_of,
    recent_failures,
    severity,
    worst_level,
    worst_of,
)
from encodings_app.selectors.incidents import SEVERITY_OF_RANK, open_incident_count, worst_open_severity_rank
from encodings_app.services.liveness import sync_stopped_now


@dataclass
class OrganizationHealth(ReadState):
    organization: Organization
    failed_recently: int
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    stuck: int = 0
    open_incidents: int = 0
    # The worst open incident's severity ("critical", "warning" ...); "" when none is open.
    incident_severity: str = ""

    @property
    def level(self) -> str:
        """The worst of the sync's health and the open incidents' severity."""
        return worst_of(worst_level(self.problems), incident_level(self.incident_severity))

    @property
    def summary(self) -> str:
        parts = [self.problems[0].text] if self.problems else []
        if self.open_incidents:
            parts.append(open_incidents_text(self.open_incidents))
        return " · ".join(parts) or "Healthy"

    @property
    def severity(self) -> tuple[int, ...]:
        """Worst first (descending): the level, then what selectors.health.severity weighs, then the number
        of open incidents."""
        _level, *rest = severity(self.problems, failed_recently=self.failed_recently)
        return (LEVEL_RANK[self.level], *rest, self.open_incidents)

    def count(self, status: str) -> int:
        return self.counts.get(status, 0)


def looks_after_an_account(healths: list[OrganizationHealth]) -> bool:
    """Whether the user is an account admin of one of these organizations' connections."""
    return any(getattr(health.organization, "account_role", None) == Role.ADMIN for health in healths)


def organizations_with_health(user: AbstractBaseUser) -> list[OrganizationHealth]:
    """Every organization the user may see, worst first, in one query, whatever their number: the failures
    and the open incidents are subqueries of it."""
    organizations = organizations_for(user).annotate(
        # Whether the user looks after an account (the switcher links to its page): no query of its own.
        account_role=Value("", output_field=CharField()) if user.is_superuser else account_role(user),
        failed_recently=Coalesce(recent_failures(), Value(0)),
        open_incidents=Coalesce(open_incident_count(), Value(0)),
        worst_incident_rank=worst_open_severity_rank(),
    )
    stopped = sync_stopped_now()
    healths = [
        OrganizationHealth(
            organization=org,
            failed_recently=org.failed_recently,
            problems=problems_of(org, org.failed_recently, sync_stopped=stopped),
            open_incidents=org.open_incidents,
            incident_severity=SEVERITY_OF_RANK.get(org.worst_incident_rank, ""),
        )
        for org in organizations
    ]
    healths.sort(key=lambda h: (tuple(-v for v in h.severity), h.organization.name.lower()))
    return healths


def healths_with_activity(healths: list[OrganizationHealth]) -> list[OrganizationHealth]:
    """Adds counts by status (kept by the database, models/tallies.py) and stuck counts for the
    cross-organization page (two grouped queries)."""
    by_id = {h.organization.pk: h for h in healths}
    if not by_id:
        return healths
    tallies = EncodingTally.objects.filter(organization_id__in=list(by_id))
    for organization_id, counts in tallies.counts_by_organization_and_status().items():
        by_id[organization_id].counts.update(counts)
    live = Encoding.objects.filter(organization_id__in=list(by_id)).live().order_by()
    for row in live.stuck(timezone.now()).values("organization_id").annotate(n=Count("pk")):
        by_id[row["organization_id"]].stuck = row["n"]
    return healths


def organizations_with_role(user: AbstractBaseUser) -> QuerySet[Organization]:
    """The organizations the user may see, by name, each with ``api_role`` (the higher of their own and
    their account's role: access.py) and ``failed_recently``."""
    organizations = organizations_for(user)
    if user.is_superuser:
        role = Value(Role.ADMIN.value, output_field=CharField())
    else:
        organizations, role = with_roles(organizations, user), higher_role_in_sql()
    return organizations.annotate(
        api_role=role, failed_recently=Coalesce(recent_failures(), Value(0))
    ).order_by("name", "pk")


def organization_with_role(user: AbstractBaseUser, organization: Organization) -> Organization:
    """The organization access.organization_for returned, with the annotations and counts of the detail."""
    annotated = organizations_with_role(user).get(pk=organization.pk)
    counts = EncodingTally.objects.filter(organization=organization).counts_by_status()
    annotated.counts_by_status = {status: n for status, n in counts.items() if status}
    return annotated
