"""A polled live part as the browser sees it: the tag it carries (data-etag) and a poll sending it back
(static/js/app.js)."""

from __future__ import annotations

import html
import re

POLL = {"HX-Request": "true"}


def live_tag(page: str, element_id: str) -> str:
    """The ETag the live part with this id carries."""
    found = re.search(rf'id="{element_id}"[^>]* data-etag="([^"]+)"', page)
    assert found, f"no tag on #{element_id}"
    return html.unescape(found.group(1))


def poll(client, url: str, tag: str | None = None):
    """htmx's poll of ``url``, sending ``tag`` as If-None-Match when given."""
    headers = {**POLL, "If-None-Match": tag} if tag else POLL
    return client.get(url, headers=headers)


def poll_address(page: str, element_id: str) -> str:
    """The address the live part with this id polls (hx-get)."""
    found = re.search(rf'id="{element_id}"[^>]* hx-get="([^"]+)"', page)
    assert found, f"no poll on #{element_id}"
    return html.unescape(found.group(1))


def assert_not_modified(answer, tag: str) -> None:
    """A 304 as the polls answer it: the tag, no body, no template rendered, never stored."""
    assert answer.status_code == 304
    assert answer.content == b""
    assert answer.templates == []
    assert answer["ETag"] == tag
    assert "no-store" in answer["Cache-Control"] and "HX-Request" in answer["Vary"]


def assert_new_content(client, url: str, tag: str, element_id: str, shown: str) -> None:
    """After a change, the poll sending the old ``tag`` gets the part again, showing ``shown``, with a new
    tag that it carries too; and the poll after it, sending that one, a 304."""
    answer = poll(client, url, tag)
    assert answer.status_code == 200
    page = answer.content.decode()
    assert shown in page
    assert answer["ETag"] != tag and live_tag(page, element_id) == answer["ETag"]
    assert poll(client, url, answer["ETag"]).status_code == 304


def assert_only_polls_are_conditional(client, url: str, tag: str) -> None:
    """A page load sending the tag (a browser's own revalidation, a copied request) gets the page."""
    response = client.get(url, headers={"If-None-Match": tag})
    assert response.status_code == 200 and "<html" in response.content.decode()


def assert_no_304_without_access(outsider, anonymous, url: str, tag: str) -> None:
    """Someone of another organization gets the product's 404 and someone logged out the login page, tag
    or not: the access check comes first."""
    refused = poll(outsider, url, tag)
    assert refused.status_code == 404 and refused.get("ETag") is None
    logged_out = poll(anonymous, url, tag)
    assert logged_out.status_code == 302 and logged_out["Location"].startswith("/login/")
    assert logged_out.get("ETag") is None
