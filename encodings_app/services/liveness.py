"""Are beat and the Celery workers alive? Each process records a heartbeat in the shared cache; anyone asks.

Beat records "beat" and every worker records "worker:<queue>" for each queue it consumes, every
PROCESS_HEARTBEAT_SECONDS (dashboard/heartbeats.py), twice: once for the process kind, which any process of
that kind keeps fresh (what /readyz, /metrics and the pages judge), and once for the kind on this machine
(what a process manager's probe of one process judges: `dashboard liveness`). A kind not heard from for
PROCESS_STOPPED_SECONDS is stopped. When no record exists (a new deployment, a flushed cache) the watch
starts then, as in services/schedule.py: a process that never ran is reported once the threshold has
passed, not never, and not at once.

The schedule's heartbeat task (services/schedule.py) stays beside these: a worker whose timer ticks may
still run no task (its pool hung, its queue piled up), and only a task that went from beat through the
broker to a worker proves that tasks run.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from encodings_app.services.schedule import ScheduleState, schedule_state

logger = logging.getLogger(__name__)

BEAT = "beat"
WORKER_PREFIX = "worker:"
KEY_PREFIX = "liveness:"
WATCH_PREFIX = "liveness:watch-since:"
# A kind's record outlives any outage worth reporting; one machine's record only needs to outlive a
# restart of its process (machines come and go, and each leaves its keys behind until they expire).
RECORD_SECONDS = 7 * 24 * 3600
MACHINE_RECORD_SECONDS = 24 * 3600
# The tasks without which no organization is synced: the sweep plans the syncs, the sync reads Bitmovin.
SYNC_TASKS = ("sync.sweep", "sync.organization")


def worker_process(queue: str) -> str:
    return f"{WORKER_PREFIX}{queue}"


def watched_processes() -> tuple[str, ...]:
    """Beat, and a worker for each queue a task may be sent to."""
    return (BEAT, *(worker_process(queue) for queue in settings.TASK_QUEUES))


def processes_for_sync() -> frozenset[str]:
    """Without any one of these nothing is synced: beat queues the sweep, and the workers of the sweep's and
    the sync's queues run them."""
    routes = settings.CELERY_TASK_ROUTES
    queues = {routes.get(task, {}).get("queue", settings.CELERY_TASK_DEFAULT_QUEUE) for task in SYNC_TASKS}
    return frozenset({BEAT, *(worker_process(queue) for queue in queues)})


def _key(process: str, machine: str | None = None) -> str:
    return f"{KEY_PREFIX}{process}" if machine is None else f"{KEY_PREFIX}{process}@{machine}"


def heartbeat_record(
    *, processes: list[str] | tuple[str, ...], machine: str, now: datetime | None = None
) -> None:
    """This process is alive: records each of its process kinds, in general and on `machine`."""
    at = (now or timezone.now()).timestamp()
    cache.set_many({_key(process): at for process in processes}, timeout=RECORD_SECONDS)
    cache.set_many({_key(process, machine): at for process in processes}, timeout=MACHINE_RECORD_SECONDS)


# What stops with each process, in the words of the pages' banner.
CONSEQUENCES = {
    BEAT: "no sync is scheduled and old records are not pruned",
    worker_process("sync"): "nothing is being read from Bitmovin",
    worker_process(
        "refresh"
    ): "no sync is planned, and webhooks and actions are not followed by a fresh read",
    worker_process("alerts"): "no alert is sent",
}


@dataclass(frozen=True)
class ProcessState:
    process: str  # "beat" or "worker:<queue>"
    heard_at: datetime | None
    seconds_since: int  # since the last heartbeat, or since the watch started when none was ever heard
    stopped: bool

    @property
    def queue(self) -> str:
        return self.process.removeprefix(WORKER_PREFIX) if self.process.startswith(WORKER_PREFIX) else ""

    @property
    def consequence(self) -> str:
        return CONSEQUENCES.get(self.process, f"the tasks of the {self.queue} queue wait")


def _state(process: str, key: str, last: float | None, now: datetime) -> ProcessState:
    threshold = settings.PROCESS_STOPPED_SECONDS
    if last is None:
        watch_key = f"{WATCH_PREFIX}{key}"
        cache.add(watch_key, now.timestamp(), timeout=RECORD_SECONDS)
        waited = max(0, int(now.timestamp() - cache.get(watch_key, now.timestamp())))
        return ProcessState(process, None, waited, waited > threshold)
    seconds = max(0, int(now.timestamp() - last))
    return ProcessState(process, datetime.fromtimestamp(last, tz=UTC), seconds, seconds > threshold)


def process_states(now: datetime | None = None) -> tuple[ProcessState, ...]:
    """Every watched process kind, in watched_processes() order; one cache read when all have records."""
    now = now or timezone.now()
    processes = watched_processes()
    found = cache.get_many([_key(process) for process in processes])
    return tuple(_state(process, _key(process), found.get(_key(process)), now) for process in processes)


def process_state_on(process: str, machine: str, now: datetime | None = None) -> ProcessState:
    """One process kind on one machine: what a probe of the process running there asks."""
    now = now or timezone.now()
    key = _key(process, machine)
    return _state(process, key, cache.get(key), now)


@dataclass(frozen=True)
class Liveness:
    processes: tuple[ProcessState, ...]
    schedule: ScheduleState

    @property
    def stopped(self) -> tuple[ProcessState, ...]:
        return tuple(state for state in self.processes if state.stopped)

    @property
    def sync_stopped(self) -> bool:
        """Nothing is being read from Bitmovin: a process the syncs need stopped, or no scheduled task has
        run for SCHEDULE_LATE_SECONDS although the processes are alive. Different from "behind", which also
        covers a sync slowed down by a rate limit."""
        needed = processes_for_sync()
        return self.schedule.late or any(state.process in needed for state in self.stopped)

    @property
    def ok(self) -> bool:
        return not self.stopped and not self.schedule.late


def liveness_state(now: datetime | None = None) -> Liveness:
    """Raises what the cache raises when it cannot be read."""
    now = now or timezone.now()
    return Liveness(process_states(now), schedule_state(now))


# After the cache failed to answer, pages do not ask it again for this long: a page reads the liveness up to
# three times (banner, chips, switcher), and a cache that hangs would make it wait its timeout each time.
UNREADABLE_BACKOFF_SECONDS = 5.0
_unreadable_until = 0.0


def liveness_for_pages(now: datetime | None = None) -> Liveness | None:
    """liveness_state, or None when the cache cannot be read: a page still renders, and the cache's own
    failure is reported by /readyz and /metrics."""
    global _unreadable_until
    if time.monotonic() < _unreadable_until:
        return None
    try:
        return liveness_state(now)
    except Exception as exc:
        logger.warning("liveness of beat and the workers unavailable: %s", exc)
        _unreadable_until = time.monotonic() + UNREADABLE_BACKOFF_SECONDS
        return None


def sync_stopped_now() -> bool:
    """Whether the pages say "Sync stopped" now (False when the cache cannot tell)."""
    state = liveness_for_pages()
    return state is not None and state.sync_stopped
