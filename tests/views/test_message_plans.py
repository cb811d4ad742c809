"""The detail page and the API read an encoding's messages by an index, in the order they show them.

A page of the timeline is read from the message indexes in time order and stops after it, and the counts by
type come from an index alone, so that neither the length of the encoding's history nor the size of the
message table is sorted or scanned through. Checked by the plans the database chooses for the statements the
pages really run, on a few thousand messages vacuumed and analyzed as autovacuum leaves a table: EXPLAIN on
PostgreSQL, EXPLAIN QUERY PLAN on SQLite.

On PostgreSQL the planner's cost settings are pinned to its defaults, whatever the server is tuned to, and a
sequential scan is priced out: the table of a few thousand rows stands for one of millions, which no plan
would read whole, while at this size reading it all is rightly the cheapest. Among the indexes the planner
chooses freely, and a plan that sorts the encoding's messages instead of reading them in order shows.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import connection, transaction

from tests.factories import make_encoding, message_history, running_encoding
from tests.support.planner import PLANNER_DEFAULTS

# Committed rows: VACUUM, which sets the visibility map an index-only scan relies on, runs outside a
# transaction only.
pytestmark = pytest.mark.django_db(transaction=True)

HISTORY = 3000  # messages of the encoding looked at: of each type, more than a page
OTHERS, EACH = 100, 40  # and of the encodings around it
MESSAGE_TABLE = "encodings_app_message"
# The planner's defaults, with sequential scans priced out: the few thousand rows here stand in for millions.
PLANNER_SETTINGS = {**PLANNER_DEFAULTS, "enable_seqscan": "off"}


def with_neighbours(world, encoding):
    """The encoding's history and, around it, other encodings' messages, vacuumed and analyzed."""
    message_history(encoding, HISTORY, seed=7)
    for number in range(OTHERS):
        message_history(make_encoding(world.acme, bitmovin_id=f"other-{number}"), EACH, seed=number)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {MESSAGE_TABLE}" if connection.vendor == "postgresql" else "ANALYZE")
    return encoding


@contextmanager
def planner_pinned():
    """The planner's settings pinned for what runs inside (one transaction)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for name, value in PLANNER_SETTINGS.items():
                    cursor.execute(f"SET LOCAL {name} = {value}")
        yield


def message_plans(client, url: str, **headers) -> list[tuple[str, str]]:
    """The statements on the message table a request runs, each with the plan the database chooses."""
    ran: list[tuple[str, object]] = []

    def record(execute, sql, params, many, context):
        ran.append((sql, params))
        return execute(sql, params, many, context)

    with planner_pinned():
        with connection.execute_wrapper(record):
            response = client.get(url, **headers)
        assert response.status_code == 200, response.content[:500]
        return [(sql, plan_of(sql, params)) for sql, params in ran if f'FROM "{MESSAGE_TABLE}"' in sql]


def plan_of(sql: str, params) -> str:
    explain = "EXPLAIN" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
    with connection.cursor() as cursor:
        cursor.execute(f"{explain} {sql}", params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def assert_read_in_order_from(
    plan: str, index: str, *, only_index: bool = False, backward: bool = False
) -> None:
    if connection.vendor == "postgresql":
        scan = "Index Only Scan" if only_index else "Index Scan Backward" if backward else "Index Scan"
        assert f"{scan} using {index} on {MESSAGE_TABLE}" in plan, plan
        assert "Sort" not in plan and "Bitmap" not in plan, plan
    else:
        assert f"USING {'COVERING ' if only_index else ''}INDEX {index} " in plan, plan
        assert "TEMP B-TREE" not in plan, plan


def detail_url(encoding, query: str = "") -> str:
    return f"/o/{encoding.organization.slug}/encodings/{encoding.bitmovin_id}/?{query}"


def api_url(encoding, query: str = "") -> str:
    organization = encoding.organization.slug
    return f"/api/v1/organizations/{organization}/encodings/{encoding.bitmovin_id}/messages?{query}"


def test_the_timeline_reads_its_page_in_time_order_and_counts_types_from_an_index_alone(world, login):
    encoding = with_neighbours(world, running_encoding(world.acme))

    (counts_sql, counts), (page_sql, page) = message_plans(login(world.viewer), detail_url(encoding))

    assert "GROUP BY" in counts_sql
    assert_read_in_order_from(counts, "msg_encoding_type_time", only_index=True)
    assert "LIMIT 100" in page_sql
    assert_read_in_order_from(page, "msg_encoding_time")


def test_a_timeline_of_one_type_reads_that_type_from_its_index(world, login):
    encoding = with_neighbours(world, running_encoding(world.acme))

    _, (_, page) = message_plans(login(world.viewer), detail_url(encoding, "types=ERROR"))

    assert_read_in_order_from(page, "msg_encoding_type_time")


def test_the_last_page_is_read_backwards_from_the_end_of_the_index(world, login):
    encoding = with_neighbours(world, running_encoding(world.acme))
    last = -(-HISTORY // 100)

    query = f"types=ERROR,WARNING,INFO,DEBUG,TRACE&mpage={last}"
    _, (page_sql, page) = message_plans(login(world.viewer), detail_url(encoding, query))

    assert "OFFSET" not in page_sql, "the last page starts at the end: nothing to skip"
    assert_read_in_order_from(page, "msg_encoding_time", backward=True)


def test_the_error_panel_reads_the_first_error_messages_from_the_type_index(world, login):
    encoding = with_neighbours(world, make_encoding(world.acme, status="ERROR", error_code=2016))

    plans = message_plans(login(world.viewer), detail_url(encoding))

    (first_errors,) = [plan for sql, plan in plans if "LIMIT 20" in sql]
    assert_read_in_order_from(first_errors, "msg_encoding_type_time")


@pytest.mark.parametrize(
    ("query", "index"), [("", "msg_encoding_time"), ("type=ERROR", "msg_encoding_type_time")]
)
def test_the_api_reads_messages_in_time_order_from_an_index(world, login, query, index):
    encoding = with_neighbours(world, running_encoding(world.acme))

    ((_, page),) = message_plans(login(world.viewer), api_url(encoding, query))

    assert_read_in_order_from(page, index)
