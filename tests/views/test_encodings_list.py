"""The encodings list: every filter, sort and page lives in the URL; bad parameters never break the page."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from django.utils import timezone

from encodings_app.models import OPTIONAL_LIST_COLUMNS, EncodingStatus
from encodings_app.services.list_preferences import list_preference_set
from tests.factories import failed_encoding, labelled_encoding, populate, running_encoding

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    """The encoding names of the result rows, in order."""
    html = response.content.decode()
    return re.findall(r'<td class="cell-name"><a href="[^"]*">([^<]*)</a>', html)


@pytest.fixture
def catalogue(world):
    now = timezone.now()
    return {
        "alpha": labelled_encoding(
            world.acme,
            ["Customer1", "premium"],
            name="Alpha test",
            status="FINISHED",
            created_at=now - timedelta(days=3),
            started_at=now - timedelta(days=3),
            finished_at=now - timedelta(days=3, minutes=-12),
            cloud_region="AWS_EU_WEST_1",
            encoder_version="2.190.0",
        ),
        "beta": labelled_encoding(
            world.acme,
            ["Customer2"],
            name="beta Test run",
            status="RUNNING",
            type="LIVE",
            progress=40,
            created_at=now - timedelta(hours=2),
            cloud_region="AUTO",
            selected_cloud_region="GOOGLE_EUROPE_WEST_1",
            encoder_version="STABLE",
            selected_encoder_version="2.189.1",
        ),
        "gamma": labelled_encoding(
            world.acme,
            ["Customer1"],
            name="My Encoding",
            status="ERROR",
            error_code=2016,
            created_at=now - timedelta(minutes=30),
            cloud_region="AWS_US_EAST_1",
            encoder_version="2.189.1",
        ),
        "delta": labelled_encoding(
            world.acme,
            [],
            name="Delta queued",
            status="QUEUED",
            created_at=now - timedelta(minutes=5),
            queued_at=now - timedelta(hours=2),
            cloud_region="AWS_US_EAST_1",
            encoder_version="2.190.0",
        ),
    }


# The columns of a user who never chose: name, status and progress always, then the defaults.
DEFAULT_HEADERS = ["Name", "Status", "Progress", "Started", "Duration", "Finished", "Created", "Labels"]


def headers(html: str) -> list[str]:
    """The table's column headers, in order (without the sort arrows, nor the bulk selection's checkbox)."""
    thead = html.split("<thead>")[1].split("</thead>")[0]
    cells = re.findall(r"<th(?![^>]*col-select)[^>]*>(.*?)</th>", thead)
    return [re.sub(r"<[^>]+>|[▲▼]", "", cell).strip() for cell in cells]


def test_list_shows_the_columns_an_operator_needs(world, login, catalogue):
    response = login(world.viewer).get("/o/acme/encodings/")
    html = response.content.decode()
    assert names(response) == ["Delta queued", "My Encoding", "beta Test run", "Alpha test"]
    # What matters first; type, region and encoder are one choice away (see test_list_view_options.py).
    assert headers(html) == DEFAULT_HEADERS
    assert f'<span class="enc-id">{catalogue["alpha"].bitmovin_id}</span>' in html
    beta_row = html.split("beta Test run")[1].split("</tr>")[0]
    assert "chip-live" in beta_row and "<progress" not in beta_row  # a live encoding has no progress bar
    assert ">Customer1</a>" in html
    assert "12 min" in html  # alpha ran 12 minutes
    assert 'class="status status-running"' in html and "<svg" in html


def test_every_column_shows_for_a_user_who_chose_them(world, login, catalogue):
    list_preference_set(user=world.viewer, columns=list(OPTIONAL_LIST_COLUMNS), page_size=50)
    html = login(world.viewer).get("/o/acme/encodings/").content.decode()
    assert headers(html) == [*DEFAULT_HEADERS, "Type", "Region", "Encoder"]
    beta_row = html.split("beta Test run")[1].split("</tr>")[0]
    # The region may wrap after its underscores, never inside a word.
    assert "GOOGLE_<wbr>EUROPE_<wbr>WEST_<wbr>1" in beta_row and "(auto)" in beta_row
    assert "2.189.1" in beta_row and ">LIVE<" in beta_row


def test_times_read_relative_with_the_exact_time_on_hover(world, login, catalogue):
    html = login(world.viewer).get("/o/acme/encodings/").content.decode()
    alpha = catalogue["alpha"]
    alpha_row = html.split("Alpha test")[1].split("</tr>")[0]
    started = alpha.started_at.astimezone(UTC)
    hover = f'<time datetime="{started:%Y-%m-%dT%H:%M:%SZ}" title="{started:%Y-%m-%d %H:%M:%S} UTC">'
    assert f"{hover}3 d ago</time>" in alpha_row
    delta_row = html.split("Delta queued")[1].split("</tr>")[0]
    assert '<td class="cell-time" data-label="Started">—</td>' in delta_row  # queued: not started yet


def test_a_failed_encoding_shows_its_code_in_the_list(world, login, catalogue):
    html = login(world.viewer).get("/o/acme/encodings/?status=ERROR").content.decode()
    assert "code 2016" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=RUNNING&status=QUEUED", ["Delta queued", "beta Test run"]),
        ("type=LIVE", ["beta Test run"]),
        ("region=GOOGLE_EUROPE_WEST_1", ["beta Test run"]),
        ("region=AUTO", ["beta Test run"]),
        ("region=AWS_US_EAST_1", ["Delta queued", "My Encoding"]),
        ("encoder=2.189.1", ["My Encoding", "beta Test run"]),
        ("label=Customer1", ["My Encoding", "Alpha test"]),
        ("code=2016", ["My Encoding"]),
        ("stuck=1", ["Delta queued"]),
        ("period=24h", ["Delta queued", "My Encoding", "beta Test run"]),
        ("period=1h", ["Delta queued", "My Encoding"]),
        ("q=test", ["beta Test run", "Alpha test"]),
        ("q=name:test*", []),
        ("q=name:alpha*", ["Alpha test"]),
        ("q=name:%22My+Encoding%22+AND+labels:Customer1", ["My Encoding"]),
        ("q=name:%22my+encoding%22", ["My Encoding"]),
        ("q=labels:Customer*", ["My Encoding", "beta Test run", "Alpha test"]),
        ("q=labels:customer1+name:al*", ["Alpha test"]),
        ("sort=name", ["Alpha test", "beta Test run", "Delta queued", "My Encoding"]),
        ("sort=-name", ["My Encoding", "Delta queued", "beta Test run", "Alpha test"]),
        ("sort=created", ["Alpha test", "beta Test run", "My Encoding", "Delta queued"]),
        ("status=FINISHED&status=ERROR&sort=status", ["My Encoding", "Alpha test"]),
    ],
)
def test_filters_search_and_sort_narrow_the_list(world, login, catalogue, query, expected):
    response = login(world.viewer).get(f"/o/acme/encodings/?{query}")
    assert response.status_code == 200
    assert names(response) == expected


def test_time_range_filters_on_creation_time(world, login, catalogue):
    since = (timezone.now() - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    until = (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = login(world.viewer).get(f"/o/acme/encodings/?from={since}&to={until}")
    assert names(response) == ["beta Test run"]
    assert f'value="{since}"' in response.content.decode()


def test_the_filters_are_kept_in_the_form_and_in_every_link(world, login, catalogue):
    response = login(world.viewer).get(
        "/o/acme/encodings/?status=ERROR&status=FINISHED&label=Customer1&sort=name"
    )
    html = response.content.decode()
    assert 'value="ERROR" id="id_status_4" checked' in html or re.search(r'value="ERROR"[^>]*checked', html)
    assert 'name="label" value="Customer1"' in html
    detail_link = re.search(r'<td class="cell-name"><a href="([^"]+)">Alpha test', html).group(1)
    back = parse_qs(urlparse(detail_link).query)["back"][0]
    assert parse_qs(back) == {"status": ["ERROR", "FINISHED"], "label": ["Customer1"], "sort": ["name"]}


def test_detail_page_links_back_to_the_same_filtered_list(world, login, catalogue):
    client = login(world.viewer)
    html = client.get("/o/acme/encodings/?status=ERROR&q=name%3AMy*&sort=-created").content.decode()
    detail_link = re.search(r'<td class="cell-name"><a href="([^"]+)">My Encoding', html).group(1)
    detail = client.get(detail_link.replace("&amp;", "&")).content.decode()
    back = re.search(r'<p class="breadcrumb"><a href="([^"]+)"', detail).group(1).replace("&amp;", "&")
    assert urlparse(back).path == "/o/acme/encodings/"
    assert parse_qs(urlparse(back).query) == {
        "status": ["ERROR"],
        "search": ["name:My*"],
        "sort": ["-created"],
    }
    assert names(client.get(back)) == ["My Encoding"]


def test_back_link_keeps_only_list_parameters(world, login, catalogue):
    encoding = catalogue["alpha"]
    client = login(world.viewer)
    hostile = "status=ERROR&next=https://evil.example/&javascript=alert(1)"
    detail = client.get(f"/o/acme/encodings/{encoding.bitmovin_id}/", {"back": hostile}).content.decode()
    back = re.search(r'<p class="breadcrumb"><a href="([^"]+)"', detail).group(1)
    assert unquote(back) == "/o/acme/encodings/?status=ERROR"
    assert "evil.example" not in back


def test_pagination_walks_the_list_in_pages_of_fifty(world, login):
    populate(world.acme, encodings=120)
    client = login(world.viewer)
    first = client.get("/o/acme/encodings/?sort=name")
    assert len(names(first)) == 50
    assert "1\u201350 of 120 encodings" in first.content.decode()
    assert "Page 1 of 3" in first.content.decode()
    third = client.get("/o/acme/encodings/?sort=name&page=3")
    assert len(names(third)) == 20
    seen = names(first) + names(client.get("/o/acme/encodings/?sort=name&page=2")) + names(third)
    assert len(set(seen)) == 120
    assert 'href="?sort=name&amp;page=2"' in first.content.decode()


@pytest.mark.parametrize(
    ("query", "note"),
    [
        ("status=DONE", "DONE is not a status"),
        ("page=abc", "Page:"),
        ("page=0", "Page:"),
        ("page=99999", "There is no page 99999"),
        ("sort=nonsense", "Sort:"),
        ("type=VHS", "Type:"),
        ("region=MARS_1", "Region:"),
        ("from=yesterday", "Created from"),
        ("to=2024-13-45", "Created before"),
        ("code=abc", "Error code:"),
        ("failed_from=soon", "Failed from"),
        ("period=forever", "Created:"),
        ("from=2026-01-02&to=2026-01-01", "ends before it starts"),
        ("q=name:te*st", "wildcard is only allowed at the end"),
        ("q=name:alpha*+OR+labels:Customer1", "OR is not supported"),
        ("q=%22alpha", "quotation mark"),
        ("q=labels:", "has no value"),
        ("q=name:*", "matches everything"),
    ],
)
def test_bad_parameters_are_named_and_ignored_never_a_500(world, login, catalogue, query, note):
    response = login(world.viewer).get(f"/o/acme/encodings/?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert note in html
    assert 'class="alert alert-warning" role="alert"' in html
    assert len(names(response)) >= 1


def test_an_absurd_mix_of_parameters_still_shows_a_page(world, login, catalogue):
    query = "status=RUNNING&status=%00&page=-1&sort=%27%3B--&from=%ff&q=%22%22%22&label=" + "x" * 600
    response = login(world.viewer).get(f"/o/acme/encodings/?{query}")
    assert response.status_code == 200


def test_rows_poll_and_htmx_gets_only_the_results_fragment(world, login, catalogue):
    client = login(world.viewer)
    page = client.get("/o/acme/encodings/?status=RUNNING")
    html = page.content.decode()
    assert 'id="results"' in html and "data-poll" in html
    assert 'hx-get="/o/acme/encodings/?status=RUNNING"' in html
    assert 'hx-trigger="every 10s, poll-now"' in html
    fragment = client.get("/o/acme/encodings/?status=RUNNING", headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert body.lstrip().startswith('<section id="results"')
    assert "<form" not in body and "org-switcher" not in body
    assert names(fragment) == ["beta Test run"]
    assert "HX-Request" in page["Vary"] and "HX-Request" in fragment["Vary"]


def test_empty_states_say_why_there_is_nothing(world, login):
    client = login(world.viewer)
    assert "The first sync has not completed yet" in client.get("/o/acme/encodings/").content.decode()
    running_encoding(world.acme)
    html = client.get("/o/acme/encodings/?status=CANCELED").content.decode()
    assert "No encodings match these filters." in html
    assert "Clear the filters" in html


def test_list_warns_when_the_key_is_rejected(world, login, catalogue):
    world.acme.key_rejected = True
    world.acme.save()
    html = login(world.admin).get("/o/acme/encodings/").content.decode()
    assert "This view may be out of date." in html
    assert "Key rejected" in html


def test_deleted_encodings_leave_the_list(world, login, catalogue):
    catalogue["alpha"].deleted_at = timezone.now()
    catalogue["alpha"].save()
    assert "Alpha test" not in names(login(world.viewer).get("/o/acme/encodings/"))


def test_column_headers_toggle_the_sort_and_say_which_is_active(world, login, catalogue):
    html = login(world.viewer).get("/o/acme/encodings/?sort=name&status=ERROR").content.decode()
    assert 'aria-sort="ascending"' in html
    assert 'href="?sort=-name&amp;status=ERROR"' in html or 'href="?status=ERROR&amp;sort=-name"' in html


def test_failed_status_filter_via_overview_link_finds_both_failure_kinds(world, login):
    failed_encoding(world.acme, name="One")
    failed_encoding(world.acme, name="Two", status=EncodingStatus.TRANSFER_ERROR)
    response = login(world.viewer).get("/o/acme/encodings/?status=ERROR&status=TRANSFER_ERROR&code=2016")
    assert sorted(names(response)) == ["One", "Two"]


def test_the_list_filters_by_error_code_and_failed_since(world, login):
    counted = {failed_encoding(world.acme, 2001, minutes_ago=5, name="Recent 2001").pk}
    failed_encoding(world.acme, 2001, minutes_ago=90, name="Older 2001")
    failed_encoding(world.acme, 2016, minutes_ago=5, name="Recent 2016")
    since = (timezone.now() - timedelta(minutes=30)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")

    response = login(world.viewer).get("/o/acme/encodings/", {"code": "2001", "failed_from": since})

    assert names(response) == ["Recent 2001"]
    assert {encoding.pk for encoding in response.context["page"].object_list} == counted
    # The page's own links keep the filter, as the form writes it: a whole minute without its ":00".
    written = since.removesuffix(":00")
    assert f"failed_from={written.replace(':', '%3A')}" in response.content.decode()
