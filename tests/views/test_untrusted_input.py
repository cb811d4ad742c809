"""Nothing from the API or the URL reaches a page as it is: stored ids that no URL can hold never break a
page, links from Bitmovin are followed only to bitmovin.com, and every link of the list and the detail page
is rebuilt from validated values, so an unknown or oversized parameter goes nowhere."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from encodings_app.forms import FILTER_PARAMS
from tests.api.helpers import ApiCaller, result_of, token_for
from tests.factories import failed_encoding, make_encoding, make_message, populate, running_encoding

pytestmark = pytest.mark.django_db

UNUSABLE_IDS = ["bad/id", "a/../../admin", "bad id", "..", "x" * 63 + "/"]  # the column holds 64 characters
HOSTILE_LINKS = [
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "//evil.example/x",
    "https://bitmovin.com.evil.example/x",
    "https://evil.example/support",
]
GOOD_LINK = "https://developer.bitmovin.com/encoding/docs/error-codes"
HUGE = "z" * 60_000


class Links(HTMLParser):
    """Every URL a page can lead to: href, action, and the htmx poll's hx-get."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("href", "action", "hx-get") and value]


def links_of(response) -> list[str]:
    parser = Links()
    parser.feed(response.content.decode())
    return parser.urls


def query_names(url: str) -> set[str]:
    return set(parse_qs(urlsplit(url).query, keep_blank_values=True))


# --- stored ids that no URL can hold ---------------------------------------------------------------------


@pytest.fixture
def unusable(world):
    good = running_encoding(world.acme, name="Good one")
    bad = [
        make_encoding(world.acme, bitmovin_id=bitmovin_id, name=f"Unusable {index}", status=status)
        for index, (bitmovin_id, status) in enumerate(
            zip(UNUSABLE_IDS, ["RUNNING", "QUEUED", "RUNNING", "ERROR", "FINISHED"], strict=True)
        )
    ]
    return good, bad


def test_pages_and_the_api_answer_with_stored_ids_no_url_can_hold(world, login, unusable):
    good, bad = unusable
    client = login(world.viewer)
    pages = ["/o/acme/encodings/", "/o/acme/encodings/?status=RUNNING", "/o/acme/", "/o/acme/wall/"]
    for url in pages:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert response.status_code == 200, url
            assert not any("admin" in link or "bad" in link for link in links_of(response)), url
    assert client.get(f"/o/acme/encodings/{good.bitmovin_id}/").status_code == 200

    listed = client.get("/o/acme/encodings/").content.decode()
    assert f'<a href="/o/acme/encodings/{good.bitmovin_id}/">Good one</a>' in listed
    for encoding in bad:
        # Shown, as text: the row is real data and the counts include it.
        assert f'<span class="enc-unlinked">{encoding.name}</span>' in listed
    overview = client.get("/o/acme/").content.decode()
    assert '<span class="enc-unlinked">Unusable 0</span>' in overview

    api = ApiCaller(token_for(world.viewer))
    items = result_of(api.get("/organizations/acme/encodings", {"limit": 100}))["items"]
    assert {item["id"] for item in items} == {good.bitmovin_id, *UNUSABLE_IDS}


# --- links from Bitmovin ----------------------------------------------------------------------------------


@pytest.fixture
def linked_failure(world):
    encoding = failed_encoding(world.acme)
    make_message(
        encoding,
        type="ERROR",
        text="Input file not found",
        links=[{"href": href, "title": "Contact Bitmovin support"} for href in HOSTILE_LINKS]
        + [{"href": GOOD_LINK, "title": "Error codes"}],
    )
    return encoding


def test_only_bitmovin_links_are_clickable_and_the_others_show_their_url(world, login, linked_failure):
    response = login(world.viewer).get(f"/o/acme/encodings/{linked_failure.bitmovin_id}/")
    html = response.content.decode()

    followed = links_of(response)
    for hostile in HOSTILE_LINKS:
        assert hostile not in followed
        assert not any(url.startswith(("javascript:", "data:", "//")) for url in followed)
    assert "evil.example" not in " ".join(followed)
    assert f'<a href="{GOOD_LINK}" rel="noopener noreferrer" target="_blank">Error codes</a>' in html
    # Every other link reads as its own URL, in plain text, in the timeline and in the error panel alike.
    shown = re.findall(r'<span class="link-text">([^<]*)</span>', html)
    assert "javascript:alert(1)" in shown and "//evil.example/x" in shown
    assert "data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert shown.count("https://evil.example/support") == 2
    assert shown.count("https://bitmovin.com.evil.example/x") == 2
    assert "Contact Bitmovin support" not in html


def test_the_api_keeps_only_web_links_of_messages_and_errors(world, linked_failure):
    api = ApiCaller(token_for(world.viewer))
    path = f"/organizations/acme/encodings/{linked_failure.bitmovin_id}"

    messages = result_of(api.get(f"{path}/messages"))["items"]
    status = result_of(api.get(f"{path}/status"))

    (message,) = [item for item in messages if item["text"] == "Input file not found"]
    web = ["https://bitmovin.com.evil.example/x", "https://evil.example/support", GOOD_LINK]
    assert [link["href"] for link in message["links"]] == web
    in_error = [link["href"] for link in status["error"]["links"]]
    assert set(web) <= set(in_error)
    assert all(href.startswith(("https://", "http://")) for href in in_error)


# --- the list's links -------------------------------------------------------------------------------------


@pytest.fixture
def listed(world):
    return populate(world.acme, encodings=120)


def assert_list_links_are_known(response) -> int:
    checked = 0
    for url in links_of(response):
        parts = urlsplit(url)
        if parts.path.startswith("/o/acme/encodings/") and parts.path != "/o/acme/encodings/":
            names = query_names(url)
            assert names <= {"back"}, url
            for back in parse_qs(parts.query).get("back", []):
                assert set(parse_qs(back, keep_blank_values=True)) <= set(FILTER_PARAMS), url
        elif parts.path in ("", "/o/acme/encodings/"):
            assert query_names(url) <= set(FILTER_PARAMS), url
        checked += 1
    return checked


@pytest.mark.parametrize("extra", [f"zzz={HUGE}", f"label={HUGE}", f"q={HUGE}", f"encoder={HUGE}"])
def test_unknown_or_refused_parameters_reach_no_link_and_do_not_grow_the_page(world, login, listed, extra):
    client = login(world.viewer)
    plain = client.get("/o/acme/encodings/?sort=name")

    response = client.get(f"/o/acme/encodings/?sort=name&{extra}")

    assert response.status_code == 200
    html = response.content.decode()
    assert "zzz=" not in html
    # A refused value may be echoed once, in its own form field, to be corrected; never into a link.
    assert html.count(HUGE) <= 1
    assert len(response.content) < len(plain.content) + len(extra) + 10_000
    assert not any(HUGE[:100] in url for url in links_of(response))
    assert assert_list_links_are_known(response) > 50
    assert 'href="?sort=name&amp;page=2"' in html


def test_a_repeated_filter_is_written_once_in_every_link(world, login, listed):
    client = login(world.viewer)
    plain = client.get("/o/acme/encodings/?status=ERROR")

    response = client.get("/o/acme/encodings/?" + "status=ERROR&" * 900)

    assert response.status_code == 200
    assert len(response.content) < 1.1 * len(plain.content)
    assert all(query_names(url) <= set(FILTER_PARAMS) for url in links_of(response) if url.startswith("?"))
    assert all(url.count("status=ERROR") <= 1 for url in links_of(response))


def test_an_unknown_parameter_leaves_the_page_the_same_size(world, login, listed):
    client = login(world.viewer)
    plain = client.get("/o/acme/encodings/?label=batch-1")
    hostile = client.get(f"/o/acme/encodings/?label=batch-1&zzz={HUGE}")
    fragment = client.get(f"/o/acme/encodings/?label=batch-1&zzz={HUGE}", headers={"HX-Request": "true"})

    assert len(hostile.content) < 1.1 * len(plain.content)
    assert b"zzz" not in hostile.content and b"zzz" not in fragment.content
    assert 'hx-get="/o/acme/encodings/?label=batch-1"' in hostile.content.decode()
    assert assert_list_links_are_known(fragment) > 50


def test_the_detail_page_rebuilds_its_links_from_known_values(world, login, listed):
    encoding = listed[0]
    client = login(world.operator)
    url = f"/o/acme/encodings/{encoding.bitmovin_id}/"
    back = f"status=ERROR&sort=name&zzz={HUGE[:3000]}&next=https://evil.example/"
    plain = client.get(url, {"types": "ERROR,INFO", "back": "status=ERROR&sort=name"})

    response = client.get(url, {"types": "ERROR,INFO", "back": back, "zzz": HUGE})

    assert response.status_code == 200
    assert len(response.content) < 1.1 * len(plain.content)
    assert b"zzz" not in response.content and b"evil.example" not in response.content
    for link in links_of(response):
        parts = urlsplit(link)
        names = query_names(link)
        if parts.path == "/o/acme/encodings/":
            assert names <= set(FILTER_PARAMS), link
        else:
            assert names <= {"types", "group", "mpage", "back"}, link
            for kept in parse_qs(parts.query).get("back", []):
                assert parse_qs(kept) == {"status": ["ERROR"], "sort": ["name"]}, link


def test_api_pages_link_on_with_the_parameters_the_api_knows_only(world, listed):
    api = ApiCaller(token_for(world.viewer))

    page = result_of(
        api.get("/organizations/acme/encodings", {"limit": 2, "offset": 2, "status": "ERROR", "zzz": HUGE})
    )

    for link in (page["next"], page["previous"]):
        assert parse_qs(urlsplit(link).query) == {
            "limit": ["2"],
            "offset": [urlsplit(link).query.split("offset=")[1].split("&")[0]],
            "status": ["ERROR"],
        }
    assert parse_qs(urlsplit(page["previous"]).query)["offset"] == ["0"]
    assert parse_qs(urlsplit(page["next"]).query)["offset"] == ["4"]
