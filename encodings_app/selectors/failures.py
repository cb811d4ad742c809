"""Recent failures of one organization grouped by error code, for the overview and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Max, Min, QuerySet

from encodings_app.bitmovin import ErrorExplanation
from encodings_app.models import FAILED_AT, Organization, explain_failure

# The overview's "Recent failures" and the API's default window.
FAILURE_WINDOW = timedelta(days=7)
FAILURE_GROUPS_SHOWN = 8


@dataclass(frozen=True)
class FailureGroup:
    error_code: int | None
    count: int
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    explanation: ErrorExplanation


def failure_rows(organization: Organization, *, since: datetime) -> QuerySet:
    """Failed encodings since then, one row per error code, the most recently failed first."""
    return (
        organization.encodings.live()
        .failed_since(since)
        .order_by()
        .values("error_code")
        .annotate(
            n=Count("pk"),
            first=Min(FAILED_AT),
            last=Max(FAILED_AT),
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


def failure_groups(
    organization: Organization, *, since: datetime, limit: int = FAILURE_GROUPS_SHOWN
) -> list[FailureGroup]:
    return [failure_group(row) for row in failure_rows(organization, since=since)[:limit]]
