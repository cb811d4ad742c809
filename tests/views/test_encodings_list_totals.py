"""The list page's total: exact up to LIST_EXACT_COUNT_LIMIT, estimated past it with a link that counts
exactly (``count=exact``, kept by the page's links), and paging that works either way."""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection
from django.test import override_settings

from tests.factories import numbered_encodings

pytestmark = pytest.mark.django_db

URL = "/o/acme/encodings/"


@pytest.fixture
def thirty(world):
    numbered_encodings(world.acme, 30)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE encodings_app_encoding")  # what autovacuum keeps up to date


def summary(response) -> str:
    """The results heading, its text only."""
    found = re.search(r'<h2 id="results-title"[^>]*>(.*?)<span', response.content.decode(), re.S)
    return " ".join(html.unescape(found.group(1)).split())


def links(response) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="(\?[^"]*)"', response.content.decode())]


@override_settings(LIST_EXACT_COUNT_LIMIT=5)
def test_past_the_limit_the_page_says_about_how_many_and_offers_the_exact_count(world, login, thirty):
    response = login(world.viewer).get(URL, {"per_page": 25})
    assert response.status_code == 200
    if connection.vendor == "postgresql":
        assert re.fullmatch(r"1\u201325 of about \d+ encodings", summary(response)), summary(response)
        assert "The total is the database's estimate" in response.content.decode()
    else:
        # No estimate to offer: what the page itself saw, 25 rows and a next page.
        assert summary(response) == "1\u201325 of more than 25 encodings"
    assert "?per_page=25&count=exact" in links(response)
    assert "Count them exactly" in response.content.decode()
    assert 'rel="next"' in response.content.decode()


@override_settings(LIST_EXACT_COUNT_LIMIT=5)
def test_the_exact_count_on_request_is_kept_by_the_pages_links(world, login, thirty):
    response = login(world.viewer).get(URL, {"per_page": 25, "count": "exact"})
    assert summary(response) == "1\u201325 of 30 encodings"
    assert "Page 1 of 2" in response.content.decode()
    assert "Count them exactly" not in response.content.decode()
    assert "?per_page=25&count=exact&page=2" in links(response)
    assert "?sort=name&per_page=25&count=exact" in links(response)  # a sort header
    assert response.context["poll_url"].endswith("?per_page=25&count=exact")


@override_settings(LIST_EXACT_COUNT_LIMIT=5)
def test_the_last_page_of_an_estimated_list_shows_the_exact_total(world, login, thirty):
    response = login(world.viewer).get(URL, {"per_page": 25, "page": 2})
    assert summary(response) == "26\u201330 of 30 encodings"
    assert "Page 2 of 2" in response.content.decode()
    assert "Count them exactly" not in response.content.decode()
    assert 'rel="next"' not in response.content.decode() and 'rel="prev"' in response.content.decode()


@override_settings(LIST_EXACT_COUNT_LIMIT=5)
def test_a_page_past_the_end_of_an_estimated_list_shows_its_last_page_and_says_so(world, login, thirty):
    response = login(world.viewer).get(URL, {"per_page": 25, "page": 7})
    assert summary(response) == "26\u201330 of 30 encodings"
    assert "There is no page 7; this is the last page, 2." in response.context["notes"]
    assert response.context["poll_url"].endswith("?per_page=25&page=2")


@override_settings(LIST_EXACT_COUNT_LIMIT=50)
def test_within_the_limit_the_total_is_exact_without_asking(world, login, thirty):
    response = login(world.viewer).get(URL, {"label": "news"})
    assert summary(response) == "1\u201315 of 15 encodings"
    assert "Count them exactly" not in response.content.decode()


@override_settings(LIST_EXACT_COUNT_LIMIT=5)
def test_a_label_link_is_a_new_question_and_drops_the_exact_count(world, login, thirty, list_view_labels):
    response = login(world.viewer).get(URL, {"count": "exact"})
    assert "?label=news&per_page=25" in links(response)  # the viewer's saved page size
    assert not any("label=news" in link and "count=exact" in link for link in links(response))


@pytest.fixture
def list_view_labels(world):
    """The viewer's list shows the labels column, whose labels link to the list filtered by them."""
    from encodings_app.services.list_preferences import list_preference_set

    list_preference_set(user=world.viewer, columns=["labels"], page_size=25)
