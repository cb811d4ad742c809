"""The overview of one organization: counts, running, queued, stuck, failures by code, sync health, chart."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from encodings_app.models import SyncRun
from tests.factories import failed_encoding, make_encoding, make_sync_run, running_encoding

pytestmark = pytest.mark.django_db


def synced(organization) -> None:
    organization.last_sync_succeeded_at = timezone.now()
    organization.save(update_fields=["last_sync_succeeded_at"])


def test_counts_by_status_link_to_the_filtered_list(world, login):
    synced(world.acme)
    running_encoding(world.acme)
    running_encoding(world.acme)
    make_encoding(world.acme, status="FINISHED")
    html = login(world.viewer).get("/o/acme/").content.decode()
    counts = dict(
        re.findall(
            r'href="/o/acme/encodings/\?status=([A-Z_]+)">\s*<span class="count-number">(\d+)</span>', html
        )
    )
    assert counts["RUNNING"] == "2" and counts["FINISHED"] == "1" and counts["QUEUED"] == "0"
    assert len(counts) == 7


def test_running_encodings_show_progress_and_eta(world, login):
    running_encoding(world.acme, name="Night news")
    html = login(world.viewer).get("/o/acme/").content.decode()
    running = html.split('id="running-title"')[1].split("</section>")[0]
    assert "Night news" in running
    assert '<progress max="100" value="37"' in running
    assert "about 4 min 12 s left" in running


def test_stuck_encodings_are_found_by_the_thresholds(world, login, settings):
    settings.STUCK_QUEUED_SECONDS = 600
    settings.STUCK_NO_PROGRESS_SECONDS = 300
    now = timezone.now()
    make_encoding(world.acme, name="Waiting long", status="QUEUED", queued_at=now - timedelta(minutes=11))
    make_encoding(world.acme, name="Just queued", status="QUEUED", queued_at=now - timedelta(minutes=2))
    running_encoding(world.acme, name="Frozen", progress_changed_at=now - timedelta(minutes=6))
    running_encoding(world.acme, name="Moving", progress_changed_at=now - timedelta(minutes=1))
    make_encoding(world.acme, name="Old finished", status="FINISHED", queued_at=now - timedelta(days=1))
    html = login(world.viewer).get("/o/acme/").content.decode()
    waiting = html.split('id="waiting-title"')[1].split("</section>")[0]
    stuck = waiting.split("Waiting longest")[0]
    assert "Waiting long" in stuck and "Frozen" in stuck
    assert "Just queued" not in stuck and "Moving" not in stuck and "Old finished" not in stuck
    assert "no progress for 6 min" in stuck
    assert "Just queued" in waiting.split("Waiting longest")[1]


def test_recent_failures_are_grouped_by_code_with_counts_and_first_and_last_seen(world, login):
    now = timezone.now()
    for code, ago in ((2016, timedelta(hours=5)), (2016, timedelta(hours=1)), (1000, timedelta(hours=2))):
        failed_encoding(world.acme, code=code, finished_at=now - ago, error_at=now - ago)
    outside = now - timedelta(days=9)
    failed_encoding(world.acme, code=2016, finished_at=outside, error_at=outside)
    html = login(world.viewer).get("/o/acme/").content.decode()
    table = html.split('id="failures-title"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    assert len(rows) == 2
    assert "Encoding step failed" in rows[0] and '<td class="num">2</td>' in rows[0]
    assert "Missing or invalid field" in rows[1] and '<td class="num">1</td>' in rows[1]
    assert len(re.findall(r"<time ", rows[0])) == 2
    assert "code=2016" in rows[0]


def test_sync_health_shows_the_last_api_error_with_its_request_id(world, login):
    world.acme.last_sync_succeeded_at = timezone.now() - timedelta(minutes=3)
    world.acme.last_error_at = timezone.now()
    world.acme.last_error_code = 1002
    world.acme.last_error_http_status = 401
    world.acme.last_error_message = "Unauthorized"
    world.acme.last_error_request_id = "req-7f3a"
    world.acme.consecutive_failures = 2
    world.acme.save()
    make_sync_run(
        world.acme,
        outcome=SyncRun.Outcome.FAILED,
        api_calls={"GET /x": 4},
        error_message="Bad key",
    )
    html = login(world.viewer).get("/o/acme/").content.decode()
    sync = html.split('id="sync-title"')[1].split("</section>")[0]
    assert "HTTP 401" in sync and "code 1002" in sync and "Unauthorized" in sync
    assert "req-7f3a" in sync and 'data-copy="req-7f3a"' in sync
    assert "4 API calls" in sync and "Bad key" in sync
    # "3 min 1 s ago" when the page took more than a second to render on a busy machine.
    assert re.search(r"3 min( \d+ s)? ago", sync), sync
    assert "Sync failing (2 in a row)" in html


def test_chart_draws_fourteen_days_of_finished_and_failed_as_svg_attributes(world, login):
    now = timezone.now()
    make_encoding(world.acme, status="FINISHED", finished_at=now - timedelta(hours=1))
    make_encoding(world.acme, status="FINISHED", finished_at=now - timedelta(hours=1))
    failed_encoding(world.acme, finished_at=now - timedelta(days=3))
    make_encoding(world.acme, status="FINISHED", finished_at=now - timedelta(days=20))
    html = login(world.viewer).get("/o/acme/").content.decode()
    svg = html.split('<svg class="chart-svg"')[1].split("</svg>")[0]
    assert len(re.findall(r'<rect class="bar-finished"', svg)) == 14
    assert len(re.findall(r'<rect class="bar-failed"', svg)) == 14
    assert "3 finished" not in svg and ": 2 finished" in svg and ": 1 failed" in svg
    assert "style=" not in svg
    table = html.split('<details class="chart-table">')[1].split("</details>")[0]
    assert len(re.findall(r"<tr><td>", table)) == 14


def test_overview_polls_and_answers_htmx_with_its_live_part(world, login):
    client = login(world.viewer)
    page = client.get("/o/acme/")
    assert 'hx-trigger="every 15s, poll-now"' in page.content.decode()
    fragment = client.get("/o/acme/", headers={"HX-Request": "true"})
    assert fragment.content.decode().lstrip().startswith('<div id="overview-live"')
    assert "HX-Request" in fragment["Vary"]


def test_empty_organization_has_calm_empty_states(world, login):
    synced(world.acme)
    html = login(world.viewer).get("/o/acme/").content.decode()
    assert "Nothing is running." in html
    assert "Nothing is waiting." in html
    assert "No failures in the last 7 days" in html


def test_an_organization_that_never_synced_says_so_instead_of_zeros(world, login):
    html = login(world.viewer).get("/o/acme/").content.decode()
    assert "Never synced: the first sync has not finished yet" in html
    assert "No failures in the last 7 days" not in html
    assert 'class="count-number"' not in html, "no zero counts"


def test_an_organization_whose_key_was_rejected_before_any_sync_says_so(world, login):
    world.acme.key_rejected = True
    world.acme.save(update_fields=["key_rejected"])
    html = login(world.viewer).get("/o/acme/").content.decode()
    assert "Never synced: Bitmovin rejected its API key" in html
    assert "No failures in the last 7 days" not in html


def test_a_rejected_key_after_a_sync_does_not_claim_there_were_no_failures(world, login):
    synced(world.acme)
    world.acme.key_rejected = True
    world.acme.save(update_fields=["key_rejected"])
    html = login(world.viewer).get("/o/acme/").content.decode()
    assert "No failures in the last 7 days" not in html
    assert "failures since the last sync are unknown" in html
    assert 'class="count-number"' in html, "what was read before is still shown"
