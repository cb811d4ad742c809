"""The Redis broker goes away under a worker with a task in flight: Celery's reconnect must not crash the
worker (dashboard/broker_guard.py). The whole worker through five restarts: tests/integration/
test_broker_restarts.py."""

import contextlib
import logging

import pytest
from kombu import Connection, Consumer, Exchange, Producer, Queue
from kombu.common import ignore_errors
from kombu.transport import redis as kombu_redis

from tests.support.redis_server import RedisServer

QUEUE = Queue("guard-test", Exchange("guard-test", type="direct"), routing_key="guard-test")
# Like a worker's remote-control mailbox: a fanout exchange, and a queue that goes with its consumer.
MAILBOX = Queue("guard-test.pidbox", Exchange("guard-test.pidbox", type="fanout"), auto_delete=True)


def consumer_with_a_task_in_flight(url: str):
    """A consuming connection as a worker's is while a task runs: one message delivered and not yet
    acknowledged (acks_late), the next BRPOP waiting for an answer, and a second channel listening to the
    remote-control mailbox."""
    connection = Connection(url, transport_options={"socket_connect_timeout": 1, "socket_timeout": 2})
    channel = connection.default_channel
    Producer(channel).publish({"n": 1}, exchange=QUEUE.exchange, routing_key="guard-test", declare=[QUEUE])
    received = []
    Consumer(channel, [QUEUE], callbacks=[lambda body, message: received.append(message)]).consume()
    connection.drain_events(timeout=5)
    Consumer(connection.channel(), [MAILBOX], callbacks=[lambda body, message: None]).consume()
    for _ in range(3):  # the mailbox's subscription answers first; then nothing comes
        try:
            connection.drain_events(timeout=0.2)
        except TimeoutError:
            break
    assert len(received) == 1
    assert connection.default_channel._in_poll, "a BRPOP is waiting for its answer"
    return connection, received[0]


def reconnect_as_celery_does(connection: Connection) -> None:
    """What Celery 5.7's Consumer.on_connection_error_after_connected does with the broken connection
    before it connects again."""
    with contextlib.suppress(Exception):  # as Celery does
        connection.collect(socket_timeout=5)
    ignore_errors(connection, connection.close)


def test_losing_the_broker_with_a_task_in_flight_ends_in_a_reconnect_and_a_logged_late_ack(caplog):
    with RedisServer() as redis_server:
        connection, message = consumer_with_a_task_in_flight(redis_server.url(1))
        connection_errors = connection.connection_errors
        redis_server.stop(hard=True)

        reconnect_as_celery_does(connection)
        # The task finishes after the reconnect and acknowledges on the old channel, as Celery's request does.
        with caplog.at_level(logging.CRITICAL):
            message.ack_log_error(logging.getLogger("test"), connection_errors)

    assert "Couldn't ack" in caplog.text


def test_without_the_guard_the_same_reconnect_crashes(monkeypatch):
    """If this fails, kombu or Celery no longer crash here: dashboard/broker_guard.py can go."""
    guarded = kombu_redis.Channel._connparams
    monkeypatch.setattr(kombu_redis.Channel, "_connparams", guarded.__wrapped__)
    with RedisServer() as redis_server:
        connection, _message = consumer_with_a_task_in_flight(redis_server.url(1))
        redis_server.stop(hard=True)

        with pytest.raises(AttributeError, match="hostname"):
            reconnect_as_celery_does(connection)
