"""Pages of lists that page through a query.

``page_or_last``: the page asked for, or the last one when it is past the end (a link kept while the list
shrank), and whether that happened, so the page can say so. For lists of a few thousand rows at most.

``counted_page``: the same for lists that may hold a million rows (the encodings list), whose total is
counted exactly only up to a limit (counting.py). Whether there is a next page comes from reading one row
more than the page holds, never from the total, so paging works the same with an estimate; the last page
knows the exact total for free (the rows before it plus its own).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from encodings_app.selectors.counting import ListTotal, list_total


def page_or_last(queryset: QuerySet, per_page: int, number: int) -> tuple[Page, bool]:
    """Two queries: the count and the page's rows. `number` below 1 is the first page."""
    paginator = Paginator(queryset, per_page)
    corrected = number > paginator.num_pages
    return paginator.page(min(max(1, number), paginator.num_pages)), corrected


@dataclass(frozen=True)
class CountedPage:
    """One page and the list's total, with the names templates know from Django's Page where they mean
    the same (number, object_list, has_next, start_index ...)."""

    object_list: list[Any]
    number: int
    per_page: int
    total: ListTotal
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.object_list)

    @property
    def num_pages(self) -> int:
        """Exact with an exact total; else as many as the estimate makes (at least one past this page)."""
        pages = max(1, math.ceil(self.total.value / self.per_page))
        return pages if self.total.exact else max(pages, self.number + 1)


def counted_page(
    queryset: QuerySet,
    per_page: int,
    number: int,
    *,
    count_limit: int,
    exact_count: bool = False,
    rows_for: Callable[[ListTotal], QuerySet] | None = None,
) -> tuple[CountedPage, bool]:
    """The page asked for, or the last one when it is past the end, and whether that happened.

    ``queryset`` is counted; its rows, ordered, are ``rows_for(total)`` (the queryset itself by default):
    what the count found may decide how the rows are best read. Two queries when the total is within
    ``count_limit`` (the capped count, the rows), three past it (and the planner's estimate); a page past
    the end of an estimated list adds the exact count that finds the last page.
    """
    rows_for = rows_for or (lambda total: queryset)
    number = max(1, number)
    total = list_total(queryset, limit=count_limit, exact=exact_count)
    corrected = False
    if total.exact and number > _last_page(total.value, per_page):
        number, corrected = _last_page(total.value, per_page), True
    rows = _rows(rows_for(total), per_page, number)
    if not rows and number > 1 and not total.exact:
        # Past the end of a list only estimated: the exact count says where its last page is.
        total = list_total(queryset, limit=count_limit, exact=True)
        number, corrected = _last_page(total.value, per_page), True
        rows = _rows(rows_for(total), per_page, number)
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    seen = (number - 1) * per_page + len(rows)
    if not total.exact and not has_next:
        # The last page: everything before it and its own rows are the whole list.
        total = ListTotal(seen, exact=True)
    elif not total.exact and total.value <= seen:
        # Deeper than the estimate reaches: all that is known is that there is more than this.
        total = ListTotal(seen, exact=False)
    return CountedPage(rows, number, per_page, total, has_next), corrected


def _last_page(count: int, per_page: int) -> int:
    return max(1, math.ceil(count / per_page))


def _rows(queryset: QuerySet, per_page: int, number: int) -> list[Any]:
    start = (number - 1) * per_page
    return list(queryset[start : start + per_page + 1])
