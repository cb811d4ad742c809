"""The encodings list as each user likes it: the optional columns and the rows per page are saved per user;
a page size in the URL wins and stays in every link; the filters that are folded away open when in use."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from encodings_app.models import (
    DEFAULT_LIST_COLUMNS,
    DEFAULT_LIST_PAGE_SIZE,
    AuditEvent,
    ListPreference,
)
from encodings_app.services.list_preferences import list_preference_set
from tests.factories import make_user, populate
from tests.views.test_encodings_list import DEFAULT_HEADERS, headers, names

pytestmark = pytest.mark.django_db

SAVE = "/o/acme/list-view/"
FIXED = ["Name", "Status", "Progress"]


@pytest.fixture
def listed(world):
    return populate(world.acme, encodings=120)


def links(html: str) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(r'(?:href|hx-get)="([^"]*)"', html)]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def test_saving_columns_and_rows_changes_the_list_of_that_user_only(world, login, listed):
    client = login(world.operator)
    response = client.post(
        SAVE,
        {
            "view-columns": ["type", "started"],
            "view-per_page": "25",
            "back": "status=RUNNING&sort=name&page=2",
        },
    )

    # Back to the list it came from, from its first page (the rows of page 2 change with the page size).
    assert response.status_code == 302
    assert urlparse(response["Location"]).path == "/o/acme/encodings/"
    assert query_of(response["Location"]) == {"status": ["RUNNING"], "sort": ["name"]}
    saved = ListPreference.objects.get(user=world.operator)
    assert (saved.columns, saved.page_size) == (["started", "type"], 25)
    html = client.get("/o/acme/encodings/").content.decode()
    assert headers(html) == [*FIXED, "Started", "Type"]
    assert len(names(client.get("/o/acme/encodings/"))) == 25
    # A personal display setting: nobody else's list changes, and the audit log is for shared things.
    other = login(world.viewer).get("/o/acme/encodings/")
    assert headers(other.content.decode()) == DEFAULT_HEADERS
    assert len(names(other)) == DEFAULT_LIST_PAGE_SIZE
    assert not AuditEvent.objects.exists()


def test_the_view_options_form_shows_what_the_user_saved(world, login, listed):
    list_preference_set(user=world.viewer, columns=["labels"], page_size=100)
    html = login(world.viewer).get("/o/acme/encodings/?status=ERROR").content.decode()
    form = html.split('action="/o/acme/list-view/"')[1].split("</form>")[0]
    checked = re.findall(r'<input type="checkbox" name="view-columns" value="(\w+)"[^>]*checked', form)
    assert checked == ["labels"]
    assert re.search(r'<option value="100" selected>', form)
    # It leads back to the list as shown.
    assert '<input type="hidden" name="back" value="status=ERROR&amp;per_page=100">' in form


def test_choosing_no_optional_column_leaves_the_fixed_ones(world, login, listed):
    client = login(world.viewer)
    assert client.post(SAVE, {"view-per_page": "50"}).status_code == 302
    assert headers(client.get("/o/acme/encodings/").content.decode()) == FIXED


@pytest.mark.parametrize(
    ("posted", "error"),
    [
        ({"view-columns": ["labels", "password"], "view-per_page": "50"}, "“password” is not a column"),
        ({"view-columns": ["labels"], "view-per_page": "7"}, "“7” is not a page size offered"),
        ({"view-columns": ["labels"], "view-per_page": "all"}, "“all” is not a page size offered"),
        ({"view-columns": ["labels"]}, "Choose how many rows a page holds"),
    ],
)
def test_a_refused_choice_is_named_and_nothing_is_lost(world, login, listed, posted, error):
    list_preference_set(user=world.viewer, columns=["started", "finished"], page_size=100)
    client = login(world.viewer)

    response = client.post(SAVE, {**posted, "back": "status=FINISHED"})

    assert response.status_code == 400
    html = response.content.decode()
    assert error in html and "nothing was saved" in html
    # The list it came from, with the menu open and the choices as posted, so they can be corrected.
    assert re.search(r'<details class="dropdown view-options" data-dropdown open>', html)
    assert re.search(r'name="view-columns" value="labels"[^>]*checked', html)
    assert set(names(response)) <= {f"Episode {index:03d} master" for index in range(0, 120, 7)}
    saved = ListPreference.objects.get(user=world.viewer)
    assert (saved.columns, saved.page_size) == (["started", "finished"], 100)


def test_the_view_options_need_a_member_and_a_post(world, login):
    assert login(world.outsider).post(SAVE, {"view-per_page": "25"}).status_code == 404
    assert login(world.viewer).get(SAVE).status_code == 405
    assert not ListPreference.objects.exists()


def test_a_page_size_in_the_url_wins_and_stays_in_every_link(world, login, listed):
    list_preference_set(user=world.viewer, columns=list(DEFAULT_LIST_COLUMNS), page_size=100)
    client = login(world.viewer)

    response = client.get("/o/acme/encodings/?per_page=25&sort=name")

    assert len(names(response)) == 25
    html = response.content.decode()
    assert "1\u201325 of 120 encodings" in html and "Page 1 of 5" in html
    # Pages, sort headers, labels, the poll and the detail pages' way back all keep it.
    list_links = [url for url in links(html) if url.startswith(("?", "/o/acme/encodings/?"))]
    assert len(list_links) > 25
    assert all(query_of(url)["per_page"] == ["25"] for url in list_links)
    detail = next(url for url in links(html) if "back=" in url)
    assert parse_qs(query_of(detail)["back"][0])["per_page"] == ["25"]
    # Applying other filters keeps it too (the filter form carries it).
    assert '<input type="hidden" name="per_page" value="25">' in html
    fragment = client.get("/o/acme/encodings/?per_page=25&sort=name&page=5", headers={"HX-Request": "true"})
    assert len(names(fragment)) == 20


def test_the_saved_page_size_goes_into_links_so_they_show_the_same_rows_to_others(world, login, listed):
    list_preference_set(user=world.viewer, columns=list(DEFAULT_LIST_COLUMNS), page_size=100)
    html = login(world.viewer).get("/o/acme/encodings/?sort=name").content.decode()
    next_page = re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    assert query_of(next_page) == {"sort": ["name"], "per_page": ["100"], "page": ["2"]}
    # Someone who keeps the default page size reads the same 20 rows from that link.
    assert len(names(login(world.operator).get(f"/o/acme/encodings/{next_page}"))) == 20


def test_the_default_page_size_stays_out_of_the_links(world, login, listed):
    html = login(world.viewer).get("/o/acme/encodings/?sort=name").content.decode()
    assert 'href="?sort=name&amp;page=2"' in html
    assert "per_page" not in "".join(links(html))


@pytest.mark.parametrize("size", ["7", "abc", "1000000", "-25", ""])
def test_a_page_size_the_list_does_not_offer_gets_a_note_not_an_error(world, login, listed, size):
    response = login(world.viewer).get(f"/o/acme/encodings/?per_page={size}")
    assert response.status_code == 200
    assert len(names(response)) == DEFAULT_LIST_PAGE_SIZE
    html = response.content.decode()
    if size:
        assert f"Rows per page: “{size}” is not one of 25, 50, 100 or 200. It was ignored." in html
    assert "per_page" not in "".join(links(html))


def test_the_polled_fragment_shows_the_saved_columns_and_rows(world, login, listed):
    list_preference_set(user=world.viewer, columns=["region"], page_size=25)
    fragment = login(world.viewer).get("/o/acme/encodings/", headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert headers(html) == [*FIXED, "Region"]
    assert len(names(fragment)) == 25
    assert 'hx-get="/o/acme/encodings/?per_page=25"' in html


def test_columns_the_list_no_longer_knows_are_skipped(world, login, listed):
    ListPreference.objects.create(user=world.viewer, columns=["gone", "labels", 7], page_size=33)
    response = login(world.viewer).get("/o/acme/encodings/")
    assert response.status_code == 200
    assert headers(response.content.decode()) == [*FIXED, "Labels"]
    assert len(names(response)) == DEFAULT_LIST_PAGE_SIZE


def test_the_service_stores_only_known_columns_in_the_tables_order():
    user = make_user("ines")
    saved = list_preference_set(user=user, columns=["encoder", "started", "started"], page_size=200)
    assert (saved.columns, saved.page_size) == (["started", "encoder"], 200)
    with pytest.raises(ValueError, match="password"):
        list_preference_set(user=user, columns=["password"], page_size=50)
    with pytest.raises(ValueError, match="33"):
        list_preference_set(user=user, columns=[], page_size=33)
    assert ListPreference.objects.get(user=user).columns == ["started", "encoder"]


# --- the filter bar ------------------------------------------------------------------------------------


def more_filters(html: str) -> str:
    return re.search(r'<details class="more-filters"[^>]*>\s*<summary>.*?</summary>', html, re.S).group(0)


@pytest.mark.parametrize(
    ("query", "opened", "count"),
    [
        ("", False, 0),
        ("status=ERROR&type=LIVE&stuck=1&q=news&sort=name", False, 0),
        ("region=AWS_EU_WEST_1", True, 1),
        ("label=batch-1&code=2016&period=7d", True, 3),
        ("from=2026-01-01&to=2026-02-01&encoder=2.190.0", True, 3),
        ("code=abc", True, 1),  # refused: opened, so the field and its error show
    ],
)
def test_more_filters_open_by_themselves_when_one_is_in_use(world, login, listed, query, opened, count):
    html = login(world.viewer).get(f"/o/acme/encodings/?{query}").content.decode()
    fold = more_filters(html)
    assert (" open>" in fold) is opened
    assert (f"{count} set" in fold) is bool(count)


@pytest.mark.parametrize(
    ("query", "summary"),
    [
        ("", "Any"),
        ("status=ERROR", "Error"),
        ("status=ERROR&status=TRANSFER_ERROR", "Error, Transfer error"),
        ("status=ERROR&status=TRANSFER_ERROR&status=QUEUED", "3 statuses"),
    ],
)
def test_the_closed_status_menu_says_which_statuses_are_chosen(world, login, listed, query, summary):
    html = login(world.viewer).get(f"/o/acme/encodings/?{query}").content.decode()
    assert f'<span class="dropdown-value">{summary}</span>' in html
