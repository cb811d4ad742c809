"""Offset/limit pages like Bitmovin's: limit 25 by default and at most 100, totalCount only on request.

A page costs one query: it reads limit + 1 rows to learn whether there is a next page, so the COUNT that a
large table makes slow runs only for ``includeTotalCount=true``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict

from encodings_app.api.envelope import success
from encodings_app.api.params import QueryReader

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
# Beyond this the databases disagree on what an OFFSET may be; nobody pages that far.
MAX_OFFSET = 2_147_483_647


@dataclass(frozen=True)
class PageRequest:
    offset: int
    limit: int
    include_total_count: bool
    # The request's parameters as read and checked: next and previous repeat these, and nothing else.
    reader: QueryReader | None = field(default=None, compare=False, repr=False)


def page_request(reader: QueryReader) -> PageRequest:
    return PageRequest(
        offset=reader.integer("offset", default=0, minimum=0, maximum=MAX_OFFSET),
        limit=reader.integer("limit", default=DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT),
        include_total_count=reader.boolean("includeTotalCount"),
        reader=reader,
    )


def _page_url(request, page: PageRequest, offset: int) -> str:
    if page.reader is not None:
        query = page.reader.known_query(offset=str(offset))
    else:
        query = QueryDict(mutable=True)
        query.update({"offset": str(offset), "limit": str(page.limit)})
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def paginated(
    request,
    rows: QuerySet | Sequence[Any],
    page: PageRequest,
    serialize: Callable[[list[Any]], list[Any]],
) -> dict[str, Any]:
    """The PaginationResponse of the API: totalCount (when asked), offset, limit, previous, next, items."""
    window = list(rows[page.offset : page.offset + page.limit + 1])
    has_next = len(window) > page.limit
    result: dict[str, Any] = {}
    if page.include_total_count:
        result["totalCount"] = rows.count() if isinstance(rows, QuerySet) else len(rows)
    result["offset"] = page.offset
    result["limit"] = page.limit
    previous = max(0, page.offset - page.limit)
    result["previous"] = _page_url(request, page, previous) if page.offset > 0 else None
    result["next"] = _page_url(request, page, page.offset + page.limit) if has_next else None
    result["items"] = serialize(window[: page.limit])
    return result


def serialized_by(serializer: type) -> Callable[[list[Any]], list[Any]]:
    return lambda items: serializer(items, many=True).data


def page_answer(
    request,
    reader: QueryReader,
    rows: Callable[[], QuerySet | Sequence[Any]],
    serialize: Callable[[list[Any]], list[Any]],
):
    """One page of what `rows()` returns, in the envelope. The page parameters are read last and the query
    runs only once every parameter was checked, so a bad one is a 400 before any query."""
    page = page_request(reader)
    reader.check()
    return success(paginated(request, rows(), page, serialize))
