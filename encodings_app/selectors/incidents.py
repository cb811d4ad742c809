"""An organization's alert incidents as the pages show them: open ones worst first, the resolved history in
pages, one incident's explanation, transitions and notifications; and the encodings list an incident
points to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat
from django.http import QueryDict
from django.urls import reverse

from encodings_app.models import (
    DEFAULT_SEVERITY,
    SEVERITY_BY_KIND,
    SEVERITY_RANK,
    AlertDelivery,
    AlertKind,
    Incident,
    IncidentEvent,
    Organization,
)
from encodings_app.selectors.aggregates import JoinedText
from encodings_app.selectors.paging import page_or_last

RESOLVED_PER_PAGE = 25


def open_incidents(organization: Organization) -> QuerySet[Incident]:
    """Newest first (the index incident_org_opened), the id breaking ties so pages never overlap."""
    return organization.incidents.filter(resolved_at__isnull=True).order_by(F("opened_at").desc(), "-pk")


def worst_first(incidents: Iterable[Incident]) -> list[Incident]:
    return sorted(incidents, key=Incident.worst_first_key)


def open_incidents_worst_first(organization: Organization) -> list[Incident]:
    """One query. An organization has at most one open incident per cause, so they all fit one list."""
    return worst_first(open_incidents(organization))


def resolved_incidents_page(organization: Organization, page: int = 1) -> tuple[Page, bool]:
    """The resolved incidents, newest first (the index incident_org_opened), in pages: two queries. True
    when the page asked for is past the end and this is the last one."""
    resolved = organization.incidents.filter(resolved_at__isnull=False).order_by(F("opened_at").desc(), "-pk")
    return page_or_last(resolved, RESOLVED_PER_PAGE, page)


def incident_list_path(incident: Incident, slug: str) -> str:
    """The encodings list filtered to the incident's encodings ('' when the cause has none: the sync's)."""
    values = incident.details.get("list_query") if isinstance(incident.details, dict) else None
    if not values or not isinstance(values, dict):
        return ""
    query = QueryDict(mutable=True)
    for name, value in values.items():
        query.setlist(name, value if isinstance(value, list) else [value])
    return f"{reverse('encoding-list', args=[slug])}?{query.urlencode()}"


# --- one incident ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentFacts:
    """What an incident's ``details`` say, read defensively: each is None when the cause does not say it.

    The failure's explanation (meaning, what to do, whether retrying helps, the documentation) is the
    catalogue's, stored when the incident was opened (services/alerts/failures.py)."""

    error_code: int | None = None
    error_category: str = ""
    meaning: str = ""
    what_to_do: str = ""
    retry_helps: bool | None = None
    doc_url: str = ""
    window_seconds: int | None = None
    threshold: int | None = None
    first_failed_at: datetime | None = None
    last_failed_at: datetime | None = None
    last_sync_succeeded_at: datetime | None = None
    consecutive_failures: int | None = None
    last_error_request_id: str = ""

    @property
    def explains_failure(self) -> bool:
        return bool(self.meaning or self.what_to_do or self.doc_url)


def incident_facts(incident: Incident) -> IncidentFacts:
    details = incident.details if isinstance(incident.details, dict) else {}
    retry = details.get("retry_helps")
    return IncidentFacts(
        error_code=_number(details.get("error_code")),
        error_category=_text(details.get("error_category")),
        meaning=_text(details.get("meaning")) if incident.kind == AlertKind.FAILED else "",
        what_to_do=_text(details.get("what_to_do")) if incident.kind == AlertKind.FAILED else "",
        retry_helps=retry if isinstance(retry, bool) else None,
        doc_url=_text(details.get("doc_url")),
        window_seconds=_number(details.get("window_seconds")),
        threshold=_number(details.get("threshold")),
        first_failed_at=_time(details.get("first_failed_at")),
        last_failed_at=_time(details.get("last_failed_at")),
        last_sync_succeeded_at=_time(details.get("last_sync_succeeded_at")),
        consecutive_failures=_number(details.get("consecutive_failures")),
        last_error_request_id=_text(details.get("last_error_request_id")),
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def incident_events(incident: Incident) -> list[IncidentEvent]:
    """Its transitions in the order they happened (one query; an incident has one of each kind at most)."""
    return list(incident.events.order_by("at", "pk"))


def incident_deliveries(incident: Incident) -> list[AlertDelivery]:
    """The notifications sent about it, to the organization's channels, oldest first. One query: it reads
    the deliveries of the organization's few channels (index alert_delivery_per_message), which retention
    keeps bounded, and keeps those whose key is this incident's."""
    return list(
        AlertDelivery.objects.filter(
            channel__organization_id=incident.organization_id,
            message_key__startswith=incident.message_key_prefix,
        )
        .select_related("channel")
        .defer("body", "channel__target_encrypted", "channel__signing_secret_encrypted")
        .order_by("created_at", "pk")
    )


# --- per organization, inside another query ----------------------------------------------------------------


def _open_of_outer_organization() -> QuerySet[Incident]:
    """The open incidents of the organization of the outer query's row (OuterRef "pk"), grouped as one:
    read through the partial index of incident_one_open_per_cause."""
    return (
        Incident.objects.filter(organization=OuterRef("pk"), resolved_at__isnull=True)
        .order_by()
        .values("organization")
    )


def open_incident_count() -> Subquery:
    """Per organization: how many incidents are open (None: none)."""
    counted = _open_of_outer_organization().annotate(n=Count("pk")).values("n")
    return Subquery(counted, output_field=IntegerField())


def _severity_rank() -> Case:
    """Incident.severity's rank (SEVERITY_RANK) in SQL, from the same table of kinds."""
    return Case(
        *[
            When(kind=kind, then=Value(SEVERITY_RANK[severity]))
            for kind, severity in SEVERITY_BY_KIND.items()
        ],
        default=Value(SEVERITY_RANK[DEFAULT_SEVERITY]),
        output_field=IntegerField(),
    )


def worst_open_severity_rank() -> Subquery:
    """Per organization: the rank of its worst open incident's severity (None: none open)."""
    worst = _open_of_outer_organization().annotate(rank=Min(_severity_rank())).values("rank")
    return Subquery(worst, output_field=IntegerField())


SEVERITY_OF_RANK = {rank: severity for severity, rank in SEVERITY_RANK.items()}


def open_incidents_fingerprint(*, with_details: bool = False) -> Subquery:
    """Per organization: one text that changes whenever its open incidents change as a wall shows them (one
    opened or resolved, a title, count or kind changed) and at no other time: an evaluation that finds them
    as they were only moves last_seen_at, which is not in it. None when none is open.

    `with_details`: their details too, where a page shows what is made of them: the overview's panel links
    each incident to its encodings (incident_list_path), and an evaluation may move that list's "failed
    from" while the title and count stay as they were."""
    parts = [Cast("pk", CharField()), Value(":"), "kind", Value(":"), Cast("count", CharField())]
    if with_details:
        parts += [Value(":"), Cast("details", TextField())]
    shown = Concat(*parts, Value(":"), "title", output_field=TextField())
    joined = _open_of_outer_organization().annotate(text=JoinedText(shown, ordering=F("pk"))).values("text")
    return Subquery(joined, output_field=TextField())


def open_incidents_of(organization_ids: Iterable[int]) -> list[Incident]:
    """The open incidents of several organizations, each holding its organization's name (one query)."""
    return list(
        Incident.objects.filter(organization_id__in=list(organization_ids), resolved_at__isnull=True)
        .select_related("organization")
        .only("kind", "title", "count", "opened_at", "resolved_at", "organization__name")
    )
