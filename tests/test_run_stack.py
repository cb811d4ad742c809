"""`make run`'s stack starts in an order that keeps its log clean: the web server listens before the simulator
delivers its first webhook."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.support.web_server import free_port
from tests.test_demo_mode import demo_environment

PROJECT_ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def test_the_demo_starts_without_failed_webhook_deliveries(tmp_path):
    env = {**demo_environment(tmp_path / "var"), "PYTHONUNBUFFERED": "1"}
    for server_variable in ("DATABASE_URL", "REDIS_URL", "CACHE_URL", "CELERY_BROKER_URL"):
        env.pop(server_variable, None)  # the demo's embedded parts under its own var/
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert migrate.returncode == 0, migrate.stderr
    port, simulator_port = free_port(), free_port()
    command = [sys.executable, "manage.py", "run_stack", "--port", str(port)]
    command += ["--simulator-port", str(simulator_port)]
    with tempfile.TemporaryFile(mode="w+") as log:
        stack = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 180
            output = ""
            # Running, and the simulator's first webhooks delivered to the dashboard.
            while "POST /webhooks/bitmovin/" not in output:
                assert stack.poll() is None and time.monotonic() < deadline, output
                time.sleep(0.5)
                log.seek(0)
                output = log.read()
            assert f"Dashboard: http://127.0.0.1:{port}/" in output
        finally:
            stack.send_signal(signal.SIGINT)
            stack.wait(timeout=60)
        log.seek(0)
        output = log.read()
    assert "Connection refused" not in output
    assert "webhook" not in output.lower() or " failed: " not in output, output
