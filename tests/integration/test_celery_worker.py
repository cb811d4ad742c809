"""A real worker subprocess consumes this project's tasks, on Redis and on the embedded filesystem broker."""

import os
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache
from kombu import Connection

from dashboard.envconfig import broker_transport_options
from encodings_app.services.sweep import QUEUED_KEY_PREFIX
from encodings_app.tasks import sync_organization
from tests.support.celery_worker import CeleryWorker

REDIS_BROKER = os.environ.get("TEST_REDIS_BROKER_URL", "redis://127.0.0.1:6379/15")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broker_url", [REDIS_BROKER, "filesystem://"], ids=["redis", "filesystem"])
def test_worker_executes_a_task_sent_through_the_broker(broker_url):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    # No organization has this id: the sync task clears the organization's "sync queued" mark in the shared
    # cache, finds nothing to sync and ends, so the mark's disappearance proves the worker ran it.
    organization_id = 2_000_000_000 + uuid.uuid4().int % 100_000_000
    queued_mark = f"{QUEUED_KEY_PREFIX}{organization_id}"
    cache.set(queued_mark, 1, timeout=300)
    with CeleryWorker(queue=queue, broker_url=broker_url) as worker:
        options = broker_transport_options(
            broker_url,
            settings.VAR_DIR,
            visibility_timeout=settings.CELERY_BROKER_VISIBILITY_TIMEOUT,
            create=True,
        )
        with Connection(broker_url, transport_options=options) as connection:
            sync_organization.apply_async(args=[organization_id], queue=queue, connection=connection)
        done = worker.wait_for(lambda: cache.get(queued_mark) is None, timeout=90)
        worker.stop()
        log = worker.output()
    assert done, log[-3000:]
    assert "sync.organization" in log and "succeeded" in log
