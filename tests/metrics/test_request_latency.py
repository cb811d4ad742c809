"""The request latency histogram: labelled by route, and whole under gunicorn's several worker processes."""

import os
import re
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dashboard import gunicorn_config
from tests.metrics.conftest import TOKEN, parse, scrape, series, value
from tests.support.celery_worker import database_url_for_workers
from tests.support.web_server import free_port, start_gunicorn

COUNT = "dashboard_http_request_duration_seconds_count"


@pytest.mark.django_db
def test_requests_are_timed_by_route_name_method_and_status_class(client, metrics_on):
    before = scrape(client)
    client.get("/healthz")
    client.get("/healthz")
    client.get("/login/")
    client.get("/no/such/page/")
    client.post("/healthz")

    after = scrape(client)

    def added(**labels: str) -> float:
        return value(after, COUNT, **labels) - before.get((COUNT, tuple(sorted(labels.items()))), 0)

    assert added(route="healthz", method="GET", status="2xx") == 2
    assert added(route="healthz", method="POST", status="4xx") == 1
    assert added(route="login", method="GET", status="2xx") == 1
    assert added(route="unmatched", method="GET", status="4xx") == 1
    buckets = [
        labels
        for labels in series(after, "dashboard_http_request_duration_seconds_bucket")
        if ("route", "login") in labels
    ]
    assert {dict(labels)["le"] for labels in buckets} >= {"0.1", "1.0", "30.0", "+Inf"}


def _get(url: str, token: str | None = None) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        return response.read()


def _worker_files(folder: Path) -> set[str]:
    return {path.name for path in folder.glob("histogram_*.db")}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_under_gunicorn_the_histogram_adds_up_every_workers_requests(tmp_path):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    # Left by a server that stopped: it must not count, nor break the scrape.
    (folder / "histogram_999999.db").write_bytes(b"not a metrics file")
    port = free_port()
    env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "METRICS_TOKEN": TOKEN,
        "DATABASE_URL": database_url_for_workers(),
        "GUNICORN_ACCESS_LOG": "-",
    }
    server = start_gunicorn(env)
    base = f"http://127.0.0.1:{port}"
    try:
        answered = 0
        deadline = time.monotonic() + 60
        while not answered and time.monotonic() < deadline and server.poll() is None:
            try:
                _get(f"{base}/healthz")
                answered = 1
            except OSError:
                time.sleep(0.2)
        assert answered, "gunicorn did not answer"
        # Until both workers have answered some (the kernel decides which one accepts a connection). On a
        # busy machine the second worker may still be starting when the first answers: rounds go on until it
        # has answered too, or a minute has passed.
        deadline = time.monotonic() + 60
        with ThreadPoolExecutor(max_workers=8) as pool:
            while len(_worker_files(folder)) < 2 and time.monotonic() < deadline:
                answered += len(list(pool.map(lambda _: _get(f"{base}/healthz"), range(16))))
        assert len(_worker_files(folder)) == 2, _worker_files(folder)

        samples = parse(_get(f"{base}/metrics", TOKEN).decode())
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]

    assert value(samples, COUNT, route="healthz", method="GET", status="2xx") == answered, output[-2000:]
    assert "histogram_999999.db" not in {path.name for path in folder.iterdir()}
    # gunicorn's own access log names each request's id too.
    access = [line for line in output.splitlines() if '"GET /healthz" 200' in line]
    assert len(access) == answered
    assert all(re.search(r" request_id=[0-9a-f-]{36}$", line) for line in access), access[:3]


def test_without_a_folder_of_the_operators_gunicorn_makes_one_and_removes_it(monkeypatch):
    # Unset for the start, and restored to unset afterwards (this process keeps its own histogram).
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    gunicorn_config.on_starting(server=None)
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    try:
        assert folder.is_dir() and not any(folder.iterdir())
    finally:
        gunicorn_config.on_exit(server=None)
    assert not folder.exists()
