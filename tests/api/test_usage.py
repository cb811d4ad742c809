"""GET /organizations/{slug}/usage: the usage page's figures and parameters, in the envelope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from encodings_app.models import UsageSync
from tests.api.helpers import error_of, result_of
from tests.factories import make_usage_day

pytestmark = pytest.mark.django_db

PATH = "/organizations/acme/usage"


@pytest.fixture
def today():
    return timezone.now().date()


@pytest.fixture
def mirrored(world, today):
    acme = world.acme
    make_usage_day(acme, today, "VOD", minutes="10.5", seconds=300, size=2_000_000)
    make_usage_day(acme, today - timedelta(days=1), "VOD", minutes="4", seconds=120, size=1_000_000)
    make_usage_day(acme, today, "LIVE", minutes="30", seconds=1800, size=9_000_000)
    make_usage_day(acme, today, "ALL", "customer-acme", minutes="7.25", seconds=200, size=500_000)
    make_usage_day(acme, today, "ALL", "news", minutes="3", seconds=20, size=5)
    make_usage_day(world.globex, today, "VOD", minutes="555", seconds=1, size=1)
    UsageSync.objects.create(organization=acme, synced_at=timezone.now())
    return acme


def test_a_member_reads_the_usage_per_day_by_type(world, api_for, mirrored, today):
    result = result_of(api_for(world.viewer).get(PATH))

    assert (result["by"], result["type"], result["label"]) == ("day", "all", None)
    assert result["dateTo"] == today.isoformat()
    assert result["series"] == ["VOD", "LIVE"] and len(result["items"]) == 60
    assert {
        "period": today.isoformat(),
        "series": "VOD",
        "billableMinutes": 10.5,
        "encodedSeconds": 300,
        "outputBytes": 2_000_000,
    } in result["items"]
    assert sum(item["billableMinutes"] for item in result["items"]) == 44.5
    assert result["customerLabels"] == [
        {"label": "customer-acme", "billableMinutes": 7.25, "encodedSeconds": 200, "outputBytes": 500_000}
    ]
    assert result["syncedAt"].endswith("Z") and result["syncError"] is None


def test_the_filters_are_the_pages(world, api_for, mirrored, today):
    api = api_for(world.viewer)
    month = result_of(api.get(PATH, {"by": "month", "type": "LIVE"}))
    label = result_of(api.get(PATH, {"label": "news", "from": today.isoformat(), "to": today.isoformat()}))

    assert month["series"] == ["LIVE"] and len(month["items"]) == 12
    assert month["items"][-1] == {
        "period": today.isoformat()[:7],
        "series": "LIVE",
        "billableMinutes": 30.0,
        "encodedSeconds": 1800,
        "outputBytes": 9_000_000,
    }
    assert label["items"] == [
        {
            "period": today.isoformat(),
            "series": "news",
            "billableMinutes": 3.0,
            "encodedSeconds": 20,
            "outputBytes": 5,
        }
    ]


def test_bad_parameters_are_a_400_naming_each(world, api_for, mirrored):
    data = error_of(api_for(world.viewer).get(PATH, {"by": "week", "from": "soon"}), 400, 1001)

    assert {detail["field"] for detail in data["details"]} == {"by", "from"}


def test_another_organizations_user_gets_404(world, api_for, mirrored):
    error_of(api_for(world.outsider).get(PATH), 404, 1005)
