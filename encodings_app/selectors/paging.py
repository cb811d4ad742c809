"""One page of a list that pages through a query: the page asked for, or the last one when it is past the end
(a link kept while the list shrank), and whether that happened, so the page can say so."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def page_or_last(queryset: QuerySet, per_page: int, number: int) -> tuple[Page, bool]:
    """Two queries: the count and the page's rows. `number` below 1 is the first page."""
    paginator = Paginator(queryset, per_page)
    corrected = number > paginator.num_pages
    return paginator.page(min(max(1, number), paginator.num_pages)), corrected
