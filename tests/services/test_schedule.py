"""Scheduled tasks are watched end to end: when none runs, /readyz and every page say so."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from encodings_app import tasks
from encodings_app.services.schedule import HEARTBEAT_KEY, schedule_state

pytestmark = pytest.mark.django_db


def test_the_heartbeat_task_records_the_schedule_as_running(settings):
    settings.SCHEDULE_LATE_SECONDS = 120
    cache.delete(HEARTBEAT_KEY)
    tasks.schedule_heartbeat.run()
    state = schedule_state()
    assert state.last_run_at is not None and not state.late


def test_a_heartbeat_older_than_the_late_threshold_is_late(settings):
    settings.SCHEDULE_LATE_SECONDS = 120
    tasks.schedule_heartbeat.run()
    later = timezone.now() + timedelta(minutes=7)
    state = schedule_state(later)
    assert state.late and state.minutes_since == 7


def test_a_schedule_that_never_ran_is_late_once_the_grace_has_passed(settings):
    settings.SCHEDULE_LATE_SECONDS = 120
    cache.clear()
    start = timezone.now()
    assert not schedule_state(start).late, "a new deployment gets the grace period"
    assert not schedule_state(start + timedelta(seconds=100)).late
    state = schedule_state(start + timedelta(seconds=300))
    assert state.late and state.last_run_at is None


def test_readyz_fails_while_scheduled_tasks_do_not_run_although_every_process_is_alive(client, settings):
    settings.SCHEDULE_LATE_SECONDS = 60
    cache.set(HEARTBEAT_KEY, (timezone.now() - timedelta(minutes=5)).timestamp())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert all(process["ok"] for process in response.json()["processes"].values())
    schedule = response.json()["schedule"]
    assert schedule["late"] is True and 295 <= schedule["seconds_since_last_run"] <= 310


def test_every_page_of_a_signed_in_user_says_scheduled_work_stopped(world, login, settings):
    settings.SCHEDULE_LATE_SECONDS = 60
    viewer = login(world.viewer)
    assert "Scheduled work has stopped" not in viewer.get("/", follow=True).content.decode()
    cache.set(HEARTBEAT_KEY, (timezone.now() - timedelta(minutes=9)).timestamp())
    for path in ("/", "/o/acme/", "/o/acme/encodings/", "/account/"):
        page = viewer.get(path, follow=True).content.decode()
        assert "Scheduled work has stopped" in page and "last ran 9 min ago" in page, path
