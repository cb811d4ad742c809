"""Liveness and readiness probes for load balancers and orchestrators (no login, no session)."""

import logging
import time
import uuid

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dashboard.celery import app as celery_app
from encodings_app.services.schedule import schedule_state

logger = logging.getLogger(__name__)


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain")


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("value written to the cache could not be read back")
    cache.delete(key)


def _check_broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=3)


CHECKS = {"database": _check_database, "broker": _check_broker, "cache": _check_cache}


@login_not_required
@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    results = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
        except Exception as exc:
            # Only the exception's class goes into the unauthenticated answer; the detail, which may
            # name hosts, goes to the log.
            logger.warning("readiness check %s failed: %s", name, exc)
            results[name] = {"ok": False, "error": type(exc).__name__}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    ok = all(entry["ok"] for entry in results.values())
    # The schedule's record is in the cache: when the cache failed, asking it again would only wait again.
    schedule = _schedule() if results["cache"]["ok"] else {"late": None, "seconds_since_last_run": None}
    answer = {"status": "ok" if ok else "error", "checks": results, "schedule": schedule}
    return JsonResponse(answer, status=200 if ok else 503)


def _schedule() -> dict:
    """Reported, not a readiness failure: a web process serves pages fine while beat is stopped, and taking
    every web process out of the load balancer would hide the pages that say so."""
    try:
        state = schedule_state()
    except Exception as exc:  # the cache's own failure is already reported by its check
        logger.warning("schedule state unavailable: %s", exc)
        return {"late": None, "seconds_since_last_run": None}
    seconds = state.seconds_since if state.last_run_at else None
    return {"late": state.late, "seconds_since_last_run": seconds}
