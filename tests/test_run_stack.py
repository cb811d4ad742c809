"""`make run`'s stack starts in an order that keeps its log clean: the web server listens before the simulator
delivers its first webhook, and the alert receiver before the first alert; the receiver prints what the demo
organizations' channels send it, never their secrets, and stops with the rest."""

from __future__ import annotations

import re
import signal
import socket
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
    manage(env, "migrate", "--noinput")
    port, simulator_port, receiver_port = free_port(), free_port(), free_port()
    command = [sys.executable, "manage.py", "run_stack", "--port", str(port)]
    command += ["--simulator-port", str(simulator_port), "--alert-receiver-port", str(receiver_port)]
    with tempfile.TemporaryFile(mode="w+") as log:
        stack = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 180
            output = ""
            # Running (its addresses are printed last), and the simulator's first webhooks delivered.
            while "POST /webhooks/bitmovin/" not in output or "Alert receiver: " not in output:
                assert stack.poll() is None and time.monotonic() < deadline, output
                time.sleep(0.5)
                log.seek(0)
                output = log.read()
            assert f"Dashboard: http://127.0.0.1:{port}/" in output
            assert f"Alert receiver: http://127.0.0.1:{receiver_port}/" in output
            # The demo's world has encodings that failed minutes ago: their incident reaches the receiver.
            while not re.search(r"^kind +(opened|digest)$", output, re.M):
                assert stack.poll() is None and time.monotonic() < deadline, output
                time.sleep(0.5)
                log.seek(0)
                output = log.read()
        finally:
            stack.send_signal(signal.SIGINT)
            stack.wait(timeout=60)
        log.seek(0)
        output = log.read()
    assert "Connection refused" not in output
    # The simulator's line for a webhook it could not deliver ("webhook <id> to <url> failed: ...").
    assert not re.search(r"^.*webhook \S+ to \S+ failed: .*$", output, re.M), output
    # Every organization's channel answered its start-up test, its signature checked with its own secret.
    secrets = demo_receiver_secrets(env)
    tests = [block for block in output.split("--- alert received ")[1:] if "Test message for " in block]
    assert len(secrets) >= 2 and len(tests) == len(secrets), output
    assert all("signature  ok" in block for block in tests), output
    assert "did not take the test message" not in output and "--- refused " not in output
    told = [
        block
        for block in output.split("--- alert received ")[1:]
        if re.search(r"^kind +(opened|digest)$", block, re.M)
    ]
    assert "signature  ok" in told[0] and "(error " in told[0], told[0]
    assert f"link       http://127.0.0.1:{port}/o/" in told[0], "the message links to its incident"
    assert not any(secret in output for secret in secrets)
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", receiver_port)) != 0, "the receiver stopped with the stack"


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def demo_receiver_secrets(env: dict[str, str]) -> list[str]:
    """The signing secrets of the demo's receiver channels, read from the demo's own database."""
    return manage(env, "shell", "--no-imports", "-c", SECRETS_SCRIPT).split()


SECRETS_SCRIPT = (
    "from devtools.management.commands.seed_demo import receiver_secrets; print(*receiver_secrets())"
)
