"""The workers' consumer (CELERY_WORKER_CONSUMER): Celery's, back on a lost broker within a second or two,
and without the steps that only slow a start or a reconnect here.

Reconnecting: Celery's consumer tries again with kombu's default back-off, 2, 4, 6 ... up to 30 s between
attempts. After a 20 s outage the next attempt could come 10 s after the broker was back, after a long one
30 s, and every sync and refresh waits for it. An attempt against a broker that is down costs one refused
connection, so this consumer tries at most RECONNECT_INTERVALS["interval_max"] seconds apart (and logs each
attempt, as Celery does). Beat needs nothing of the kind: it tries again with each task it sends.

Mingle and gossip: at every start and reconnect, mingle waits a second for the other workers' revoked-task
lists and gossip subscribes to their events. Nothing here revokes tasks or listens to worker events (the
liveness of workers is their own heartbeat, dashboard/heartbeats.py), and after a broker restart gossip's
reconnect logged errors of its own. Both are off, as `--without-mingle --without-gossip` would turn them.
"""

from __future__ import annotations

import functools

from celery.worker.consumer import Consumer as CeleryConsumer

# Keyword arguments of kombu's Connection.ensure_connection: seconds before the first retry, added to each
# next one, and the most between two.
RECONNECT_INTERVALS = {"interval_start": 1.0, "interval_step": 1.0, "interval_max": 2.0}
STEPS_OFF = {"without_mingle": True, "without_gossip": True}


class Consumer(CeleryConsumer):
    def __init__(self, *args, worker_options: dict | None = None, **kwargs) -> None:
        super().__init__(*args, worker_options={**(worker_options or {}), **STEPS_OFF}, **kwargs)

    def ensure_connected(self, conn):
        conn.ensure_connection = functools.partial(conn.ensure_connection, **RECONNECT_INTERVALS)
        return super().ensure_connected(conn)
