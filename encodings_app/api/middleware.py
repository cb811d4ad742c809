"""A fresh request id for every request: in the X-Request-Id header, the envelope, the API's log line, and
every log line written while the request is answered (dashboard/log_context.py).

The log line names method, path, status, duration and request id only. Headers, query strings and bodies
stay out of it: they may carry an API key or a token.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from dashboard.log_context import request_id_bound

logger = logging.getLogger("encodings_app.api.requests")

API_PATH_PREFIX = "/api/"
HEADER = "X-Request-Id"


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Never taken from the client: a caller could otherwise make two requests share one id in the logs.
        request.request_id = str(uuid.uuid4())
        with request_id_bound(request.request_id):
            return self._answer(request)

    def _answer(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        response[HEADER] = request.request_id
        if request.path_info.startswith(API_PATH_PREFIX):
            duration_ms = (time.perf_counter() - started) * 1000
            logger.info(
                "%s %s %s %.1f ms request_id=%s",
                request.method,
                request.path_info,
                response.status_code,
                duration_ms,
                request.request_id,
                extra={
                    "request_id": request.request_id,
                    "method": request.method,
                    "path": request.path_info,
                    "status": response.status_code,
                    "duration_ms": round(duration_ms, 1),
                },
            )
        return response
