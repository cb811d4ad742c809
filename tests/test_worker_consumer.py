"""The workers' consumer (dashboard/worker_consumer.py): short reconnect intervals, no mingle or gossip."""

import logging
import re
import socket

import pytest
from kombu import Connection
from kombu.exceptions import OperationalError
from kombu.utils import functional

from dashboard.celery import app as celery_app
from dashboard.worker_consumer import RECONNECT_INTERVALS, Consumer


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_worker_runs_the_consumer_that_reconnects_at_short_intervals():
    assert celery_app.conf.worker_consumer == "dashboard.worker_consumer:Consumer"


def test_a_broker_that_is_down_is_tried_again_at_most_two_seconds_apart(monkeypatch, caplog):
    slept = []
    monkeypatch.setattr(functional, "sleep", slept.append)  # kombu sleeps in steps of at most a second
    monkeypatch.setitem(celery_app.conf, "broker_connection_max_retries", 5)
    consumer = Consumer.__new__(Consumer)  # what ensure_connected reads, without a whole worker around it
    consumer.app = celery_app
    consumer.broker_connection_retry_attempt = 0
    broker = Connection(f"redis://127.0.0.1:{closed_port()}/0", connect_timeout=1)
    with caplog.at_level(logging.ERROR), pytest.raises(OperationalError):
        consumer.ensure_connected(broker)
    waits = [float(w) for w in re.findall(r"Trying again in (\d+\.\d+) seconds?", caplog.text)]
    assert waits == [1.0, 2.0, 2.0, 2.0, 2.0]
    assert max(waits) == RECONNECT_INTERVALS["interval_max"]
    assert sum(slept) == sum(waits), "the consumer waited what it said between attempts"


def test_a_worker_starts_without_mingle_and_gossip_and_with_every_other_step():
    worker = celery_app.WorkController(app=celery_app, pool_cls="solo", concurrency=1, hostname="steps@tests")
    try:
        started = {step.name.rsplit(".", 1)[-1] for step in worker.consumer.steps}
    finally:
        worker.stop(in_sighandler=False, exitcode=0)
    assert started == {"Connection", "Events", "Heart", "Tasks", "Control", "Evloop"}
