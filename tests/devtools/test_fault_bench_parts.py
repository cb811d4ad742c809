"""The parts bench_faults breaks a stack with: the cuttable proxy, and the mirror's comparison."""

from __future__ import annotations

import contextlib
import socket
import threading

import pytest

from devtools.mirror_check import mirror_difference
from devtools.tcp_proxy import CuttableProxy


@pytest.fixture
def echo_server():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)

    def serve(connection: socket.socket) -> None:
        with connection:
            while data := connection.recv(1024):
                connection.sendall(data)

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield listener.getsockname()
    listener.close()


@pytest.fixture
def proxy(echo_server):
    running = CuttableProxy(echo_server).start()
    yield running
    running.stop()


def _connect(proxy: CuttableProxy) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", proxy.port), timeout=2)
    connection.settimeout(2)
    return connection


def _echo(connection: socket.socket, text: bytes) -> bytes:
    connection.sendall(text)
    return connection.recv(1024)


def test_the_proxy_passes_bytes_both_ways(proxy):
    with _connect(proxy) as connection:
        assert _echo(connection, b"hello") == b"hello"


def test_a_refusing_proxy_closes_open_connections_and_refuses_new_ones_until_restored(proxy):
    open_before = _connect(proxy)
    assert _echo(open_before, b"one") == b"one"

    proxy.refuse()

    assert open_before.recv(1024) == b""  # closed under it
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", proxy.port), timeout=2)
    proxy.restore()
    with _connect(proxy) as connection:
        assert _echo(connection, b"two") == b"two"
    open_before.close()


def test_a_hung_proxy_accepts_but_never_answers_and_cuts_those_connections_when_restored(proxy):
    open_before = _connect(proxy)
    assert _echo(open_before, b"one") == b"one"

    proxy.hang()
    opened_during = _connect(proxy)  # accepted, as a server that hangs still accepts

    for connection in (open_before, opened_during):
        connection.settimeout(0.5)
        connection.sendall(b"anyone?")
        with pytest.raises(TimeoutError):
            connection.recv(1024)
    proxy.restore()
    for connection in (open_before, opened_during):
        connection.settimeout(2)
        # Closed with unread bytes, the end may come as a reset: either way, a cut.
        with contextlib.suppress(ConnectionResetError):
            assert connection.recv(1024) == b""
        connection.close()
    with _connect(proxy) as connection:
        assert _echo(connection, b"three") == b"three"


class _Simulator:
    def __init__(self, statuses: dict[str, tuple[str, str]]) -> None:
        self.statuses = statuses

    def encoding_statuses(self) -> dict[str, tuple[str, str]]:
        return self.statuses


def test_the_mirror_is_compared_for_the_watched_tenants_only():
    simulator = _Simulator(
        {
            "a": ("t1", "FINISHED"),
            "b": ("t1", "RUNNING"),
            "c": ("t1", "ERROR"),
            "d": ("t2", "FINISHED"),
            "z": ("unwatched", "QUEUED"),
        }
    )
    rows = [("t1", "a", "FINISHED"), ("t1", "b", "QUEUED"), ("t2", "d", "FINISHED"), ("t2", "gone", "ERROR")]

    difference = mirror_difference(simulator, watched={"t1", "t2"}, mirror_rows=rows)

    assert (difference.missing, difference.extra, difference.wrong, difference.compared) == (1, 1, 1, 4)
