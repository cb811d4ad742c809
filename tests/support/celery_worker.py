"""Start a real Celery worker or beat subprocess for a test, on the same settings as the test process."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from django.db import connection

from tests.test_procfile import procfile

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def database_url_for_workers() -> str:
    """The DATABASE_URL of the database the tests run on (pytest-django renames it to test_...), so that
    a worker reads and writes the same rows as the test."""
    params = connection.settings_dict
    if connection.vendor == "postgresql":
        user = params.get("USER") or ""
        password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
        auth = f"{user}{password}@" if user else ""
        host = params.get("HOST") or "127.0.0.1"
        port = params.get("PORT") or 5432
        return f"postgres://{auth}{host}:{port}/{params['NAME']}"
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    raise RuntimeError(f"no worker support for {connection.vendor}")


def _process_env(broker_url: str | None, extra_env: dict | None) -> dict[str, str]:
    env = os.environ.copy()
    env["DATABASE_URL"] = database_url_for_workers()
    if broker_url:
        env["CELERY_BROKER_URL"] = broker_url
    env.update(extra_env or {})
    return env


class CeleryWorker:
    """A `celery worker` subprocess consuming one queue (or several, comma-separated); stop() ends it,
    kill() SIGKILLs it."""

    command = "worker"

    def __init__(self, *, queue: str, broker_url: str | None = None, extra_env: dict | None = None) -> None:
        self.queue = queue
        options = [
            "--pool",
            "solo",
            "--queues",
            queue,
            "--without-heartbeat",
            "--hostname",
            f"test-{queue.replace(',', '-')}@%h",
        ]
        self._start(options, _process_env(broker_url, extra_env))

    def _start(self, options: list[str], env: dict[str, str]) -> None:
        # A file, not a pipe: a chatty process would block once a pipe's buffer is full.
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 -- closed in close()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "dashboard", self.command, "--loglevel", "INFO", *options],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def wait_for(self, condition: Callable[[], bool], *, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            if self.process.poll() is not None:
                return False
            time.sleep(0.2)
        return False

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def close(self) -> None:
        self.stop()
        self.log.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def __enter__(self) -> CeleryWorker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class CeleryBeat(CeleryWorker):
    """A `celery beat` subprocess, with its schedule in memory as in production."""

    command = "beat"

    def __init__(self, *, broker_url: str | None = None, extra_env: dict | None = None) -> None:
        self.queue = ""
        self._start([], _process_env(broker_url, extra_env))


class ProcfileProcess(CeleryWorker):
    """A process of the Procfile (`sync`, `refresh`, `beat`), with the Procfile's own flags; `extra_options`
    are added to them."""

    def __init__(self, name: str, *, extra_options: list[str] = (), extra_env: dict | None = None) -> None:
        arguments = shlex.split(procfile()[name])
        if arguments[:3] != ["celery", "-A", "dashboard"]:
            raise ValueError(f"the Procfile's {name} is not a Celery process: {arguments}")
        self.queue = ""
        self.command = arguments[3]
        self._start([*arguments[4:], *extra_options], _process_env(None, extra_env))
