"""Reads the API needs beyond the pages' selectors: organizations with the caller's role, failure groups
paged, messages paged. Every query starts from what encodings_app.access allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    CharField,
    Count,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from encodings_app.access import organizations_for
from encodings_app.bitmovin import ErrorExplanation
from encodings_app.models import FAILED_STATUSES, Encoding, Membership, Message, Organization, Role
from encodings_app.selectors.organizations import failures_since
from encodings_app.selectors.overview import explain_failure, live_encodings

# "Failures now" in the organizations list, the same window as the switcher's chip.
RECENT_FAILURES_WINDOW = timedelta(hours=24)
DEFAULT_FAILURE_WINDOW = timedelta(days=7)

ENCODING_LIST_COLUMNS = (
    "bitmovin_id",
    "name",
    "type",
    "status",
    "progress",
    "eta_seconds",
    "cloud_region",
    "selected_cloud_region",
    "encoder_version",
    "selected_encoder_version",
    "labels",
    "error_code",
    "created_at",
    "started_at",
    "running_at",
    "finished_at",
    "error_at",
)


def organizations_with_role(user) -> QuerySet[Organization]:
    """The organizations the user may see, by name, each with ``api_role`` and ``failed_recently``."""
    if user.is_superuser:
        role = Value(Role.ADMIN.value, output_field=CharField())
    else:
        role = Subquery(
            Membership.objects.filter(organization=OuterRef("pk"), user=user).values("role")[:1],
            output_field=CharField(),
        )
    since = timezone.now() - RECENT_FAILURES_WINDOW
    return (
        organizations_for(user)
        .annotate(api_role=role, failed_recently=Coalesce(failures_since(since), Value(0)))
        .order_by("name", "pk")
    )


def organization_with_role(user, organization: Organization) -> Organization:
    """The organization access.organization_for returned, with the annotations and counts of the detail."""
    annotated = organizations_with_role(user).get(pk=organization.pk)
    rows = live_encodings(organization).order_by().values("status").annotate(n=Count("*"))
    annotated.counts_by_status = {row["status"]: row["n"] for row in rows if row["status"]}
    return annotated


def messages_of(encoding: Encoding, types: list[str]) -> QuerySet[Message]:
    queryset = Message.objects.filter(encoding=encoding)
    if types:
        queryset = queryset.filter(type__in=types)
    return queryset.order_by(F("date").asc(nulls_first=True), "pk")


@dataclass(frozen=True)
class FailureGroup:
    error_code: int | None
    count: int
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    explanation: ErrorExplanation


def failure_rows(organization: Organization, *, since: datetime) -> QuerySet:
    """Failed encodings since then, one row per error code, the most recently seen first."""
    seen = Coalesce("finished_at", "error_at")
    return (
        live_encodings(organization)
        .filter(status__in=FAILED_STATUSES)
        .filter(Q(finished_at__gte=since) | Q(finished_at__isnull=True, error_at__gte=since))
        .order_by()
        .values("error_code")
        .annotate(
            n=Count("pk"),
            first=Min(seen),
            last=Max(seen),
            # Any one encoding's words stand for the group when the catalogue does not know the code.
            category=Max("error_category"),
            text=Max("error_text"),
            hint=Max("error_retry_hint"),
        )
        .order_by(F("last").desc(nulls_last=True), F("error_code").asc(nulls_last=True))
    )


def failure_group(row: dict) -> FailureGroup:
    explanation = explain_failure(row["error_code"], row["category"], row["text"], row["hint"])
    return FailureGroup(row["error_code"], row["n"], row["first"], row["last"], explanation)
