"""Liveness and readiness probes for load balancers, orchestrators and monitoring (no login, no session)."""

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
from encodings_app.services.liveness import Liveness, liveness_state, watched_processes

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
    """503 when a dependency fails, or when beat or a worker stopped (or scheduled tasks stopped running):
    what monitoring alerts on. A load balancer routes on /healthz instead, so that the pages which say what
    stopped stay reachable (README.md, "Probes and caching")."""
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
    # The heartbeats are in the cache: when the cache failed, asking it again would only wait again.
    liveness = _liveness() if results["cache"]["ok"] else None
    ok = all(entry["ok"] for entry in results.values()) and liveness is not None and liveness.ok
    answer = {
        "status": "ok" if ok else "error",
        "checks": results,
        "processes": _processes(liveness),
        "schedule": _schedule(liveness),
    }
    return JsonResponse(answer, status=200 if ok else 503)


def _liveness() -> Liveness | None:
    try:
        return liveness_state()
    except Exception as exc:  # the cache's own failure is already reported by its check
        logger.warning("liveness of beat and the workers unavailable: %s", exc)
        return None


def _processes(liveness: Liveness | None) -> dict:
    """Per process kind ("beat", "worker:sync" ...): whether it was heard from within PROCESS_STOPPED_SECONDS,
    and how long ago (null: never since the watch started). No host names: the answer needs no login."""
    if liveness is None:
        return {process: {"ok": None, "seconds_since": None} for process in watched_processes()}
    return {
        state.process: {
            "ok": not state.stopped,
            "seconds_since": state.seconds_since if state.heard_at else None,
        }
        for state in liveness.processes
    }


def _schedule(liveness: Liveness | None) -> dict:
    """The schedule's heartbeat task (services/schedule.py): late when no task went from beat through the
    broker to a worker within SCHEDULE_LATE_SECONDS, even with every process alive."""
    if liveness is None:
        return {"late": None, "seconds_since_last_run": None}
    state = liveness.schedule
    seconds = state.seconds_since if state.last_run_at else None
    return {"late": state.late, "seconds_since_last_run": seconds}
