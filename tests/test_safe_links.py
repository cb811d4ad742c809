"""The one rule for links that came from Bitmovin: only http(s) is a link, and a page follows only
bitmovin.com. Hosts are compared on the parsed URL, so look-alikes and parser tricks never pass."""

from __future__ import annotations

import pytest

from encodings_app.safe_links import MAX_SHOWN, api_links, is_trusted, page_link, web_url

NOT_LINKS = [
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "/relative/path",
    "ftp://files.example/x",
    "https://",
    "https:///path-only",
    "https:evil.example",
    "https://bitmovin.com:99999/",
    "https://[::1",
    "https://bitmovin.com/a b",
    "https://bitmovin.com/\nx",
    "https://evil.example\\@bitmovin.com/",
    "https://" + "a" * 3000 + ".bitmovin.com/",
    "",
    None,
    42,
]
WEB_BUT_NOT_TRUSTED = [
    "https://evil.example",
    "https://bitmovin.com.evil.example/x",
    "https://evilbitmovin.com/",
    "https://bitmovin.com@evil.example/",
    "https://user@bitmovin.com/",
    "https://evil.example#@bitmovin.com",
    "https://evil.example?.bitmovin.com",
    "https://evil%2ebitmovin.com/",
    "https://bitmovin.c\u043em/",
    "https://bitmovin.com./x",
    "http://127.0.0.1/",
]
TRUSTED = [
    "https://bitmovin.com/",
    "https://developer.bitmovin.com/encoding/docs/error-codes",
    "http://status.bitmovin.com",
    "HTTPS://Developer.Bitmovin.COM/x",
    "https://bitmovin.com:443/path?q=1#frag",
]


@pytest.mark.parametrize("value", NOT_LINKS)
def test_only_well_formed_http_urls_are_links(value):
    assert web_url(value) == ""
    assert not is_trusted(value)
    assert api_links([{"href": value, "title": "Contact Bitmovin support"}]) == []


@pytest.mark.parametrize("url", WEB_BUT_NOT_TRUSTED)
def test_web_links_elsewhere_are_links_for_the_api_but_never_clickable_on_a_page(url):
    assert web_url(url) == url
    assert not is_trusted(url)
    link = page_link(url, "Contact Bitmovin support")
    assert link.href == "" and link.text == url


@pytest.mark.parametrize("url", TRUSTED)
def test_bitmovin_links_are_clickable_with_their_title(url):
    assert is_trusted(url)
    link = page_link(f"  {url} ", "Error codes")
    assert (link.href, link.text) == (url, "Error codes")
    assert page_link(url, "").text == url


def test_a_page_shows_a_long_url_clipped_and_nothing_for_an_empty_one():
    long_data = "data:text/html," + "A" * 60_000
    link = page_link(long_data, "Open")
    assert link.href == "" and len(link.text) == MAX_SHOWN and link.text.endswith("…")
    assert page_link("", "title") is None and page_link(None, None) is None


def test_api_links_keep_the_web_ones_in_order_with_text_titles_only():
    raw = [
        {"href": "https://developer.bitmovin.com/x", "title": "Docs"},
        {"href": "javascript:alert(1)", "title": "Evil"},
        {"href": "https://evil.example", "title": 7},
        "not a link",
    ]
    assert api_links(raw) == [
        {"href": "https://developer.bitmovin.com/x", "title": "Docs"},
        {"href": "https://evil.example"},
    ]
    assert api_links(None) == [] and api_links("https://x.example") == []
