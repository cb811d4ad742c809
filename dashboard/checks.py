"""Production refuses the demo's parts, and timings that break a rule.

With debug off, SQLite, a per-machine cache and the filesystem broker quietly break a deployment of more
than one machine: every machine keeps its own rate budget and its own "one queued sync" marker, and tasks
never leave the machine that queued them. So they are refused, unless DASHBOARD_SINGLE_MACHINE says the
deployment knowingly runs on one machine. Two timings are refused everywhere: a broker visibility timeout
that a retry's countdown can outlast (E005), and a sync lease shorter than the gap between its renewals
(E006).

The same findings are reported three ways: as system check errors (every management command that runs the
checks, `check --deploy` included), and as a refusal to start by the WSGI application and by Celery's worker
and beat, which run no system checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

SINGLE_MACHINE_HINT = "set DASHBOARD_SINGLE_MACHINE=1 only if every process runs on this one machine"


@dataclass(frozen=True)
class Finding:
    id: str
    msg: str
    hint: str


def _is_embedded_database() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"


def _is_per_machine_cache() -> bool:
    backend = settings.CACHES["default"]["BACKEND"]
    return backend.endswith(("FileBasedCache", "LocMemCache", "DummyCache"))


def _broker_scheme() -> str:
    return settings.CELERY_BROKER_URL.partition("://")[0]


def demo_parts_in_use() -> list[Finding]:
    """The demo's parts a production start (debug off, not the demo, not single-machine) would run on."""
    if settings.DEBUG or settings.DEMO or settings.SINGLE_MACHINE:
        return []
    findings = []
    if _is_embedded_database():
        findings.append(
            Finding(
                "dashboard.E001",
                "The database is SQLite: each machine would keep its own mirror and its own leases.",
                f"Set DATABASE_URL to PostgreSQL (postgres://...), or {SINGLE_MACHINE_HINT}.",
            )
        )
    if _is_per_machine_cache():
        findings.append(
            Finding(
                "dashboard.E002",
                "The cache is per machine (file, local memory or dummy): rate budgets, locks and the "
                "'one queued sync' markers would not be shared.",
                f"Set REDIS_URL or CACHE_URL to redis://..., or {SINGLE_MACHINE_HINT}.",
            )
        )
    if _broker_scheme() not in ("redis", "rediss", "unix"):
        findings.append(
            Finding(
                "dashboard.E003",
                "The Celery broker is not Redis: tasks would never leave the machine that queued them, and "
                "the filesystem broker drops a task whose worker is killed.",
                f"Set REDIS_URL or CELERY_BROKER_URL to redis://..., or {SINGLE_MACHINE_HINT}.",
            )
        )
    return findings


def shared_redis_database() -> Finding | None:
    """The cache evicts under memory pressure; the broker must not lose a message: never one database."""
    cache = settings.CACHES["default"]
    if not cache["BACKEND"].endswith("RedisCache"):
        return None
    if cache["LOCATION"].rstrip("/") != settings.CELERY_BROKER_URL.rstrip("/"):
        return None
    return Finding(
        "dashboard.E004",
        "The cache and the Celery broker use the same Redis database.",
        "Give CELERY_BROKER_URL another database (or server) than the cache, or set only REDIS_URL: the "
        "broker then uses the next database.",
    )


def short_visibility_timeout() -> Finding | None:
    longest_wait = settings.TASK_MAX_RETRY_COUNTDOWN_SECONDS + settings.CELERY_TASK_TIME_LIMIT
    if _broker_scheme() not in ("redis", "rediss", "unix"):
        return None
    if longest_wait < settings.CELERY_BROKER_VISIBILITY_TIMEOUT:
        return None
    return Finding(
        "dashboard.E005",
        f"CELERY_BROKER_VISIBILITY_TIMEOUT ({settings.CELERY_BROKER_VISIBILITY_TIMEOUT} s) does not outlast "
        f"the longest retry countdown plus a task's time limit ({longest_wait} s): Redis would deliver such "
        "a task twice.",
        f"Set CELERY_BROKER_VISIBILITY_TIMEOUT above {longest_wait}.",
    )


def short_sync_lease() -> Finding | None:
    # Imported here: the app's modules load after the settings this module reads.
    from encodings_app.services.lease import minimum_duration_seconds

    configured, minimum = settings.SYNC_LEASE_SECONDS, minimum_duration_seconds()
    if not configured or configured >= minimum:
        return None
    return Finding(
        "dashboard.E006",
        f"SYNC_LEASE_SECONDS ({configured} s) is shorter than the longest a sync run may go between two "
        f"renewals of its lease ({minimum} s: one API call with the worker's retries, and the writes after "
        "it): a second run could start beside a slow one.",
        f"Set SYNC_LEASE_SECONDS to {minimum} or more, or leave it unset for exactly that.",
    )


def all_findings() -> list[Finding]:
    found = [*demo_parts_in_use(), shared_redis_database(), short_visibility_timeout(), short_sync_lease()]
    return [finding for finding in found if finding is not None]


@checks.register("dashboard")
def production_parts_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    return [checks.Error(finding.msg, hint=finding.hint, id=finding.id) for finding in all_findings()]


def refuse_to_start(process: str) -> None:
    """Stop a process that runs no system checks (the WSGI application, Celery) on the same findings."""
    findings = all_findings()
    if findings:
        lines = "\n".join(f"  {f.id}: {f.msg} {f.hint}" for f in findings)
        raise ImproperlyConfigured(f"The {process} refuses to start:\n{lines}")


@checks.register("dashboard", deploy=True)
def public_url_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """A warning, not a refusal: alerts still arrive without it, only without their links."""
    if settings.DASHBOARD_PUBLIC_URL:
        return []
    return [
        checks.Warning(
            "DASHBOARD_PUBLIC_URL is not set: alert messages cannot link to the incident or the encodings "
            "it is about.",
            hint="Set DASHBOARD_PUBLIC_URL to the address people open the dashboard at.",
            id="dashboard.W001",
        )
    ]
