"""A dependency that accepts connections but never answers turns into a fast, clear error, not a hung page."""

import contextlib
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from devtools.tcp_proxy import CuttableProxy
from tests.support.web_server import start_gunicorn
from tests.test_settings import PRODUCTION_ENV, process_env

pytestmark = pytest.mark.slow


class SilentServer:
    """Accepts every TCP connection and never sends a byte: a database or Redis that hangs."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(connection)

    def __enter__(self) -> "SilentServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.sock.close()
        for connection in self.held:
            connection.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _timed_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, float]:
    started = time.monotonic()
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            status, body = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode()
    return status, body, time.monotonic() - started


def _web_env(web_port: int, tmp_path, **variables: str) -> dict[str, str]:
    env = process_env(
        {
            **PRODUCTION_ENV,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "STATIC_FROM_SOURCE": "1",
            "GUNICORN_BIND": f"127.0.0.1:{web_port}",
            "WEB_CONCURRENCY": "1",
            **variables,
        },
        tmp_path,
        embedded=True,
    )
    return {**env, "PATH": os.environ["PATH"]}


@contextlib.contextmanager
def _gunicorn(env: dict[str, str], ready_path: str, ready_statuses: tuple[int, ...]) -> Iterator[list[str]]:
    """gunicorn as production runs it, answering `ready_path`; yields a list that holds its output after."""
    server = start_gunicorn(env)
    output: list[str] = []
    try:
        address = env["GUNICORN_BIND"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if _timed_get(f"http://{address}{ready_path}")[0] in ready_statuses:
                    break
            except OSError:
                time.sleep(0.2)
        yield output
    finally:
        server.terminate()
        output.append(server.communicate(timeout=30)[0])


def _page_needing_the_database(web_port: int) -> tuple[int, str, float]:
    # A session cookie makes the page look the session up.
    return _timed_get(
        f"http://127.0.0.1:{web_port}/o/acme/", headers={"Cookie": "sessionid=abcdefghijklmnop"}
    )


def test_a_database_that_never_answers_fails_readiness_and_pages_within_the_connect_timeout(tmp_path):
    web_port = _free_port()
    with SilentServer() as database, SilentServer() as redis:
        env = _web_env(
            web_port,
            tmp_path,
            DATABASE_URL=f"postgres://dashboard@127.0.0.1:{database.port}/dashboard",
            REDIS_URL=f"redis://127.0.0.1:{redis.port}/0",
            DATABASE_CONNECT_TIMEOUT="2",
        )
        with _gunicorn(env, "/healthz", (200,)) as output:
            status, body, seconds = _timed_get(f"http://127.0.0.1:{web_port}/readyz")
            assert status == 503
            assert '"database": {"ok": false' in body and '"cache": {"ok": false' in body
            # Database (2 s connect), cache (3 s), broker: each bounded, none hangs the probe.
            assert seconds < 20, seconds

            status, body, seconds = _page_needing_the_database(web_port)
            assert status == 500, status
            assert "Something went wrong on our side" in body, "the product's own error page"
            assert seconds < 15, seconds
            assert "Traceback" not in body
    assert "WORKER TIMEOUT" not in output[0], output[0][-3000:]


def test_a_database_that_stops_answering_mid_connection_fails_readiness_and_pages_within_the_deadline(
    tmp_path,
):
    """The worse case: the connection stays open and nothing comes back (a frozen server, a proxy that holds
    every byte). Neither the server's statement_timeout nor TCP's timeouts end that wait; the client's
    deadline does (dashboard/postgres)."""
    web_port = _free_port()
    proxy = CuttableProxy(("127.0.0.1", 5432)).start()
    env = _web_env(
        web_port,
        tmp_path,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{proxy.port}/postgres",
        DATABASE_CONNECT_TIMEOUT="2",
        DATABASE_CLIENT_DEADLINE_SECONDS="3",
        GUNICORN_THREADS="1",  # one thread, one persistent connection: the one the hang catches
    )
    try:
        with _gunicorn(env, "/readyz", (200, 503)) as output:
            status, body, _ = _timed_get(f"http://127.0.0.1:{web_port}/readyz")
            assert '"database": {"ok": true' in body, body  # connected through the proxy, and kept open

            proxy.hang()
            status, body, seconds = _timed_get(f"http://127.0.0.1:{web_port}/readyz")
            assert status == 503
            assert '"database": {"ok": false' in body
            # The health check's deadline (3 s), a new connection's connect timeout (2 s), then the rest.
            assert seconds < 15, seconds

            status, body, seconds = _page_needing_the_database(web_port)
            assert status == 500, status
            assert "Something went wrong on our side" in body, "the product's own error page"
            assert seconds < 15, seconds
    finally:
        proxy.stop()
    assert "WORKER TIMEOUT" not in output[0], output[0][-3000:]
    assert "passed its deadline" in output[0], output[0][-3000:]
