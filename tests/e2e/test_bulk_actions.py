"""A bulk stop in a real browser: tick rows on the list (the ticks survive the list's own poll), review what
happens per status, confirm, and watch the progress page update by itself until the job is finished.
Screenshots: var/screenshots/bulk-1-select.png, bulk-2-confirm.png, bulk-3-progress.png."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from django.db import connection
from playwright.sync_api import Page, expect

from encodings_app import tasks
from encodings_app.models import BulkJob, Role
from encodings_app.services import refresh_outbox, sync
from encodings_app.services.mirror import bump_data_version
from tests.e2e.conftest import SCREENSHOTS, log_in
from tests.factories import make_member, make_organization, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RUNNING = ("Night shift 1", "Night shift 2", "Night shift 3")
FINISHED = "Archive reel"


def save_screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


class Worker:
    """Stands in for the Celery worker: once the test lets it go, runs each queued run of the job in a
    thread, after the countdown the run before asked for."""

    def __init__(self) -> None:
        self.go = threading.Event()
        self.threads: list[threading.Thread] = []

    def enqueue(self, job_id: int, countdown: float | None = None) -> None:
        thread = threading.Thread(target=self._run, args=(job_id, countdown), daemon=True)
        self.threads.append(thread)
        thread.start()

    def _run(self, job_id: int, countdown: float | None) -> None:
        try:
            self.go.wait(timeout=60)
            time.sleep(countdown or 0)
            tasks.bulk_job_run.run(job_id)
        finally:
            connection.close()

    def join(self) -> None:
        self.go.set()
        for thread in list(self.threads):
            thread.join(timeout=60)


@pytest.fixture
def simulated(simulator, monkeypatch):
    """Acme on the simulator with three encodings running there and one finished, mirrored here."""
    tenant = simulator.accounts()["accounts"][0]["organizations"][0]["id"]
    acme = make_organization(
        "acme",
        name="Acme Media",
        api_key=simulator.api_key,
        api_base_url=simulator.base_url,
        tenant_org_id=tenant,
    )
    headers = {"X-Api-Key": simulator.api_key, "X-Tenant-Org-Id": tenant}
    for name in (*RUNNING, FINISHED):
        response = requests.post(
            f"{simulator.base_url}/encoding/encodings",
            json={"name": name, "type": "VOD", "cloudRegion": "AWS_EU_WEST_1"},
            headers=headers,
            timeout=30,
        )
        encoding_id = response.json()["data"]["result"]["id"]
        if name == FINISHED:
            simulator.force_state(encoding_id, "FINISHED")
        else:
            simulator.force_state(encoding_id, "RUNNING", progress=40, stuck=True)
    run = sync.organization_sync(organization_id=acme.pk)
    assert run is not None and run.outcome == "ok", run and run.error_message
    worker = Worker()
    monkeypatch.setattr(tasks, "bulk_job_enqueue", worker.enqueue)
    monkeypatch.setattr(
        tasks, "refresh_drain_nudge", lambda: refresh_outbox.refresh_drain(time_budget_seconds=10)
    )
    yield acme, worker
    worker.join()


def test_an_operator_stops_several_encodings_and_watches_each_outcome(live_server, page: Page, simulated):
    acme, worker = simulated
    base = live_server.url
    make_member(acme, Role.OPERATOR, user=make_user("otto"))
    log_in(page, base, "otto")
    page.goto(f"{base}/o/acme/encodings/")

    for name in (*RUNNING, FINISHED):
        page.get_by_label(f"Select {name}", exact=True).check()
    # The list polls on its own; its rows are replaced, and what was ticked stays ticked.
    bump_data_version(acme.pk)
    with page.expect_response(
        lambda response: "/o/acme/encodings/" in response.url and response.status == 200
    ):
        page.evaluate("window.htmx.trigger('#results', 'poll-now')")
    for name in (*RUNNING, FINISHED):
        expect(page.get_by_label(f"Select {name}", exact=True)).to_be_checked()
    page.get_by_label("Action").select_option("stop")
    save_screenshot(page, "bulk-1-select")
    page.get_by_role("button", name="Review…").click()

    expect(page.get_by_role("heading", name="Stop 3 encodings?")).to_be_visible()
    expect(page.locator(".bulk-summary")).to_have_text(
        "3 running will be stopped; 1 finished cannot be stopped and is left alone."
    )
    save_screenshot(page, "bulk-2-confirm")
    page.get_by_role("button", name="Yes, stop 3 encodings").click()

    job = BulkJob.objects.get()
    page.wait_for_url(f"{base}/o/acme/bulk/{job.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Stop 3 encodings (1 left alone)")
    expect(page.locator("#bulk-progress h2")).to_contain_text("In progress: 1 of 4 answered")
    expect(page.get_by_text("Left alone: it is finished")).to_be_visible()
    # The calls go out now; the page follows by itself.
    worker.go.set()
    expect(page.locator("#bulk-progress h2")).to_contain_text("Finished: 4 of 4 answered", timeout=30_000)
    expect(page.locator(".bulk-item-done")).to_have_count(3)
    for name in RUNNING:
        expect(page.locator(".bulk-item-done", has_text=name)).to_contain_text(
            f"Stop requested: Bitmovin is stopping “{name}”."
        )
    expect(page.get_by_role("link", name="Refresh now")).to_have_count(0)
    save_screenshot(page, "bulk-3-progress")
