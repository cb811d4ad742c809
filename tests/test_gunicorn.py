"""The web process as production runs it: gunicorn with the project's configuration, on real sockets."""

import os
import socket
import time
import urllib.request

import pytest

from dashboard import gunicorn_config
from encodings_app.services import clients
from tests.support.web_server import start_gunicorn

pytestmark = pytest.mark.slow


def test_the_web_timeout_outlasts_the_longest_interactive_bitmovin_call():
    connect, read = clients.INTERACTIVE_TIMEOUT_S
    longest_call = clients.INTERACTIVE_RETRY_BUDGET_S + connect + read
    assert gunicorn_config.timeout > 2 * longest_call
    assert gunicorn_config.worker_class == "gthread" and gunicorn_config.threads > 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_starts_with_the_configuration_and_answers_the_probe(tmp_path):
    port = _free_port()
    env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"}
    server = start_gunicorn(env)
    try:
        deadline = time.monotonic() + 60
        body = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    body = response.read().decode()
                    break
            except OSError:
                time.sleep(0.2)
        assert body == "ok\n"
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "gthread" in output, output
