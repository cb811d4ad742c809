"""The API's list counts only when asked, as Bitmovin's does: without includeTotalCount a page costs no COUNT
at all (next says whether there is more); with it, totalCount is exact, also past the limit where the list
page shows an estimate."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from tests.api.helpers import result_of
from tests.factories import numbered_encodings

pytestmark = pytest.mark.django_db

PATH = "/organizations/acme/encodings"


@pytest.fixture
def twelve(world):
    numbered_encodings(world.acme, 12)


@override_settings(LIST_EXACT_COUNT_LIMIT=5)
def test_a_page_without_include_total_count_counts_nothing(world, api_for, twelve):
    api = api_for(world.viewer)
    result_of(api.get(PATH))  # the token's first use writes its last_used_at
    with CaptureQueriesContext(connection) as queries:
        page = result_of(api.get(PATH, {"limit": 5}))
    assert "totalCount" not in page
    assert len(page["items"]) == 5 and page["next"]
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)


@override_settings(LIST_EXACT_COUNT_LIMIT=5)
@pytest.mark.parametrize(
    ("params", "total"), [({}, 12), ({"label": "news"}, 6), ({"search": "labels:NEWS"}, 6)]
)
def test_include_total_count_is_exact_past_the_limit(world, api_for, twelve, params, total):
    page = result_of(api_for(world.viewer).get(PATH, {**params, "limit": 5, "includeTotalCount": "true"}))
    assert page["totalCount"] == total
    assert len(page["items"]) == 5
