"""Every log line carries the id of the request or the task it was written for, in both log formats."""

import io
import json
import logging
import uuid
from contextlib import contextmanager

import pytest
from django.core.cache import cache

from dashboard.logging import JsonFormatter
from encodings_app.services import lease, sweep
from encodings_app.tasks import sync_organization
from tests.factories import make_organization
from tests.support.celery_worker import CeleryWorker

pytestmark = pytest.mark.django_db


@contextmanager
def console_output(formatter: logging.Formatter | None = None):
    """What the configured console handler (settings.LOGGING: its filters, its format) writes meanwhile."""
    (console,) = [handler for handler in logging.getLogger().handlers if handler.get_name() == "console"]
    buffer = io.StringIO()
    stream, format_before = console.setStream(buffer), console.formatter
    if formatter is not None:
        console.setFormatter(formatter)
    try:
        yield buffer
    finally:
        console.setStream(stream)
        console.setFormatter(format_before)


def test_text_lines_of_a_request_carry_its_request_id(client):
    with console_output() as output:
        response = client.get("/api/v1/encodings/")
    request_id = response["X-Request-Id"]

    lines = output.getvalue().splitlines()
    # The API's own line, written inside the request, and Django's "Unauthorized", written after it.
    assert len(lines) == 2, lines
    assert all(f" [request_id={request_id}] " in line for line in lines), lines
    assert "encodings_app.api.requests" in lines[0] and "django.request" in lines[1]


def test_json_lines_of_a_request_carry_its_request_id(client):
    with console_output(JsonFormatter()) as output:
        response = client.get("/no-such-page/")

    entries = [json.loads(line) for line in output.getvalue().splitlines()]
    assert entries, "Django logs the 404"
    for entry in entries:
        assert entry["request_id"] == response["X-Request-Id"]
        assert entry["task_id"] is None
        assert "log_ids" not in entry


def test_a_line_outside_any_request_or_task_says_so():
    with console_output() as output:
        logging.getLogger("encodings_app").warning("on its own")
    assert output.getvalue().split("] ", 1)[0].endswith(" [-")


def test_lines_of_a_task_carry_its_task_id_and_only_while_it_runs(monkeypatch):
    organization = make_organization("acme")
    token = lease.acquire(organization.pk)  # another run holds it: the task says so in the log and stops
    try:
        for formatter in (None, JsonFormatter()):
            with console_output(formatter) as output:
                sync_organization.apply(args=[organization.pk], task_id="task-0123")
                logging.getLogger("encodings_app").warning("after the task")
            lines = output.getvalue().splitlines()
            skipped = [line for line in lines if "skipped: another run holds it" in line]
            after = [line for line in lines if "after the task" in line]
            assert len(skipped) == 1 and len(after) == 1, lines
            if formatter is None:
                assert " [task_id=task-0123] " in skipped[0]
                assert " [-] " in after[0]
            else:
                assert json.loads(skipped[0])["task_id"] == "task-0123"
                assert json.loads(after[0])["task_id"] is None
    finally:
        lease.release(organization.pk, token)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_writes_the_task_id_on_the_tasks_lines():
    queue = f"test-{uuid.uuid4().hex[:8]}"
    organization = make_organization("acme")
    token = lease.acquire(organization.pk)
    queued_mark = sweep.queued_key(organization.pk)  # cleared by the task when it ends
    cache.set(queued_mark, 1, timeout=300)
    try:
        with CeleryWorker(queue=queue) as worker:
            sent = sync_organization.apply_async(args=[organization.pk], queue=queue)
            done = worker.wait_for(lambda: cache.get(queued_mark) is None, timeout=90)
            worker.stop()
            log = worker.output()
    finally:
        lease.release(organization.pk, token)
    assert done, log[-3000:]
    (line,) = [line for line in log.splitlines() if "skipped: another run holds it" in line]
    assert f"[task_id={sent.id}]" in line
