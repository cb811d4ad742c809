"""Beat and every Celery worker record that they are alive (encodings_app/services/liveness.py reads it).

Beat records from its scheduler's loop and a worker from its timer, both of which stop when the process
hangs or dies. A worker's timer runs in its event loop (prefork with Redis) or in a thread of its own (no
event loop: the filesystem broker): either way it ticks while the pool's processes run tasks; only the
`solo` pool, which runs a task in the event loop itself, holds it up for the task's length, so production
runs the default prefork pool (Procfile). A heartbeat that cannot be written (the cache is down) is logged,
never raised: the process goes on with its work.
"""

from __future__ import annotations

import logging
import socket
import time

from celery import beat, bootsteps
from django.conf import settings

logger = logging.getLogger(__name__)


class _Recorder:
    """Writes one process's heartbeats; logs the first failure and the recovery, not every attempt."""

    def __init__(self, processes: list[str]) -> None:
        self.processes = processes
        self.machine = socket.gethostname()
        self.failing = False

    def record(self) -> None:
        from encodings_app.services.liveness import heartbeat_record

        try:
            heartbeat_record(processes=self.processes, machine=self.machine)
        except Exception as exc:
            if not self.failing:
                logger.warning("heartbeat of %s not recorded: %s", ", ".join(self.processes), exc)
            self.failing = True
            return
        if self.failing:
            logger.info("heartbeat of %s recorded again", ", ".join(self.processes))
        self.failing = False


# Entries that run at least this often are due as soon as beat starts (Celery's own scheduler first runs
# every entry one period after its start): a restarted beat sweeps, drains and proves the schedule at once
# rather than a period later. Each is idempotent and would run within the minute anyway; a beat that
# restarts in a loop does not run the hourly prune every time.
RUN_AT_START_MAX_SECONDS = 60


class HeartbeatScheduler(beat.Scheduler):
    """Celery's in-memory scheduler, which also records beat's heartbeat every PROCESS_HEARTBEAT_SECONDS and
    runs its frequent entries at start."""

    _recorder: _Recorder | None = None
    _heartbeat_due = 0.0

    def setup_schedule(self) -> None:
        super().setup_schedule()
        for entry in self.schedule.values():
            every = getattr(entry.schedule, "run_every", None)
            if every is not None and every.total_seconds() <= RUN_AT_START_MAX_SECONDS:
                entry.last_run_at = entry.last_run_at - every

    def tick(self, *args, **kwargs) -> float:
        delay = super().tick(*args, **kwargs)
        now = time.monotonic()
        if now >= self._heartbeat_due:
            if self._recorder is None:
                from encodings_app.services.liveness import BEAT

                self._recorder = _Recorder([BEAT])
            self._recorder.record()
            self._heartbeat_due = now + settings.PROCESS_HEARTBEAT_SECONDS
        # Wake up for the next heartbeat even when no task is due before it.
        return min(delay, max(0.0, self._heartbeat_due - now))


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Records "worker:<queue>" for every queue this worker consumes, at start and then on its timer."""

    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker, **kwargs) -> None:
        super().__init__(worker, **kwargs)
        self.timer_entry = None

    def start(self, worker) -> None:
        from encodings_app.services.liveness import worker_process

        queues = sorted(worker.app.amqp.queues.consume_from)
        recorder = _Recorder([worker_process(queue) for queue in queues])
        recorder.record()
        self.timer_entry = worker.timer.call_repeatedly(settings.PROCESS_HEARTBEAT_SECONDS, recorder.record)

    def stop(self, worker) -> None:
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None
