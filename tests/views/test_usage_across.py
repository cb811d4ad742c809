"""The account admins' usage table: one row per organization of their accounts, the month's totals by type,
and the same as CSV; nobody else sees it."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.utils import timezone

from encodings_app.models import AccountMembership, Role, UsageSync
from tests.factories import make_connection, make_organization, make_usage_day, make_user

pytestmark = pytest.mark.django_db

URL = "/usage/"


@pytest.fixture
def accounts():
    """Two organizations of one account with known March figures, and one of another account."""
    mine = make_connection(api_key="key-one", name="Mine")
    other = make_connection(api_key="key-two", name="Other")
    alpha = make_organization("alpha", name="Alpha", connection=mine)
    beta = make_organization("beta", name="Beta", connection=mine)
    gamma = make_organization("gamma", name="Gamma", connection=other)
    make_usage_day(alpha, date(2026, 3, 1), "VOD", minutes="10", seconds=100, size=1000)
    make_usage_day(alpha, date(2026, 3, 31), "LIVE", minutes="5.5", seconds=50, size=500)
    make_usage_day(alpha, date(2026, 4, 1), "VOD", minutes="99", seconds=1, size=1)  # another month
    make_usage_day(alpha, date(2026, 3, 2), "ALL", "customer-x", minutes="77")  # a label: not added again
    make_usage_day(gamma, date(2026, 3, 1), "VOD", minutes="1000")
    UsageSync.objects.create(organization=alpha, synced_at=timezone.now())
    UsageSync.objects.create(organization=beta, last_error="Bitmovin did not answer", failures=2)
    admin = make_user("account-admin")
    AccountMembership.objects.create(user=admin, connection=mine, role=Role.ADMIN)
    return {"admin": admin, "alpha": alpha}


def test_an_account_admin_sees_each_of_their_organizations_totals_for_the_month(login, accounts):
    html = login(accounts["admin"]).get(URL, {"month": "2026-03"}).content.decode()

    assert "Usage in March 2026" in html
    assert "Alpha" in html and "Beta" in html and "Gamma" not in html
    assert "15.5" in html and "1.5 KB" in html and "Reading fails" in html


def test_the_csv_has_one_row_per_organization(login, accounts):
    response = login(accounts["admin"]).get(URL, {"month": "2026-03", "download": "csv"})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        [
            "organization",
            "slug",
            "vod_minutes",
            "live_minutes",
            "billable_minutes",
            "encoded_seconds",
            "output_bytes",
        ],
        ["Alpha", "alpha", "10.000", "5.500", "15.500", "150", "1500"],
        ["Beta", "beta", "0.000", "0.000", "0.000", "0", "0"],
    ]


def test_a_bad_month_gets_a_note_and_this_month(login, accounts):
    html = login(accounts["admin"]).get(URL, {"month": "March"}).content.decode()

    assert "“month” must be a month like 2026-03" in html
    assert f"Usage in {timezone.now().date():%B %Y}" in html


def test_someone_who_looks_after_no_account_is_refused(login, world):
    assert login(world.admin).get(URL).status_code == 403


@pytest.mark.parametrize("count", [1, 5])
def test_the_table_costs_the_same_queries_for_one_or_many_organizations(
    login, accounts, count, django_assert_num_queries
):
    connection = accounts["alpha"].connection
    for _ in range(count):
        make_usage_day(make_organization(connection=connection), date(2026, 3, 3), "VOD", minutes="1")
    client = login(accounts["admin"])
    client.get(URL)

    # The session and user, whether they look after an account, the organizations (with their sync
    # state), the sums.
    with django_assert_num_queries(5):
        assert client.get(URL, {"month": "2026-03"}).status_code == 200
