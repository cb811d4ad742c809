"""Run the dashboard's web server as a subprocess on the test database, so a test can stop and restart it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.support.celery_worker import database_url_for_workers

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(env: dict[str, str]) -> subprocess.Popen:
    """The web process as production runs it (gunicorn with dashboard/gunicorn_config.py); its output is
    read with communicate() once it is stopped."""
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:dashboard.gunicorn_config", "dashboard.wsgi"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


class DashboardServer:
    def __init__(self, port: int | None = None, *, env: dict[str, str] | None = None) -> None:
        """env, when given, replaces the inherited environment (DATABASE_URL is still the test database's)."""
        self.port = port or free_port()
        self.env = env
        self.process: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # What runs and with which environment; tests/test_packaging.py serves an installed wheel instead.
    def command(self) -> list[str]:
        return [
            sys.executable,
            "manage.py",
            "runserver",
            f"127.0.0.1:{self.port}",
            "--noreload",
            "--skip-checks",
        ]

    def environment(self) -> dict[str, str]:
        return {**(os.environ if self.env is None else self.env), "DATABASE_URL": database_url_for_workers()}

    def start(self, timeout: float = 60.0, *, cwd: Path = PROJECT_ROOT) -> DashboardServer:
        self.process = subprocess.Popen(
            self.command(), cwd=cwd, env=self.environment(), stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the web server exited:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):  # noqa: S310 - loopback
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the web server did not answer in {timeout} s:\n{self.output()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def close(self) -> None:
        self.stop()
        self.log.close()
