"""PaginationResponse bodies with absolute next/previous links."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from simulator.query import Paging


def page_links(
    base_url: str, path: str, query: dict[str, list[str]], paging: Paging, has_more: bool
) -> dict[str, str]:
    """`next` and `previous` keep every other parameter; each is left out at its end (README)."""
    others = [(k, v) for k, values in query.items() if k not in ("offset", "limit") for v in values]
    links: dict[str, str] = {}

    def url(offset: int) -> str:
        pairs = [("offset", str(offset)), ("limit", str(paging.limit)), *others]
        return f"{base_url}{path}?{urlencode(pairs)}"

    if has_more and paging.limit > 0:
        links["next"] = url(paging.offset + paging.limit)
    if paging.offset > 0:
        links["previous"] = url(max(0, paging.offset - paging.limit))
    return links


def page(
    items: Sequence[Any],
    paging: Paging,
    *,
    base_url: str,
    path: str,
    query: dict[str, list[str]],
    total: int | None,
    has_more: bool,
) -> dict[str, Any]:
    body: dict[str, Any] = {"offset": paging.offset, "limit": paging.limit}
    if total is not None:
        body["totalCount"] = total
    body.update(page_links(base_url, path, query, paging, has_more))
    body["items"] = list(items)
    return body


def page_of(
    everything: Sequence[Any], paging: Paging, *, base_url: str, path: str, query: dict[str, list[str]]
) -> dict[str, Any]:
    """Page a list that is already complete and in order."""
    chunk = everything[paging.offset : paging.offset + paging.limit]
    return page(
        chunk,
        paging,
        base_url=base_url,
        path=path,
        query=query,
        total=len(everything) if paging.include_total else None,
        has_more=paging.offset + paging.limit < len(everything),
    )
