"""The encodings list: filters, sort and pagination, in two queries (a count and one page of rows); a third
past LIST_EXACT_COUNT_LIMIT rows (the estimate of the total, selectors/counting.py), and a fourth for a word
searched on PostgreSQL (the organization's size: selectors/search.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from encodings_app.models import DEFAULT_LIST_PAGE_SIZE, Encoding, EncodingLabel, Organization
from encodings_app.selectors.counting import ListTotal
from encodings_app.selectors.paging import CountedPage, counted_page
from encodings_app.selectors.search import ParsedSearch, has_name_patterns, search_q, word_index_pays_off

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
# A filtered list whose count found at most this many rows is read from its matches (through the index of
# its filter or search), sorted; never by walking the organization in list order to meet them on the way.
# Past it the list order is walked: more matches than this are at least 1 in 1,000 rows even of an
# organization of a million, so a page of 50 is met within about 50,000 rows, and usually far sooner.
FEW_MATCHES = 1_000


@dataclass
class EncodingFilters:
    statuses: list[str] = field(default_factory=list)
    type: str = ""
    region: str = ""
    encoder_version: str = ""
    label: str = ""
    error_code: int | None = None
    # The category of the error as the encoder reported it (Encoding.error_category), exactly.
    error_category: str = ""
    stuck: bool = False
    created_from: datetime | None = None
    created_to: datetime | None = None
    # Failed (ERROR, TRANSFER_ERROR) at or after: with error_code, an alert's encodings exactly.
    failed_from: datetime | None = None
    # ... and before: with failed_from, the failures of one day of the trends.
    failed_to: datetime | None = None
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
            or self.error_category
            or self.stuck
            or self.created_from
            or self.created_to
            or self.failed_from
            or self.failed_to
            or (self.search and self.search.terms)
        )


def filtered_encodings(
    organization: Organization, filters: EncodingFilters, *, names_by_index: bool | None = None
) -> QuerySet[Encoding]:
    """The organization's live encodings that pass the filters. ``names_by_index`` False writes the
    search's words and name prefixes so that no index serves them (the list order is walked instead); by
    default prefixes use their index, and words the trigram index when the organization is large enough for
    it to pay off (selectors/search.py)."""
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
    if filters.error_category:
        queryset = queryset.filter(error_category=filters.error_category)
    if filters.stuck:
        queryset = queryset.stuck(timezone.now())
    if filters.created_from:
        queryset = queryset.filter(created_at__gte=filters.created_from)
    if filters.created_to:
        queryset = queryset.filter(created_at__lt=filters.created_to)
    if filters.failed_from:
        queryset = queryset.failed_since(filters.failed_from)
    if filters.failed_to:
        queryset = queryset.failed_before(filters.failed_to)
    if filters.search and filters.search.terms:
        if names_by_index is None:
            words, prefixes = word_index_pays_off(organization, filters.search), True
        else:
            words = prefixes = names_by_index
        queryset = queryset.filter(search_q(filters.search, words_by_index=words, prefixes_by_index=prefixes))
    return queryset


def ordering(sort: str, *, walk_index: bool = True) -> list:
    """The list's order. With ``walk_index`` False the first key is written so that no index matches it:
    the database then finds the rows through their filter's index and sorts them (the same order)."""
    descending = sort.startswith("-")
    column = SORTS.get(sort.lstrip("-"), SORTS["created"])
    # People read "beta" between "Alpha" and "Gamma", whatever the database's collation says.
    expression = Lower(column) if column == "name" else F(column)
    if not walk_index:
        expression = Coalesce(expression, expression)
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
    total is exact up to LIST_EXACT_COUNT_LIMIT, or when ``exact_count`` asks for it; else estimated.

    The count goes first and decides how the page is read, where PostgreSQL's planner cannot know: its
    estimate of how many names match a LIKE pattern can be off a hundredfold (EXPLAIN ANALYZE, 400,000
    encodings: 1,987 expected for "name:Sintel S01E0*", 73 found), and then it walks the whole organization
    in list order to meet a few matches (370 ms), or sorts 100,000 of them for a page of 50 (600 ms).
    Few matches (FEW_MATCHES): read them through their index and sort them. More: walk the list order, which
    meets a page of them within a few thousand rows, with the search's words and name prefixes read from the
    rows: the planner assumes a prefix is as common in every organization, so it may take one organization's
    25,000 "Match…" names for 2,500 and sort them all (170 ms, bench data among 200 organizations), and the
    trigram index costs what every organization's names holding the word cost.
    """
    filtered = filtered_encodings(organization, filters)
    limit = settings.LIST_EXACT_COUNT_LIMIT
    patterns = bool(filters.search) and has_name_patterns(filters.search)

    def rows_for(total: ListTotal) -> QuerySet[Encoding]:
        if total.exact and total.value <= FEW_MATCHES:
            return filtered.for_list().order_by(*ordering(filters.sort, walk_index=False))
        walked = filtered_encodings(organization, filters, names_by_index=False) if patterns else filtered
        return walked.for_list().order_by(*ordering(filters.sort))

    return counted_page(
        filtered, page_size, page_number, count_limit=limit, exact_count=exact_count, rows_for=rows_for
    )
