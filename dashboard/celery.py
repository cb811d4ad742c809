"""The Celery application, configured from Django settings (the CELERY_* names in dashboard/settings.py)."""

import os

from celery import Celery, signals

from dashboard.broker_guard import guard_detached_redis_channels
from dashboard.heartbeats import WorkerHeartbeat
from dashboard.log_context import bind_task_id
from dashboard.private_files import restrict_umask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
# The worker and beat write broker messages and beat's schedule under var/: private to this user.
restrict_umask()
# A Redis restart under a worker with tasks in flight must end in a reconnect, not an exit.
guard_detached_redis_channels()

app = Celery("dashboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Every worker records a heartbeat per queue it consumes; beat's comes from CELERY_BEAT_SCHEDULER.
app.steps["worker"].add(WorkerHeartbeat)


def _refuse_demo_parts_in_production(process: str) -> None:
    # Celery runs no system checks, and it logs and swallows an exception raised by a signal handler: the
    # refusal leaves as SystemExit, whose message is the reason.
    from django.core.exceptions import ImproperlyConfigured

    from dashboard.checks import refuse_to_start

    try:
        refuse_to_start(process)
    except ImproperlyConfigured as exc:
        raise SystemExit(str(exc)) from None


@signals.worker_init.connect
def _check_worker(**kwargs) -> None:
    _refuse_demo_parts_in_production("Celery worker")


@signals.beat_init.connect
def _check_beat(**kwargs) -> None:
    _refuse_demo_parts_in_production("Celery beat")


# Every log line a task writes carries its id (dashboard/log_context.py).
@signals.task_prerun.connect
def _bind_task_id(task_id: str | None = None, **kwargs) -> None:
    bind_task_id(task_id)


@signals.task_postrun.connect
def _unbind_task_id(**kwargs) -> None:
    bind_task_id(None)
