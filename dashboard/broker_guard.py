"""A restart of the Redis broker must not stop a Celery worker.

Celery 5.7 handles a lost broker connection (Consumer.on_connection_error_after_connected) by collecting the
connection, which detaches kombu's transport from it (``transport.client = None``), and then closing it. When
the first close of the default channel failed halfway (Redis was already gone), the second one goes on to
restore the worker's unacknowledged messages, the acks_late tasks in flight. To do that kombu's Redis
channel builds a new connection pool from ``transport.client.hostname``: AttributeError on None, which no
error handler expects, and the worker exits with "Unrecoverable error". A task that started before the loss
and acknowledges its message on the old channel afterwards takes the same path.

The guard makes a channel whose transport is detached raise redis's ConnectionError instead: that is what
kombu and Celery expect from a broker that is gone. The close ignores it and the reconnect goes on; a late
acknowledgement is logged ("Couldn't ack") and its message stays in Redis's unacknowledged set, from which
any worker delivers it again after the visibility timeout (every task is safe to run twice).

Seen with celery 5.7.0 and kombu 5.7.0, the newest releases; celery 5.6 did not close after collecting. The
guard changes nothing while the transport is attached, so it stays harmless once a release fixes this
(tests/test_broker_guard.py shows the crash it prevents).
"""

from __future__ import annotations

import functools

import redis
from kombu.transport import redis as kombu_redis

_GUARDED = "_dashboard_detached_transport_guard"


def guard_detached_redis_channels() -> None:
    """Guard kombu's Redis channel (the Sentinel channel inherits it); calling it again changes nothing."""
    channel = kombu_redis.Channel
    if getattr(channel._connparams, _GUARDED, False):
        return
    original = channel._connparams

    @functools.wraps(original)
    def _connparams(self, *args, **kwargs):
        if getattr(self.connection, "client", None) is None:
            raise redis.exceptions.ConnectionError(
                "the broker connection was closed after a connection loss; the worker reconnects"
            )
        return original(self, *args, **kwargs)

    setattr(_connparams, _GUARDED, True)
    channel._connparams = _connparams
