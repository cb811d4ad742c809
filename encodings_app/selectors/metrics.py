"""What /metrics reads from the database: each figure for every organization at once, one query per figure,
so a scrape costs the same few queries however many organizations there are.

Sync runs and webhook deliveries are pruned after a few days, so they are counted over a recent window
(METRICS_WINDOW) rather than as ever-growing totals, which would fall with each prune.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Min, QuerySet

from encodings_app.bitmovin.error_codes import CATALOGUE
from encodings_app.models import (
    Encoding,
    EncodingStatus,
    Organization,
    PendingRefresh,
    SyncRun,
    WebhookDelivery,
)

METRICS_WINDOW = timedelta(hours=1)
# Label values that stand for many: a status or an error code the dashboard does not know (a label per
# value Bitmovin might invent would let the number of series grow without bound), and no code at all.
UNKNOWN = "unknown"
NO_CODE = "none"

Counts = dict[int, dict[str, int]]  # organization id -> label value -> count


@dataclass(frozen=True)
class MetricsReading:
    organizations: list[Organization]
    encodings_by_status: Counts = field(default_factory=dict)
    failures_by_code: Counts = field(default_factory=dict)
    sync_runs_by_outcome: Counts = field(default_factory=dict)
    # Deliveries to an unknown organization have no organization: they are under the key None.
    deliveries_by_verdict: dict[int | None, dict[str, int]] = field(default_factory=dict)
    # Refreshes waiting in the outbox: how many, and when the oldest was first asked for.
    pending_refreshes: dict[int, tuple[int, datetime]] = field(default_factory=dict)


def metrics_organizations() -> list[Organization]:
    """Every organization, with only what the metrics read: the slug for the label, the sync state, and
    what naming the key's request budget needs (never shown)."""
    return list(
        Organization.objects.order_by("slug").only(
            "slug",
            "name",
            "last_sync_succeeded_at",
            "api_key_encrypted",
            "api_base_url",
            "key_unreadable",
            "key_rejected",
            "sync_enabled",
        )
    )


def metrics_reading(now: datetime) -> MetricsReading:
    since = now - METRICS_WINDOW
    return MetricsReading(
        organizations=metrics_organizations(),
        encodings_by_status=_counts(
            Encoding.objects.live(), "status", lambda status: status if status in _STATUSES else UNKNOWN
        ),
        failures_by_code=_counts(Encoding.objects.live().failed_since(since), "error_code", _code_label),
        sync_runs_by_outcome=_counts(SyncRun.objects.filter(started_at__gte=since), "outcome", str),
        deliveries_by_verdict=_counts(WebhookDelivery.objects.filter(received_at__gte=since), "verdict", str),
        pending_refreshes={
            organization_id: (n, oldest)
            for organization_id, n, oldest in PendingRefresh.objects.order_by()
            .values("organization_id")
            .annotate(n=Count("pk"), oldest=Min("requested_at"))
            .values_list("organization_id", "n", "oldest")
        },
    )


_STATUSES = frozenset(EncodingStatus.values)


def _code_label(code: int | None) -> str:
    if code is None:
        return NO_CODE
    return str(code) if code in CATALOGUE else UNKNOWN


def _counts(queryset: QuerySet, column: str, label) -> Counts:
    counts: Counts = defaultdict(lambda: defaultdict(int))
    rows = queryset.order_by().values_list("organization_id", column).annotate(n=Count("pk"))
    for organization_id, value, n in rows:
        counts[organization_id][label(value)] += n
    return {organization_id: dict(by_label) for organization_id, by_label in counts.items()}
