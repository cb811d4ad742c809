"""Live encodings (always at 0 %) on every page that shows encodings: a LIVE tag and time live instead of a
progress bar and an ETA, and "stuck" only once no status read has confirmed them running for the threshold;
a stalled VOD encoding's frozen ETA goes away."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from encodings_app.models import Organization, Role
from tests.factories import live_encoding, make_member, make_user, running_encoding

pytestmark = pytest.mark.django_db


def stuck_count(html: str) -> int:
    return int(re.search(r'\?stuck=1">\s*<span class="count-number">(\d+)', html).group(1))


def home_stuck_count(world, login) -> str:
    user = make_user("multi")
    make_member(world.acme, Role.VIEWER, user=user)
    make_member(world.globex, Role.VIEWER, user=user)
    page = login(user).get("/").content.decode()
    card = page.split("Acme Media</a></h2>")[1].split("</li>\n    \n")[0]
    return re.search(r'\?stuck=1">(\d+)</a>', card).group(1)


@pytest.fixture
def thresholds(settings, world):
    settings.STUCK_NO_PROGRESS_SECONDS = 600
    settings.STUCK_LIVE_NO_UPDATE_SECONDS = 900
    # Counts are shown only for organizations that have synced (one that never did says so instead).
    Organization.objects.filter(pk__in=[world.acme.pk, world.globex.pk]).update(
        last_sync_succeeded_at=timezone.now()
    )


def test_a_live_encoding_live_for_an_hour_with_recent_status_reads_is_stuck_nowhere(world, login, thresholds):
    live_encoding(world.acme, last_read=timedelta(seconds=20))
    viewer = login(world.viewer)

    overview = viewer.get("/o/acme/").content.decode()
    assert stuck_count(overview) == 0
    running = overview.split('id="running-title"')[1].split("</section>")[0]
    assert "Main stage live" in running
    assert "LIVE" in running and "live for 1 h 12 min" in running
    assert "<progress" not in running and "left" not in running

    stuck_list = viewer.get("/o/acme/encodings/?stuck=1").content.decode()
    assert "Main stage live" not in stuck_list
    rows = viewer.get("/o/acme/encodings/").content.decode()
    row = rows.split("Main stage live")[1].split("</tr>")[0]
    assert "chip-live" in row and "live for 1 h 12 min" in row and "<progress" not in row

    wall = viewer.get("/o/acme/wall/").content.decode()
    assert "Main stage live" in wall and "live for 1 h 12 min" in wall
    assert "wall-item-stuck" not in wall

    assert home_stuck_count(world, login) == "0"


def test_a_live_encoding_is_stuck_everywhere_once_status_reads_stop(world, login, thresholds):
    live_encoding(world.acme, last_read=timedelta(minutes=16))
    viewer = login(world.viewer)

    overview = viewer.get("/o/acme/").content.decode()
    assert stuck_count(overview) == 1
    waiting = overview.split('id="waiting-title"')[1].split("</section>")[0]
    assert "Main stage live" in waiting and "live, no status update for 16 min" in waiting

    assert "Main stage live" in viewer.get("/o/acme/encodings/?stuck=1").content.decode()
    wall = viewer.get("/o/acme/wall/").content.decode()
    assert "wall-item-stuck" in wall and "live, no status update" in wall
    assert home_stuck_count(world, login) == "1"


def test_the_detail_page_of_a_live_encoding_shows_time_live_instead_of_progress(world, login, thresholds):
    encoding = live_encoding(world.acme, last_read=timedelta(seconds=20))
    html = login(world.viewer).get(f"/o/acme/encodings/{encoding.bitmovin_id}/").content.decode()
    header = html.split('id="status-title"')[1].split("</section>")[0]
    assert "chip-live" in header and "live for 1 h 12 min" in header
    assert "<progress" not in header and "left" not in header


def test_a_stalled_vod_encoding_has_no_eta_on_its_pages(world, login, settings):
    settings.STUCK_NO_PROGRESS_SECONDS = 600
    settings.SYNC_INTERVAL_SECONDS = 15
    now = timezone.now()
    encoding = running_encoding(
        world.acme,
        name="Frozen ladder",
        progress=32,
        eta_seconds=2.0,
        progress_changed_at=now - timedelta(minutes=6),
        status_synced_at=now - timedelta(seconds=10),
    )
    viewer = login(world.viewer)
    html = viewer.get(f"/o/acme/encodings/{encoding.bitmovin_id}/").content.decode()
    header = html.split('id="status-title"')[1].split("</section>")[0]
    assert "32%" in header
    assert "left" not in header
    assert "no ETA: progress has not moved for 6 min" in header
    row = viewer.get("/o/acme/encodings/").content.decode().split("Frozen ladder")[1].split("</tr>")[0]
    assert "32%" in row and "left" not in row


def test_a_moving_vod_encoding_keeps_its_eta(world, login, settings):
    settings.STUCK_NO_PROGRESS_SECONDS = 600
    settings.SYNC_INTERVAL_SECONDS = 15
    encoding = running_encoding(world.acme, name="Moving ladder")
    html = login(world.viewer).get(f"/o/acme/encodings/{encoding.bitmovin_id}/").content.decode()
    header = html.split('id="status-title"')[1].split("</section>")[0]
    assert "about 4 min 12 s left" in header and "no ETA" not in header
