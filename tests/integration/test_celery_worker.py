"""A real worker subprocess consumes this project's tasks, on Redis and on the embedded filesystem broker."""

import os
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache
from kombu import Connection

from dashboard.envconfig import broker_transport_options
from encodings_app.tasks import PING_KEY_PREFIX, ping
from tests.support.celery_worker import CeleryWorker

REDIS_BROKER = os.environ.get("TEST_REDIS_BROKER_URL", "redis://127.0.0.1:6379/15")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broker_url", [REDIS_BROKER, "filesystem://"], ids=["redis", "filesystem"])
def test_worker_executes_a_task_sent_through_the_broker(broker_url):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    token = uuid.uuid4().hex
    with CeleryWorker(queue=queue, broker_url=broker_url) as worker:
        options = broker_transport_options(broker_url, settings.VAR_DIR)
        with Connection(broker_url, transport_options=options) as connection:
            ping.apply_async(args=[token], queue=queue, connection=connection)
        done = worker.wait_for(lambda: cache.get(f"{PING_KEY_PREFIX}{token}") == "pong", timeout=90)
        worker.stop()
        log = worker.output()
    assert done, log[-3000:]
    assert "diagnostics.ping" in log
