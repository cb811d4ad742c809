"""Error definitions: the encoder's failure codes and the API's own codes."""

from __future__ import annotations

from simulator.catalog import encoding_error_definitions
from simulator.codes import api_error_definitions
from simulator.pagination import page_of
from simulator.routing import Reply, Request


def encoding_definitions(request: Request) -> Reply:
    items = encoding_error_definitions()
    return Reply(
        page_of(items, request.paging(), base_url=request.base_url, path=request.path, query=request.query)
    )


def general_definitions(request: Request) -> Reply:
    items = api_error_definitions()
    return Reply(
        page_of(items, request.paging(), base_url=request.base_url, path=request.path, query=request.query)
    )
