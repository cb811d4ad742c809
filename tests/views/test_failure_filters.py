"""The list's error category and "failed before" filters, which the trends' links use: validated by the
list's form, kept by its links, and the same in the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.helpers import ApiCaller, result_of, token_for
from tests.factories import failed_encoding, make_encoding

pytestmark = pytest.mark.django_db


@pytest.fixture
def failures(world):
    now = timezone.now()
    failed_encoding(world.acme, 2016, name="output old", error_category="Output", minutes_ago=60 * 30)
    failed_encoding(world.acme, 2016, name="output new", error_category="Output", minutes_ago=60)
    failed_encoding(world.acme, 1000, name="input new", error_category="Input", minutes_ago=60)
    make_encoding(world.acme, name="fine", error_category="Output", finished_at=now - timedelta(hours=1))
    return now


def names(response) -> set[str]:
    return {encoding.name for encoding in response.context["page"].object_list}


def test_the_list_narrows_to_an_error_category_and_a_failure_time_range(world, login, failures):
    client = login(world.viewer)
    day_ago = (failures - timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M")
    two_hours_ago = (failures - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")

    by_category = client.get("/o/acme/encodings/?status=ERROR&category=Output")
    before = client.get(f"/o/acme/encodings/?failed_to={two_hours_ago}")
    between = client.get(f"/o/acme/encodings/?failed_from={day_ago}&failed_to={two_hours_ago}")

    assert names(by_category) == {"output old", "output new"}
    assert names(before) == {"output old"}
    assert names(between) == set()
    assert "category=Output" in by_category.context["back"]
    assert by_category.context["more_filters_open"]


def test_a_failure_range_that_ends_before_it_starts_is_named_and_ignored(world, login, failures):
    response = login(world.viewer).get(
        "/o/acme/encodings/?failed_from=2026-12-07T10:00&failed_to=2026-12-07T09:00"
    )

    assert response.status_code == 200
    assert "The failure time range ends before it starts; it was ignored." in response.context["notes"]
    assert len(names(response)) == 4


def test_the_api_filters_by_error_category_and_failed_before(world, failures):
    api = ApiCaller(token_for(world.viewer))
    two_hours_ago = (failures - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")

    by_category = result_of(api.get("/organizations/acme/encodings?errorCategory=Input"))
    before = result_of(api.get(f"/organizations/acme/encodings?failedAtOlderThan={two_hours_ago}"))

    assert [item["name"] for item in by_category["items"]] == ["input new"]
    assert [item["name"] for item in before["items"]] == ["output old"]
