"""Celery tasks: thin wrappers that take ids, call a service and retry only transient errors.

Every task tolerates a deleted row, is safe to run twice, and runs with acks_late and reject-on-worker-lost
(settings), so a worker killed mid-task hands the task to the next one.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from encodings_app.bitmovin.ids import is_valid_id
from encodings_app.models import Organization
from encodings_app.services import bulk_actions, refresh_outbox, retention, schedule, sweep, sync, usage
from encodings_app.services.account_connect import connections_check_all
from encodings_app.services.alert_channels import delivery
from encodings_app.services.alerts import alerts_run, alerts_run_all
from encodings_app.services.key_budget import LIST_ENDPOINT
from encodings_app.services.sync_planner import Planned

logger = logging.getLogger(__name__)

# Limits: CELERY_TASK_TIME_LIMIT for the long tasks (a sync, the prune); a minute for the short ones, so that
# a stuck read or sweep frees its worker soon. The soft limit comes 30 s (or 10 s) earlier.
LONG = {
    "time_limit": settings.CELERY_TASK_TIME_LIMIT,
    "soft_time_limit": settings.CELERY_TASK_SOFT_TIME_LIMIT,
}
SHORT = {"time_limit": 60, "soft_time_limit": 50}


@shared_task(name="schedule.heartbeat", **SHORT)
def schedule_heartbeat() -> None:
    """Beat queues this every SCHEDULE_HEARTBEAT_SECONDS: its run proves beat and a worker are alive."""
    schedule.schedule_heartbeat_record()


@shared_task(name="sync.sweep", **SHORT)
def sync_sweep() -> int:
    """Enqueue the syncs that are due, within each API key's budget; returns how many were enqueued."""
    # At most one queued sync per organization (sweep marks it): a slow queue must not pile up duplicates.
    return len(sweep.sweep(enqueue=_enqueue_sync))


def _enqueue_sync(planned: Planned) -> None:
    sync_organization.delay(planned.organization_id, full_pass_allowance=planned.full_pass_allowance)


@shared_task(name="sync.organization", **LONG)
def sync_organization(
    organization_id: int, full: bool = False, full_pass_allowance: int | None = None
) -> None:
    run = None
    try:
        # Failures are recorded on the run and the organization; the next sweep is the retry.
        run = sync.organization_sync(
            organization_id=organization_id, full=full, full_pass_allowance=full_pass_allowance
        )
    finally:
        # Cleared at the end, not the start: until then the sweep counts the run's planned calls.
        spent = None if run is None else run.api_calls.get(LIST_ENDPOINT, 0)
        sweep.sync_finished(organization_id, list_calls=spent)
        # Whatever the run found (failures, recoveries, a rejected key) is judged now.
        alerts_evaluate_nudge(organization_id)


# "A drain is waiting in the queue": set by the nudge that queued it, cleared when a drain starts, so that
# however many requests nudge, at most one drain waits. It expires with the message, should that be lost.
# After a failed nudge it stays a little while, so that a broker that hangs is tried once in that time, not
# by every request.
DRAIN_QUEUED_KEY = "refresh:drain-queued"
DRAIN_QUEUED_SECONDS = 10
NUDGE_PAUSE_AFTER_FAILURE_SECONDS = 2
# A drain starts no read after this long: the sweeps share its queue, and beat runs it every
# REFRESH_DRAIN_SECONDS, so a backlog is read in slices with the sweeps in between.
DRAIN_RUN_SECONDS = 1.0
# A nudge sends once (no publish retries) and gives up on a broker that does not answer within this: a
# request never waits for a broker that is down, and beat's next drain reads what the nudge could not ask.
NUDGE_BROKER_TIMEOUT_S = 0.5


@shared_task(name="refresh.drain", **SHORT)
def refresh_drain() -> int:
    """Read the encodings whose refresh is due (services/refresh_outbox.py); returns how many were read."""
    # Cleared first: a request committed from now on nudges a drain of its own, even while this one runs.
    _quietly(cache.delete, DRAIN_QUEUED_KEY)
    outcome = refresh_outbox.refresh_drain(time_budget_seconds=DRAIN_RUN_SECONDS)
    for organization_id in sorted(outcome.read_organizations):
        alerts_evaluate_nudge(organization_id)
    return outcome.reads


def refresh_drain_nudge() -> bool:
    """Queue a drain now unless one is waiting; True when sent. Never raises: the outbox holds the request."""
    return _nudge(refresh_drain, queued_key=DRAIN_QUEUED_KEY, what="the refresh drain")


def _nudge(task, *, queued_key: str, what: str, args: tuple = ()) -> bool:
    """Queue `task` now unless one is waiting (marked by `queued_key`); True when sent. Never raises: the
    rows it drains wait in the database, and beat runs it anyway."""
    try:
        if not cache.add(queued_key, 1, timeout=DRAIN_QUEUED_SECONDS):
            return False
    except Exception as exc:
        logger.warning("%s was not nudged: the cache failed (%s); beat runs it", what, type(exc).__name__)
        return False
    try:
        with task.app.connection_for_write(
            connect_timeout=NUDGE_BROKER_TIMEOUT_S,
            transport_options={
                "max_retries": 0,
                "socket_connect_timeout": NUDGE_BROKER_TIMEOUT_S,
                "socket_timeout": NUDGE_BROKER_TIMEOUT_S,
            },
        ) as connection:
            task.apply_async(args=args, connection=connection, retry=False, expires=DRAIN_QUEUED_SECONDS)
    except Exception as exc:
        logger.warning(
            "%s was not nudged: the broker failed (%s); beat runs it once the broker is back",
            what,
            type(exc).__name__,
        )
        _quietly(cache.set, queued_key, 1, timeout=NUDGE_PAUSE_AFTER_FAILURE_SECONDS)
        return False
    return True


def _quietly(operation, key: str, *args, **kwargs) -> None:
    """A cache write that may fail (the cache is down): the outbox does not depend on it."""
    try:
        operation(key, *args, **kwargs)
    except Exception as exc:
        logger.warning("could not update %s in the cache (%s)", key, type(exc).__name__)


# Messages queued before the outbox existed carry this name and ask for one read each: they join the outbox.
@shared_task(name="sync.refresh_encoding", **SHORT)
def legacy_refresh_encoding(organization_id: int, bitmovin_id: str) -> None:
    if Organization.objects.filter(pk=organization_id).exists() and is_valid_id(bitmovin_id):
        refresh_outbox.refresh_request(organization_id=organization_id, bitmovin_id=bitmovin_id)


# Alert deliveries (services/alert_channels/delivery.py): the same outbox pattern as the refreshes. A run
# sends for at most DELIVER_RUN_SECONDS, well inside the task's time limit and delivery.CLAIM_SECONDS;
# beat's next run continues a backlog.
DELIVER_QUEUED_KEY = "alerts:deliver-queued"
DELIVER_RUN_SECONDS = 20.0


@shared_task(name="alerts.deliver", **SHORT)
def alerts_deliver() -> int:
    """Send the alert deliveries that are due; returns how many sends were made."""
    _quietly(cache.delete, DELIVER_QUEUED_KEY)
    return delivery.deliver_due(time_budget_seconds=DELIVER_RUN_SECONDS).sends


def alerts_deliver_nudge() -> bool:
    """Queue a delivery run now unless one is waiting; True when sent. Never raises."""
    return _nudge(alerts_deliver, queued_key=DELIVER_QUEUED_KEY, what="the alert delivery")


@shared_task(name="retention.prune", **LONG)
def prune_bookkeeping() -> int:
    """Remove records past their retention; returns how many. Safe to run twice or cut short."""
    # Half the time limit: a backlog is finished by the next runs, never by a task killed mid-batch.
    outcome = retention.retention_prune(time_budget_seconds=settings.CELERY_TASK_TIME_LIMIT // 2)
    return outcome.total


@shared_task(name="connections.check", **LONG)
def connections_check() -> int:
    """What each account connection's key reaches: new organizations offered, those no longer reached
    marked (services/account_connect.py); returns how many connections were checked."""
    return connections_check_all()


@shared_task(name="alerts.evaluate", **SHORT)
def alerts_evaluate() -> int:
    """Evaluate every organization's alert rules and tell the channels what is due (beat, every
    ALERTS_EVALUATE_SECONDS); returns how many incidents opened, changed or resolved. Safe to run twice or
    side by side with send_alerts and the per-organization runs."""
    return sum(evaluated.outcome.changes for evaluated in alerts_run_all())


# One organization's evaluation, right after a sync or a webhook's read changed what it sees, so that a new
# cause is told within seconds rather than at beat's next run. At most one waits per organization.
EVALUATE_QUEUED_KEY = "alerts:evaluate-queued:{}"


@shared_task(name="alerts.evaluate_organization", **SHORT)
def alerts_evaluate_organization(organization_id: int) -> int:
    _quietly(cache.delete, EVALUATE_QUEUED_KEY.format(organization_id))
    organization = Organization.objects.select_related("connection").filter(pk=organization_id).first()
    if organization is None:
        return 0
    return alerts_run(organization=organization).outcome.changes


def alerts_evaluate_nudge(organization_id: int) -> bool:
    """Queue the organization's evaluation now unless one is waiting; True when sent. Never raises: beat's
    run evaluates it anyway."""
    return _nudge(
        alerts_evaluate_organization,
        queued_key=EVALUATE_QUEUED_KEY.format(organization_id),
        what="the alerts' evaluation",
        args=(organization_id,),
    )


# Bulk actions (services/bulk_actions.py): one run sends for at most bulk_actions.RUN_SECONDS, then hands over
# to a fresh task; a rate limit re-queues it with the wait as countdown instead of failing items.
@shared_task(
    name="bulk.run",
    time_limit=bulk_actions.BULK_TASK_TIME_LIMIT,
    soft_time_limit=bulk_actions.BULK_TASK_TIME_LIMIT - 10,
)
def bulk_job_run(job_id: int) -> int:
    """Send a bulk job's waiting items; returns how many were sent by this run."""
    run = bulk_actions.bulk_job_run(job_id=job_id)
    if not run.finished:
        bulk_job_enqueue(job_id, countdown=run.retry_after)
    return run.sent


def bulk_job_enqueue(job_id: int, *, countdown: float | None = None) -> None:
    """Queue a run of the job (the job's items wait in the database: a lost message loses no item)."""
    bulk_job_run.apply_async((job_id,), countdown=countdown or None)


@shared_task(name="bulk.resume", **SHORT)
def bulk_jobs_resume() -> int:
    """Queue again the run of each job that stalled (beat, every BULK_RESUME_SECONDS); safe beside a run
    still queued: the items are claimed one by one. Returns how many were queued."""
    stalled = bulk_actions.bulk_jobs_stalled(quiet_seconds=settings.BULK_RESUME_SECONDS)
    for job_id in stalled:
        bulk_job_enqueue(job_id)
    return len(stalled)


# One run across organizations at a time: beat looks every USAGE_PLAN_SECONDS, a run may take longer.
USAGE_RUN_KEY = "usage:sync-all-running"


@shared_task(name="usage.sync_all", **LONG)
def usage_sync_all() -> int:
    """Read the usage of every organization that is due (beat, every USAGE_PLAN_SECONDS), within each key's
    budget; those the budget had no room for wait for a later run. Returns how many were read."""
    if not cache.add(USAGE_RUN_KEY, 1, timeout=settings.CELERY_TASK_TIME_LIMIT):
        return 0
    try:
        plan = usage.usage_sync_all()
    finally:
        _quietly(cache.delete, USAGE_RUN_KEY)
    return sum(1 for outcome in plan.outcomes.values() if outcome.status == "synced")


@shared_task(name="usage.sync_organization", **LONG)
def usage_sync_organization(organization_id: int) -> str:
    """Read one organization's usage now; an organization deleted meanwhile is nothing to do, and a budget
    without room leaves it to beat's next look."""
    organization = usage.usage_organizations().filter(pk=organization_id).first()
    if organization is None:
        return "gone"
    return usage.usage_sync(organization=organization).status
