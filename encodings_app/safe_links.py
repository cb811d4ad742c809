"""Links that came from Bitmovin's API (message links, error links): which are links at all, and which a
page may make clickable.

Bitmovin's answers are data, not markup: a link in one may name any scheme and any host, with any title
("Contact Bitmovin support" pointing anywhere). Two rules, both here and nowhere else:

- ``web_url``: only a well-formed absolute http(s) URL is a link at all, in pages and in the REST API alike;
  ``javascript:``, ``data:``, ``vbscript:``, protocol-relative and malformed ones are not.
- ``page_link``: on the pages, only a link to bitmovin.com or one of its subdomains is clickable, with its
  title; any other one is shown as its URL in plain text, so no friendly title can hide where it goes.

The host is compared exactly on the parsed URL, never by substring, and anything that browsers and Python
might parse differently (backslashes, whitespace, user info, percent-escapes or non-ASCII in the host) is
never clickable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

TRUSTED_DOMAIN = "bitmovin.com"
# Longer URLs are not links: nothing Bitmovin documents is near this, and a page should not carry megabytes.
MAX_URL_LENGTH = 2048
# How much of a URL that is not clickable a page shows as text.
MAX_SHOWN = 200

# Controls, whitespace and backslashes: browsers drop or reinterpret them inside URLs, Python does not.
_UNSAFE_CHARACTERS = re.compile(r"[\x00-\x20\x7f-\x9f\\]")
_PLAIN_HOST = re.compile(r"[a-z0-9.-]+")


def web_url(value: Any) -> str:
    """The URL when it is a well-formed absolute http(s) URL, else ""."""
    if not isinstance(value, str):
        return ""
    url = value.strip()
    if not url or len(url) > MAX_URL_LENGTH or _UNSAFE_CHARACTERS.search(url):
        return ""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return url


def is_trusted(url: str) -> bool:
    """Whether a page may make this link clickable: an http(s) URL on bitmovin.com or a subdomain of it."""
    url = web_url(url)
    if not url:
        return False
    parts = urlsplit(url)
    if "@" in parts.netloc or not parts.netloc.isascii():
        return False
    host = parts.hostname or ""
    if not _PLAIN_HOST.fullmatch(host):
        return False
    return host == TRUSTED_DOMAIN or host.endswith("." + TRUSTED_DOMAIN)


@dataclass(frozen=True)
class PageLink:
    """How a page shows a link: ``href`` is "" when it must not be clickable, and ``text`` is then the URL."""

    href: str
    text: str


def page_link(href: Any, title: Any = None) -> PageLink | None:
    """A link from the API as a page shows it; None when there is nothing to show."""
    if not isinstance(href, str) or not href.strip():
        return None
    if is_trusted(href):
        url = web_url(href)
        text = title.strip() if isinstance(title, str) and title.strip() else url
        return PageLink(href=url, text=_clip(text))
    return PageLink(href="", text=_clip(href.strip()))


def api_links(raw: Any) -> list[dict[str, str]]:
    """Links for the REST API's JSON: the http(s) ones as given, with their title when it is text."""
    links = []
    for item in raw if isinstance(raw, Iterable) and not isinstance(raw, str | bytes | dict) else []:
        href = web_url(item.get("href")) if isinstance(item, dict) else ""
        if href:
            title = item.get("title")
            links.append({"href": href, **({"title": title} if isinstance(title, str) and title else {})})
    return links


def _clip(text: str) -> str:
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"
