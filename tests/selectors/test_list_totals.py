"""A long list's total is counted exactly up to LIST_EXACT_COUNT_LIMIT, estimated past it (the planner's
estimate on PostgreSQL; "more than the limit" where there is no planner to ask), exact on request; paging
works the same either way."""

from __future__ import annotations

import pytest
from django.db import connection

from encodings_app.models import Encoding
from encodings_app.selectors.counting import ListTotal, list_total
from encodings_app.selectors.paging import counted_page
from tests.factories import make_encoding

pytestmark = pytest.mark.django_db

LIMIT = 5


@pytest.fixture
def twelve(world):
    """Twelve live encodings of Acme, one deleted (never counted), and Globex's (never counted either)."""
    for number in range(12):
        make_encoding(world.acme, name=f"encoding {number:02d}")
    make_encoding(world.acme, name="gone", deleted_at=world.acme.created_at)
    for _ in range(3):
        make_encoding(world.globex)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE encodings_app_encoding")  # what autovacuum keeps up to date
    return world.acme.encodings.live().order_by("name")


def test_a_total_within_the_limit_is_exact_and_reads_no_more_than_one_row_past_it(
    twelve, django_assert_num_queries
):
    with django_assert_num_queries(1) as captured:
        assert list_total(twelve, limit=20) == ListTotal(12, exact=True)
    assert "LIMIT 21" in captured.captured_queries[0]["sql"]


def test_a_total_past_the_limit_is_the_planners_estimate_or_only_a_floor(twelve):
    total = list_total(twelve, limit=LIMIT)
    assert not total.exact
    if connection.vendor == "postgresql":
        # The planner expects about as many rows as the statistics ANALYZE took say the query returns.
        assert total.estimated and total.value > LIMIT, total
        assert abs(total.value - 12) <= 3, total
    else:
        # SQLite has no planner estimate to offer: only what the count saw, more than the limit.
        assert total == ListTotal(LIMIT, exact=False) and total.at_least


def test_the_exact_total_is_counted_when_asked_for_past_the_limit(twelve):
    assert list_total(twelve, limit=LIMIT, exact=True) == ListTotal(12, exact=True)


def test_pages_of_an_estimated_list_page_by_their_own_rows(twelve):
    first, corrected = counted_page(twelve, 5, 1, count_limit=LIMIT)
    assert not corrected and not first.total.exact
    assert [e.name for e in first.object_list] == [f"encoding {n:02d}" for n in range(5)]
    assert (first.has_previous, first.has_next, first.next_page_number) == (False, True, 2)
    assert (first.start_index, first.end_index) == (1, 5)

    second, _ = counted_page(twelve, 5, 2, count_limit=LIMIT)
    assert (second.has_previous, second.previous_page_number, second.has_next) == (True, 1, True)
    assert (second.start_index, second.end_index) == (6, 10)


def test_the_last_page_of_an_estimated_list_knows_the_exact_total(twelve):
    last, corrected = counted_page(twelve, 5, 3, count_limit=LIMIT)
    assert not corrected
    assert [e.name for e in last.object_list] == ["encoding 10", "encoding 11"]
    assert last.total == ListTotal(12, exact=True)
    assert (last.has_next, last.num_pages, last.start_index, last.end_index) == (False, 3, 11, 12)


def test_a_page_past_the_end_of_an_estimated_list_is_its_last_page(twelve):
    page, corrected = counted_page(twelve, 5, 40, count_limit=LIMIT)
    assert corrected
    assert page.number == 3 and page.total == ListTotal(12, exact=True)
    assert [e.name for e in page.object_list] == ["encoding 10", "encoding 11"]


def test_a_page_past_the_end_of_a_counted_list_is_its_last_page_without_another_count(
    twelve, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the count (12, within the limit), the last page's rows
        page, corrected = counted_page(twelve, 5, 40, count_limit=20)
    assert corrected and page.number == 3 and len(page.object_list) == 2


def test_an_empty_list_is_one_empty_page(world):
    page, corrected = counted_page(Encoding.objects.none(), 5, 3, count_limit=LIMIT)
    assert corrected and page.number == 1
    assert page.object_list == [] and page.total == ListTotal(0, exact=True)
    assert (page.has_next, page.has_previous, page.start_index, page.end_index) == (False, False, 0, 0)
