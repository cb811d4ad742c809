"""A process manager's probe of beat or a worker: exit 0 while its heartbeat is fresh, 1 once it is stale.

    dashboard liveness beat
    dashboard liveness worker --queue sync
    dashboard liveness worker --queue refresh,alerts

By default it judges the process on this machine (its host name, as the process records it), which is what
a Kubernetes exec livenessProbe or a systemd watchdog running beside the process wants; --anywhere judges
the process kind on any machine instead. When the cache cannot be read it cannot tell, says so and exits 0:
restarting the process would not bring the cache back.
"""

from __future__ import annotations

import socket
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from encodings_app.services.liveness import (
    BEAT,
    ProcessState,
    process_state_on,
    process_states,
    worker_process,
)


class Command(BaseCommand):
    help = "Exit 0 while beat's or a worker's heartbeat is fresh, 1 once older than PROCESS_STOPPED_SECONDS."
    # A probe runs every few seconds: it reads the cache and nothing else.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("process", choices=["beat", "worker"], help="Which process to judge.")
        parser.add_argument(
            "--queue",
            default="",
            help="For a worker: the queue(s) it consumes, comma-separated (as given to `celery worker -Q`).",
        )
        parser.add_argument(
            "--machine",
            default=socket.gethostname(),
            help="The host name whose process is judged (default: this machine's, %(default)s).",
        )
        parser.add_argument(
            "--anywhere", action="store_true", help="Judge the process kind on any machine, not one machine."
        )

    def handle(self, *args, process, queue, machine, anywhere, **options):
        names = self._process_names(process, queue)
        where = "on any machine" if anywhere else f"on {machine}"
        try:
            if anywhere:
                by_name = {state.process: state for state in process_states()}
                states = [by_name[name] for name in names]
            else:
                states = [process_state_on(name, machine) for name in names]
        except Exception as exc:
            self.stdout.write(
                f"{', '.join(names)} {where}: cannot tell, the cache cannot be read ({type(exc).__name__}); "
                "restarting the process would not help, so the probe passes."
            )
            return
        stopped = [state for state in states if state.stopped]
        for state in states:
            line = f"{state.process} {where}: {_verdict(state)}"
            (self.stderr if state.stopped else self.stdout).write(line)
        if stopped:
            sys.exit(1)

    @staticmethod
    def _process_names(process: str, queue: str) -> list[str]:
        if process == "beat":
            if queue:
                raise CommandError("--queue is for a worker; beat consumes no queue.")
            return [BEAT]
        queues = [name.strip() for name in queue.split(",") if name.strip()]
        if not queues:
            raise CommandError("name the worker's queue(s): --queue sync, or --queue refresh,alerts")
        unknown = [name for name in queues if name not in settings.TASK_QUEUES]
        if unknown:
            raise CommandError(
                f"unknown queue {', '.join(unknown)}; the queues are {', '.join(settings.TASK_QUEUES)}"
            )
        return [worker_process(name) for name in queues]


def _verdict(state: ProcessState) -> str:
    threshold = settings.PROCESS_STOPPED_SECONDS
    if state.heard_at is None:
        heard = f"no heartbeat since the watch started {state.seconds_since} s ago"
    else:
        heard = f"last heartbeat {state.seconds_since} s ago"
    if state.stopped:
        return f"stopped, {heard} (more than PROCESS_STOPPED_SECONDS, {threshold} s)."
    return f"alive, {heard}." if state.heard_at else f"not heard from yet, {heard} (allowed: {threshold} s)."
