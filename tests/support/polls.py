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
