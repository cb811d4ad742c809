"""What /metrics reads from the database: each figure for every organization at once, one query per figure,
so a scrape costs the same few queries however many organizations there are.

Sync runs, webhook deliveries and alert deliveries are pruned after some days, so they are counted over a
recent window (METRICS_WINDOW) rather than as ever-growing totals, which would fall with each prune.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Aggregate, Count, Min, Q, QuerySet, Sum

from encodings_app.bitmovin.error_codes import CATALOGUE
from encodings_app.models import (
    AlertChannel,
    AlertDelivery,
    Encoding,
    EncodingStatus,
    EncodingTally,
    Incident,
    Organization,
    PendingRefresh,
    SyncRun,
    WebhookDelivery,
)
from encodings_app.models.alert_channels import DELIVERY_OUTCOME, DELIVERY_OUTCOMES
from encodings_app.models.alerts import SEVERITY_BY_KIND, SEVERITY_RANK

METRICS_WINDOW = timedelta(hours=1)
# Label values that stand for many: a status or an error code the dashboard does not know (a label per
# value Bitmovin might invent would let the number of series grow without bound), and no code at all.
UNKNOWN = "unknown"
NO_CODE = "none"

Counts = dict[int, dict[str, int]]  # organization id -> label value -> count
Waiting = dict[int, tuple[int, datetime]]  # organization id -> (how many wait, when the oldest was asked for)


@dataclass(frozen=True)
class MetricsReading:
    organizations: list[Organization]
    encodings_by_status: Counts = field(default_factory=dict)
    failures_by_code: Counts = field(default_factory=dict)
    sync_runs_by_outcome: Counts = field(default_factory=dict)
    # Deliveries to an unknown organization have no organization: they are under the key None.
    deliveries_by_verdict: dict[int | None, dict[str, int]] = field(default_factory=dict)
    # Refreshes waiting in the outbox: how many, and when the oldest was first asked for.
    pending_refreshes: Waiting = field(default_factory=dict)
    open_incidents_by_severity: Counts = field(default_factory=dict)
    # Alert deliveries queued in the window, by outcome (label form: "given_up"); those not yet delivered
    # nor given up, whenever queued: how many, and when the oldest was queued.
    alert_deliveries_by_outcome: Counts = field(default_factory=dict)
    alert_deliveries_waiting: Waiting = field(default_factory=dict)
    alert_channels_paused: dict[int, int] = field(default_factory=dict)


def metrics_organizations() -> list[Organization]:
    """Every organization, with only what the metrics read: the slug for the label, the sync state, and
    what naming the key's request budget needs, from its connection (never shown)."""
    return list(
        Organization.objects.order_by("slug")
        .select_related("connection")
        .only(
            "slug",
            "name",
            "last_sync_succeeded_at",
            "connection__api_key_encrypted",
            "connection__api_base_url",
            "key_unreadable",
            "key_rejected",
            "sync_enabled",
        )
    )


def metrics_reading(now: datetime) -> MetricsReading:
    since = now - METRICS_WINDOW
    deliveries_by_outcome, deliveries_waiting = _alert_deliveries(since)
    return MetricsReading(
        organizations=metrics_organizations(),
        # Kept by the database (models/tallies.py): a scrape counts no encodings.
        encodings_by_status=_counts(
            EncodingTally.objects.all(),
            "status",
            lambda status: status if status in _STATUSES else UNKNOWN,
            amount=Sum("n"),
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
        # The open ones, through the index of incident_one_open_per_cause.
        open_incidents_by_severity=_counts(
            Incident.objects.filter(resolved_at__isnull=True), "kind", incident_severity
        ),
        alert_deliveries_by_outcome=deliveries_by_outcome,
        alert_deliveries_waiting=deliveries_waiting,
        alert_channels_paused=dict(
            AlertChannel.objects.filter(enabled=True, paused_at__isnull=False)
            .order_by()
            .values("organization_id")
            .annotate(n=Count("pk"))
            .values_list("organization_id", "n")
        ),
    )


def incident_severity(kind: str) -> str:
    # Incident.severity's own rule (a kind it does not know included), not a copy of it.
    return Incident(kind=kind).severity


def outcome_label(outcome: str) -> str:
    """AlertDelivery.outcome as a label value: "given up" is "given_up", as label values go."""
    return outcome.replace(" ", "_")


# The label values listed for every organization, zero included: the severities incidents can have, worst
# first, and every outcome of a delivery.
SEVERITIES = tuple(sorted(set(SEVERITY_BY_KIND.values()), key=SEVERITY_RANK.__getitem__))
DELIVERY_OUTCOME_LABELS = tuple(outcome_label(outcome) for outcome in DELIVERY_OUTCOMES)


def _alert_deliveries(since: datetime) -> tuple[Counts, Waiting]:
    """One query for both figures, as both read the same rows: those queued since `since` (index
    alert_delivery_created) and those still waiting (alert_delivery_due), grouped by organization and outcome.
    Waiting is what the delivery engine and retention call it: a next attempt still to come."""
    recent, waiting = Q(created_at__gte=since), Q(next_attempt_at__isnull=False)
    rows = (
        AlertDelivery.objects.filter(recent | waiting)
        .order_by()
        .annotate(outcome_now=DELIVERY_OUTCOME)
        .values_list("channel__organization_id", "outcome_now")
        .annotate(
            n_recent=Count("pk", filter=recent),
            n_waiting=Count("pk", filter=waiting),
            oldest=Min("created_at", filter=waiting),
        )
    )
    by_outcome: Counts = defaultdict(dict)
    oldest_waiting: Waiting = {}
    for organization_id, outcome, n_recent, n_waiting, oldest in rows:
        if n_recent:
            by_outcome[organization_id][outcome_label(outcome)] = n_recent
        if n_waiting:
            before_n, before_oldest = oldest_waiting.get(organization_id, (0, oldest))
            oldest_waiting[organization_id] = (before_n + n_waiting, min(before_oldest, oldest))
    return dict(by_outcome), oldest_waiting


_STATUSES = frozenset(EncodingStatus.values)


def _code_label(code: int | None) -> str:
    if code is None:
        return NO_CODE
    return str(code) if code in CATALOGUE else UNKNOWN


def _counts(queryset: QuerySet, column: str, label, *, amount: Aggregate | None = None) -> Counts:
    """Per organization, its rows by the label of `column`: counted, or summed by `amount`."""
    counts: Counts = defaultdict(lambda: defaultdict(int))
    rows = queryset.order_by().values_list("organization_id", column).annotate(n=amount or Count("pk"))
    for organization_id, value, n in rows:
        if n:
            counts[organization_id][label(value)] += n
    return {organization_id: dict(by_label) for organization_id, by_label in counts.items()}
