"""The usage page: minutes and output per day or month by type or label, each chart with a table and a CSV
of the same figures; says how fresh the figures are; bad parameters get a note; members only."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from encodings_app.models import UsageSync
from tests.factories import make_usage_day

pytestmark = pytest.mark.django_db

URL = "/o/acme/usage/"


@pytest.fixture
def today():
    return timezone.now().date()


@pytest.fixture
def mirrored(world, today):
    """Known figures: two days of VOD, one of live, two customer labels and one other label."""
    acme = world.acme
    make_usage_day(acme, today, "VOD", minutes="10.5", seconds=300, size=2_000_000)
    make_usage_day(acme, today - timedelta(days=1), "VOD", minutes="4", seconds=120, size=1_000_000)
    make_usage_day(acme, today, "LIVE", minutes="30", seconds=1800, size=9_000_000)
    make_usage_day(acme, today, "ALL", "customer-acme", minutes="7.25", seconds=200, size=500_000)
    make_usage_day(acme, today - timedelta(days=1), "ALL", "customer-acme", minutes="1", seconds=20, size=1)
    make_usage_day(acme, today, "ALL", "Customer1", minutes="9", seconds=10, size=10)
    make_usage_day(acme, today, "ALL", "sports", minutes="99", seconds=10, size=10)
    # Another organization's usage never shows here.
    make_usage_day(world.globex, today, "VOD", minutes="555", seconds=1, size=1)
    UsageSync.objects.create(
        organization=acme, synced_at=timezone.now(), first_day=today - timedelta(days=89)
    )
    return acme


def rows_of(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_a_viewer_sees_minutes_and_output_per_day_by_type(login, world, mirrored, today):
    response = login(world.viewer).get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert "44.5 min, 12.0 MB" in html  # 10.5 + 4 + 30 minutes; 2 + 1 + 9 MB
    assert (
        html.count('class="bar-usage-first" x=') == 30 * 2
        and html.count('class="bar-usage-second" x=') == 30 * 2
    )
    assert "555" not in html
    assert 'aria-current="page">Usage</a>' in html
    assert "Read from Bitmovin" in html


def test_the_csv_has_the_figures_of_the_table(login, world, mirrored, today):
    rows = rows_of(login(world.viewer).get(URL, {"download": "csv"}))

    assert rows[0] == ["day", "series", "billable_minutes", "encoded_seconds", "output_bytes"]
    assert len(rows) == 1 + 30 * 2
    assert [today.isoformat(), "VOD", "10.500", "300", "2000000"] in rows
    assert [today.isoformat(), "LIVE", "30.000", "1800", "9000000"] in rows
    assert [(today - timedelta(days=2)).isoformat(), "VOD", "0.000", "0", "0"] in rows


def test_per_month_sums_the_days_of_each_month(login, world, mirrored, today):
    rows = rows_of(login(world.viewer).get(URL, {"by": "month", "download": "csv", "type": "VOD"}))

    assert len(rows) == 1 + 12
    months = {row[0]: row for row in rows[1:]}
    yesterday = today - timedelta(days=1)
    if yesterday.month == today.month:
        assert months[today.isoformat()[:7]][2:] == ["14.500", "420", "3000000"]
    else:
        assert months[today.isoformat()[:7]][2:] == ["10.500", "300", "2000000"]


def test_one_label_shows_only_that_labels_usage(login, world, mirrored, today):
    response = login(world.viewer).get(URL, {"label": "customer-acme"})
    rows = rows_of(login(world.viewer).get(URL, {"label": "customer-acme", "download": "csv"}))

    assert "8.2 min" in response.content.decode()  # 7.25 + 1
    assert {row[1] for row in rows[1:]} == {"customer-acme"}
    assert [today.isoformat(), "customer-acme", "7.250", "200", "500000"] in rows


def test_customer_labels_are_listed_most_minutes_first_with_their_csv(login, world, mirrored):
    client = login(world.viewer)
    html = client.get(URL).content.decode()
    rows = rows_of(client.get(URL, {"download": "labels"}))

    section = html.split('id="usage-customers"')[1]
    assert section.index("Customer1") < section.index("customer-acme") and "sports" not in section
    assert rows == [
        ["label", "billable_minutes", "encoded_seconds", "output_bytes"],
        ["Customer1", "9.000", "10", "10"],
        ["customer-acme", "8.250", "220", "500001"],
    ]


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"by": "week"}, "“by” must be day or month"),
        ({"type": "SOMETIMES"}, "“type” must be all, VOD or LIVE"),
        ({"from": "yesterday"}, "“from” must be a date like 2026-03-01"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "“to” must not be before “from”"),
        ({"from": "2020-01-01", "to": "2026-03-01"}, "A range covers at most"),
        ({"download": "xlsx"}, "“download” must be csv or labels"),
    ],
)
def test_a_bad_parameter_gets_a_note_and_the_default(login, world, mirrored, params, said):
    response = login(world.viewer).get(URL, params)

    assert response.status_code == 200
    assert said in response.content.decode()
    assert response.content.decode().count('class="bar-usage-first" x=') == 30 * 2


def test_the_page_says_plainly_when_usage_was_never_read(login, world):
    html = login(world.viewer).get(URL).content.decode()

    assert "Never read." in html and "has not been read from Bitmovin yet" in html


def test_the_page_says_when_reading_fails_and_from_when_the_figures_are(login, world, mirrored):
    UsageSync.objects.filter(organization=mirrored).update(
        last_error="Bitmovin did not give the usage figures: 503", failures=3
    )

    html = login(world.viewer).get(URL).content.decode()

    assert "Reading the usage is failing" in html and "(3 attempts in a row)" in html
    assert "Bitmovin did not give the usage figures: 503" in html


def test_a_label_that_would_run_as_a_formula_is_quoted_in_the_csv(login, world, today):
    make_usage_day(world.acme, today, "ALL", "customer=1+1", minutes="1")
    make_usage_day(world.acme, today, "ALL", "=cmd", minutes="1")

    rows = rows_of(login(world.viewer).get(URL, {"label": "=cmd", "download": "csv"}))

    assert rows[1][1] == "'=cmd"


def test_another_organizations_user_gets_404(login, world):
    assert login(world.outsider).get(URL).status_code == 404


@pytest.mark.parametrize("days", [1, 60])
def test_the_page_makes_the_same_queries_whatever_the_data(
    login, world, today, days, django_assert_num_queries
):
    for offset in range(days):
        make_usage_day(world.acme, today - timedelta(days=offset), "VOD", minutes="1")
        make_usage_day(world.acme, today - timedelta(days=offset), "ALL", f"customer-{offset}", minutes="1")
    client = login(world.viewer)
    client.get(URL)

    with django_assert_num_queries(QUERIES):
        assert client.get(URL).status_code == 200


# The session and user, the organization with the viewer's role, the switcher, then the page's own three:
# the figures per period, the customer labels' totals, and the sync state.
QUERIES = 7


def test_only_an_end_day_shows_the_thirty_days_before_it(login, world, mirrored, today):
    rows = rows_of(login(world.viewer).get(URL, {"to": "2026-03-31", "download": "csv", "type": "VOD"}))

    assert [row[0] for row in rows[1:]] == [f"2026-03-{day:02d}" for day in range(2, 32)]
