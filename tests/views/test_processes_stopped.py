"""A stopped beat or worker is reported where people look: /readyz, /metrics, the banner of every page, the
health chips (switcher, start page, cross-organization overview, API) and the wall; "Sync stopped" is not
"Sync behind"; everything recovers by itself when the process is back."""

import socket
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from encodings_app.models import Organization
from encodings_app.services.display_links import display_link_create
from encodings_app.services.liveness import (
    BEAT,
    heartbeat_record,
    process_states,
    watched_processes,
    worker_process,
)
from encodings_app.views import health
from tests.api.helpers import ApiCaller, result_of, token_for
from tests.metrics.conftest import TOKEN, scrape, value

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
THRESHOLD = 12


@pytest.fixture(autouse=True)
def threshold(settings):
    settings.PROCESS_HEARTBEAT_SECONDS = 5
    settings.PROCESS_STOPPED_SECONDS = THRESHOLD


def stop(*processes: str, seconds: int = 130) -> None:
    """The last heartbeat of these processes was `seconds` ago; every other process was just heard."""
    now = timezone.now()
    heartbeat_record(processes=watched_processes(), machine="tests", now=now)
    heartbeat_record(processes=processes, machine="tests", now=now - timedelta(seconds=seconds))


def restart() -> None:
    heartbeat_record(processes=watched_processes(), machine="tests")


@pytest.fixture
def behind(world):
    """Acme's last successful sync is an hour old: "Sync behind" while the processes run."""
    Organization.objects.filter(pk=world.acme.pk).update(
        last_sync_succeeded_at=timezone.now() - timedelta(hours=1)
    )
    world.acme.refresh_from_db()
    return world


# --- /readyz ------------------------------------------------------------------------------------------------


def test_readyz_names_every_process_it_watches_while_all_run(client):
    body = client.get("/readyz").json()
    assert body["status"] == "ok"
    assert set(body["processes"]) == {"beat", "worker:sync", "worker:refresh", "worker:alerts"}
    assert all(entry["ok"] and entry["seconds_since"] <= 1 for entry in body["processes"].values())


def test_readyz_answers_503_naming_a_stopped_beat_and_worker_without_host_names(client):
    stop(BEAT, worker_process("sync"), seconds=42)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    for process in ("beat", "worker:sync"):
        assert body["processes"][process]["ok"] is False
        assert 42 <= body["processes"][process]["seconds_since"] < 60
    assert body["processes"]["worker:refresh"]["ok"] is True
    assert all(check["ok"] for check in body["checks"].values()), "the dependencies themselves are fine"
    assert b"tests" not in response.content and socket.gethostname().encode() not in response.content

    restart()
    assert client.get("/readyz").status_code == 200, "back by itself once the processes are heard again"


def test_readyz_says_a_process_was_never_heard_once_the_grace_has_passed(client):
    cache.clear()
    fresh = client.get("/readyz")
    assert fresh.status_code == 200, "a new deployment gets the threshold"
    assert fresh.json()["processes"]["beat"] == {"ok": True, "seconds_since": None}

    cache.clear()
    process_states(timezone.now() - timedelta(seconds=THRESHOLD + 10))  # the watch started then
    body = client.get("/readyz").json()
    assert body["processes"]["beat"] == {"ok": False, "seconds_since": None}


def test_readyz_does_not_ask_a_failed_cache_for_the_heartbeats(client, monkeypatch):
    def broken_cache():
        raise ConnectionError("cache unreachable")

    monkeypatch.setitem(health.CHECKS, "cache", broken_cache)
    body = client.get("/readyz").json()
    assert body["status"] == "error"
    assert body["processes"]["beat"] == {"ok": None, "seconds_since": None}


# --- /metrics -----------------------------------------------------------------------------------------------


def test_metrics_show_each_process_up_and_its_heartbeat_age(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    stop(worker_process("refresh"), seconds=100)
    samples = scrape()
    assert value(samples, "dashboard_process_up", process="beat") == 1
    assert value(samples, "dashboard_process_up", process="worker:refresh") == 0
    assert value(
        samples, "dashboard_process_heartbeat_age_seconds", process="worker:refresh"
    ) == pytest.approx(100, abs=3)
    assert value(samples, "dashboard_process_heartbeat_age_seconds", process="worker:sync") < 3


# --- the pages ----------------------------------------------------------------------------------------------


def test_sync_stopped_replaces_sync_behind_on_the_overview_and_in_the_switcher(behind, login):
    viewer = login(behind.viewer)
    page = viewer.get("/o/acme/").content.decode()
    assert "Sync behind" in page and "Sync stopped" not in page

    stop(worker_process("sync"))
    page = viewer.get("/o/acme/").content.decode()
    assert "Sync stopped" in page and "Sync behind" not in page
    assert "No Celery worker for the sync queue has been heard from for 2 min" in page
    assert "nothing is being read from Bitmovin" in page
    assert "An administrator must check the Celery beat and worker processes" in page

    restart()
    page = viewer.get("/o/acme/").content.decode()
    assert "Sync stopped" not in page and "Sync behind" in page


def test_the_banner_names_each_stopped_process_and_tells_an_account_admin_what_to_run(world):
    root = get_user_model().objects.create_superuser("root", password="correct-horse-battery")
    admin = Client()
    admin.force_login(root)
    stop(BEAT, worker_process("refresh"), worker_process("alerts"), seconds=75)
    page = admin.get("/", follow=True).content.decode()
    assert "Celery beat has not been heard from for 1 min 1" in page and "no sync is scheduled" in page
    assert "No Celery worker for the refresh queue has been heard from for 1 min 1" in page
    assert "No Celery worker for the alerts queue has been heard from for 1 min 1" in page
    assert "no alert is sent" in page
    assert "dashboard liveness" in page


def test_a_stopped_alerts_worker_alone_is_reported_but_is_not_sync_stopped(world, login):
    stop(worker_process("alerts"))
    page = login(world.viewer).get("/o/acme/").content.decode()
    assert "Background work has stopped" in page and "no alert is sent" in page
    assert "Sync stopped" not in page


def test_the_cross_organization_overview_shows_sync_stopped_for_each_organization(world, login):
    from encodings_app.models import Membership, Role

    Membership.objects.create(user=world.viewer, organization=world.globex, role=Role.VIEWER)
    stop(BEAT)
    page = login(world.viewer).get("/").content.decode()
    assert page.count("Sync stopped</span>") >= 4, "a chip on each card and in each switcher entry"


def test_the_api_carries_sync_stopped_in_each_organizations_health(world):
    stop(worker_process("sync"))
    result = result_of(ApiCaller(token_for(world.viewer)).get("/organizations/acme"))
    assert {"level": "bad", "text": "Sync stopped"} in result["health"]["problems"]
    assert result["health"]["level"] == "bad"
    restart()
    result = result_of(ApiCaller(token_for(world.viewer)).get("/organizations"))
    assert {"level": "bad", "text": "Sync stopped"} not in result["items"][0]["health"]["problems"]


# --- the wall -----------------------------------------------------------------------------------------------


def test_the_wall_says_sync_stopped_and_its_etag_changes_with_it(client, behind, held_clock):
    _, token = display_link_create(label="Ops room", organizations=[behind.acme])
    wall = client.get(f"/wall/{token}/")["Location"]
    first = client.get(wall, **HTMX)
    assert first["X-Wall-Sync-Stopped"] == "0"
    assert "sync behind" in first.content.decode()
    assert client.get(wall, HTTP_IF_NONE_MATCH=first["ETag"], **HTMX).status_code == 304

    stop(BEAT)
    stopped = client.get(wall, HTTP_IF_NONE_MATCH=first["ETag"], **HTMX)
    assert stopped.status_code == 200, "the board on screen is stale: the poll must render it again"
    html = stopped.content.decode()
    assert stopped["X-Wall-Sync-Stopped"] == "1" and 'data-sync-stopped="1"' in html
    assert "sync stopped" in html and "sync behind" not in html
    assert client.get(wall, HTTP_IF_NONE_MATCH=stopped["ETag"], **HTMX).status_code == 304

    restart()
    back = client.get(wall, HTTP_IF_NONE_MATCH=stopped["ETag"], **HTMX)
    assert back.status_code == 200 and back["X-Wall-Sync-Stopped"] == "0"
    assert "sync behind" in back.content.decode()


# --- the probe command --------------------------------------------------------------------------------------


def test_the_probe_passes_while_this_machines_worker_is_heard_and_fails_once_it_is_not(capsys):
    machine = socket.gethostname()
    heartbeat_record(processes=[worker_process("refresh"), worker_process("alerts")], machine=machine)
    call_command("liveness", "worker", "--queue", "refresh,alerts")
    assert "worker:refresh on" in capsys.readouterr().out

    heartbeat_record(
        processes=[BEAT], machine=machine, now=timezone.now() - timedelta(seconds=THRESHOLD + 30)
    )
    with pytest.raises(SystemExit) as exited:
        call_command("liveness", "beat")
    assert exited.value.code == 1
    assert capsys.readouterr().err.strip().startswith(f"beat on {machine}: stopped, last heartbeat")

    # Any machine's beat keeps the kind alive; this machine's is still stopped.
    heartbeat_record(processes=[BEAT], machine="elsewhere")
    call_command("liveness", "beat", "--anywhere")
    assert "beat on any machine: alive" in capsys.readouterr().out


def test_the_probe_passes_when_the_cache_cannot_be_read(monkeypatch, capsys):
    from encodings_app.services import liveness

    def unreachable(key, *args):
        raise ConnectionError("cache down")

    monkeypatch.setattr(liveness.cache, "get", unreachable)
    call_command("liveness", "worker", "--queue", "sync")
    assert "cannot tell, the cache cannot be read (ConnectionError)" in capsys.readouterr().out
