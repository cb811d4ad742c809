"""A redis-server of the test's own, on a free port of 127.0.0.1, that the test may kill and start again on
the same port (as a restart of the server, or of the machine it runs on, looks to its clients).

    with RedisServer() as redis_server:
        url = redis_server.url(1)
        redis_server.restart(hard=True, down_for=1.0)

Nothing is saved to disk: like a cache-only Redis that restarts, every restart starts empty.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import time

import redis

from tests.support.web_server import free_port


class RedisServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        self.restarts = 0
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in close()

    def url(self, database: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{database}"

    def start(self, timeout: float = 20.0) -> RedisServer:
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError("redis-server is not installed (Debian: apt-get install redis-server)")
        self.process = subprocess.Popen(
            [executable, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited:\n{self.output()}")
            try:
                if client.ping():
                    return self
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer in {timeout} s:\n{self.output()}")

    def stop(self, *, hard: bool = False) -> None:
        """SIGKILL (`hard`: a crash, connections dropped without a word) or SIGTERM (a clean shutdown)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGKILL if hard else signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def restart(self, *, hard: bool = False, down_for: float = 1.0) -> None:
        self.stop(hard=hard)
        time.sleep(down_for)
        self.start()
        self.restarts += 1

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def close(self) -> None:
        self.stop()
        self.log.close()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
