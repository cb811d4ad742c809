"""The list's search is served by indexes on PostgreSQL: EXPLAIN of the statements the list itself runs, on a
few thousand encodings, names which index each one reads (search_indexes.py). On SQLite, which has none of
these indexes, the same statements find the same encodings by reading the organization's rows.

What makes the planner's choice reliable here, rather than a close call: ANALYZE gives it this table's real
statistics (a test database has none, and then it guesses every selectivity), and the trigram index's
pending list is merged, as autovacuum would have done (the planner prices a GIN index's pending list as
read in full, and the 3,500 rows inserted here all wait in it); its cost settings are fixed
at PostgreSQL's documented defaults, so that a machine's own tuning (an SSD's random_page_cost, a large
effective_cache_size) does not decide the test; no plan type is switched off. And every term is chosen so
that the index is the clear winner on these 3,500 rows: a word that 3 names hold, a prefix that 17 names
have, a label that 3 encodings carry, each a small fraction of the organization's 3,000 rows. On SQLite the
plans show the other side: only the organization's own rows are read (its index by organization_id).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from encodings_app.models import Encoding, EncodingLabel
from encodings_app.selectors import search
from encodings_app.selectors.encodings import EncodingFilters, encodings_page
from encodings_app.selectors.search import parse_search
from tests.support.planner import PLANNER_DEFAULTS

pytestmark = pytest.mark.django_db

SHOWS = ["Evening News", "Morning Show", "Weather", "Champions League", "Kids Corner", "Documentary"]
RARE_WORD = "zqxj"  # in 3 names of the large organization
RARE_LABEL = "rare-one"  # on 3 encodings of it


def fill(organization, count: int) -> None:
    """`count` encodings named like a broadcaster's (show, episode, language, a serial), 1 in 2 labelled
    "news"; a few carry the rare word and the rare label."""
    now = timezone.now()
    encodings = Encoding.objects.bulk_create(
        Encoding(
            organization=organization,
            bitmovin_id=f"{organization.slug}-{number:05d}",
            name=f"{SHOWS[number % len(SHOWS)]} {number:05d} {'de' if number % 3 else 'en'}"
            + (f" {RARE_WORD}" if number in (7, 1500, 2900) else ""),
            status="FINISHED",
            type="VOD",
            progress=100,
            created_at=now - timedelta(minutes=number),
        )
        for number in range(count)
    )
    labels = [
        EncodingLabel(encoding=encoding, organization=organization, label=label)
        for number, encoding in enumerate(encodings)
        for label in (["news"] if number % 2 else []) + ([RARE_LABEL] if number in (11, 1600, 2950) else [])
    ]
    EncodingLabel.objects.bulk_create(labels)


@pytest.fixture
def large(world):
    """Acme with 3,000 encodings, Globex with 500 of the same names and labels (another organization's
    rows, which an organization's search must neither read nor return), with the planner set up as above."""
    fill(world.acme, 3000)
    fill(world.globex, 500)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # What autovacuum does to a table in production: rows inserted into a GIN index wait in its
            # pending list (which the planner prices as read in full) until a vacuum merges them in.
            cursor.execute("SELECT gin_clean_pending_list('enc_name_trgm')")
            cursor.execute("ANALYZE encodings_app_encoding")
            cursor.execute("ANALYZE encodings_app_encodinglabel")
            for name, value in PLANNER_DEFAULTS.items():
                cursor.execute(f"SET LOCAL {name} = {value}")
    return world.acme


def plans_of_list(organization, filters: EncodingFilters) -> tuple[list, list[str]]:
    """The page's rows, and the plan of every statement the list ran on the encodings (EXPLAIN on
    PostgreSQL, EXPLAIN QUERY PLAN on SQLite), each as one string."""
    executed: list[tuple[str, object]] = []

    def capture(execute, sql, params, many, context):
        executed.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        page, _ = encodings_page(organization, filters, 1, 25)
    explain = "EXPLAIN" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
    plans = []
    with connection.cursor() as cursor:
        for sql, params in executed:
            if sql.startswith("SELECT") and "encodings_app_encoding" in sql:
                cursor.execute(f"{explain} {sql}", params)
                plans.append("\n".join(str(row[-1]) for row in cursor.fetchall()))
    return page.object_list, plans


def names(rows) -> list[str]:
    return sorted(encoding.name for encoding in rows)


def test_a_word_in_a_large_organization_is_looked_up_in_the_trigram_index(large, monkeypatch):
    # An organization past NAME_SCAN_LIMIT looks words up in the index; 3,000 rows are "large" here.
    monkeypatch.setattr(search, "NAME_SCAN_LIMIT", 1000)
    rows, plans = plans_of_list(large, EncodingFilters(search=parse_search(RARE_WORD.upper())))
    assert names(rows) == sorted(
        f"{SHOWS[n % 6]} {n:05d} {'de' if n % 3 else 'en'} {RARE_WORD}" for n in (7, 1500, 2900)
    )
    count, page = plans
    if connection.vendor == "postgresql":
        # The count, then the page of its few matches (found through the index, then sorted).
        assert "enc_name_trgm" in count, count
        assert "enc_name_trgm" in page, page
    else:
        assert all("(organization_id=?" in plan for plan in plans), plans


def test_a_word_in_a_small_organization_is_not_looked_up_in_the_trigram_index(large):
    # Below NAME_SCAN_LIMIT: the trigram index would collect every organization's names holding the word.
    rows, plans = plans_of_list(large, EncodingFilters(search=parse_search(RARE_WORD)))
    assert len(rows) == 3
    assert all("organization_id" in plan and "enc_name_trgm" not in plan for plan in plans), plans


@pytest.mark.parametrize(
    "text",
    ['name:"Weather 002"*', 'name:"weather 00200 de"'],
    ids=["prefix", "exact"],
)
def test_a_name_prefix_or_an_exact_name_is_looked_up_by_organization_and_name(large, text):
    rows, plans = plans_of_list(large, EncodingFilters(search=parse_search(text)))
    assert rows and all(row.name.upper().startswith("WEATHER 002") for row in rows)
    if connection.vendor == "postgresql":
        assert all("enc_name_upper" in plan for plan in plans), plans
    else:
        assert all("(organization_id=?" in plan for plan in plans), plans


def test_a_rare_label_is_found_from_its_few_label_rows(large):
    rows, plans = plans_of_list(large, EncodingFilters(search=parse_search(f"labels:{RARE_LABEL.upper()}")))
    assert sorted(row.bitmovin_id for row in rows) == ["acme-00011", "acme-01600", "acme-02950"]
    if connection.vendor == "postgresql":
        assert all("label_org_label_upper" in plan for plan in plans), plans
    else:
        assert all("(organization_id=?" in plan for plan in plans), plans


def test_a_common_label_sorted_by_name_walks_the_name_order_and_stops_at_the_page(large):
    # 1,500 of the 3,000 carry it: the page reads the list in name order and probes each encoding's labels
    # until it has 25, instead of joining all 1,500 and sorting them.
    rows, plans = plans_of_list(large, EncodingFilters(label="news", sort="name"))
    assert len(rows) == 25
    assert [row.name.lower() for row in rows] == sorted(row.name.lower() for row in rows)
    page = plans[-1]
    assert "enc_org_name" in page, page
    if connection.vendor == "postgresql":
        assert "Sort" not in page, page
    else:
        assert "TEMP B-TREE" not in page, page
