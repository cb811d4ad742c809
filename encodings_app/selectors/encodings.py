"""The encodings list: filters, sort and pagination, in two queries (a count and one page of rows); a third
past LIST_EXACT_COUNT_LIMIT rows (the estimate of the total, selectors/counting.py), and a fourth for a word
searched on PostgreSQL (the organization's size: selectors/search.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from encodings_app.models import DEFAULT_LIST_PAGE_SIZE, Encoding, EncodingLabel, Organization
from encodings_app.selectors.paging import CountedPage, counted_page
from encodings_app.selectors.search import ParsedSearch, search_q, words_by_index

# URL value -> model field. Every sort ends with the primary key so pages never overlap or skip rows.
SORTS = {
    "created": "created_at",
    "name": "name",
    "status": "status",
    "type": "type",
    "progress": "progress",
    "started": "started_at",
    "finished": "finished_at",
}
DEFAULT_SORT = "-created"
# Columns an encoding may lack (not started, not finished): those always sort last.
NULLABLE_SORTS = {"progress", "started_at", "finished_at"}


@dataclass
class EncodingFilters:
    statuses: list[str] = field(default_factory=list)
    type: str = ""
    region: str = ""
    encoder_version: str = ""
    label: str = ""
    error_code: int | None = None
    stuck: bool = False
    created_from: datetime | None = None
    created_to: datetime | None = None
    # Failed (ERROR, TRANSFER_ERROR) at or after: with error_code, an alert's encodings exactly.
    failed_from: datetime | None = None
    search: ParsedSearch | None = None
    sort: str = DEFAULT_SORT

    @property
    def active(self) -> bool:
        return bool(
            self.statuses
            or self.type
            or self.region
            or self.encoder_version
            or self.label
            or self.error_code is not None
            or self.stuck
            or self.created_from
            or self.created_to
            or self.failed_from
            or (self.search and self.search.terms)
        )


def filtered_encodings(organization: Organization, filters: EncodingFilters) -> QuerySet[Encoding]:
    queryset = organization.encodings.live()
    if filters.statuses:
        queryset = queryset.filter(status__in=filters.statuses)
    if filters.type:
        queryset = queryset.filter(type=filters.type)
    if filters.region:
        # The requested region, or the one Bitmovin chose for AUTO: an operator asking for a region means
        # either.
        queryset = queryset.filter(Q(cloud_region=filters.region) | Q(selected_cloud_region=filters.region))
    if filters.encoder_version:
        version = filters.encoder_version
        queryset = queryset.filter(Q(encoder_version=version) | Q(selected_encoder_version=version))
    if filters.label:
        labelled = EncodingLabel.objects.filter(organization=organization, label=filters.label)
        queryset = queryset.filter(pk__in=labelled.values("encoding_id"))
    if filters.error_code is not None:
        queryset = queryset.filter(error_code=filters.error_code)
    if filters.stuck:
        queryset = queryset.stuck(timezone.now())
    if filters.created_from:
        queryset = queryset.filter(created_at__gte=filters.created_from)
    if filters.created_to:
        queryset = queryset.filter(created_at__lt=filters.created_to)
    if filters.failed_from:
        queryset = queryset.failed_since(filters.failed_from)
    if filters.search and filters.search.terms:
        by_index = words_by_index(organization, filters.search)
        queryset = queryset.filter(search_q(filters.search, words_by_index=by_index))
    return queryset


def ordering(sort: str) -> list:
    descending = sort.startswith("-")
    column = SORTS.get(sort.lstrip("-"), SORTS["created"])
    # People read "beta" between "Alpha" and "Gamma", whatever the database's collation says.
    expression = Lower(column) if column == "name" else F(column)
    if column in NULLABLE_SORTS:
        key = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
    else:
        # Plain ASC/DESC for columns that are never empty, so that the list's indexes serve the order.
        key = expression.desc() if descending else expression.asc()
    return [key, "-pk" if descending else "pk"]


def encodings_page(
    organization: Organization,
    filters: EncodingFilters,
    page_number: int = 1,
    page_size: int = DEFAULT_LIST_PAGE_SIZE,
    *,
    exact_count: bool = False,
) -> tuple[CountedPage, bool]:
    """One page of the filtered list, and whether the page asked for was out of range (then the last). The
    total is exact up to LIST_EXACT_COUNT_LIMIT, or when ``exact_count`` asks for it; else estimated."""
    queryset = filtered_encodings(organization, filters).for_list().order_by(*ordering(filters.sort))
    return counted_page(
        queryset, page_size, page_number, count_limit=settings.LIST_EXACT_COUNT_LIMIT, exact_count=exact_count
    )
