"""The client's deadline on database waits (dashboard/query_deadline.py), on a plain socket pair."""

import socket
import time

from dashboard.query_deadline import Watchdog, deadline


def test_a_wait_past_its_deadline_has_its_socket_shut_down_and_wakes_with_nothing_read():
    waiting, silent_peer = socket.socketpair()
    watchdog = Watchdog()
    with waiting, silent_peer:
        watchdog.arm(waiting.fileno(), 0.2)
        waiting.settimeout(10)  # only a backstop: the deadline ends the wait long before
        started = time.monotonic()
        assert waiting.recv(10) == b""  # woken by the shutdown, as libpq is: "server closed the connection"
        assert time.monotonic() - started < 5


def test_a_wait_that_ends_in_time_is_left_alone():
    waiting, peer = socket.socketpair()
    watchdog = Watchdog()
    with waiting, peer:
        token = watchdog.arm(waiting.fileno(), 0.2)
        peer.sendall(b"answer")
        assert waiting.recv(10) == b"answer"
        watchdog.disarm(token)
        time.sleep(0.4)  # past the deadline it had
        peer.sendall(b"still open")
        waiting.settimeout(2)
        assert waiting.recv(20) == b"still open"


def test_no_socket_or_no_deadline_means_no_bound():
    with deadline(None, 5), deadline(3, None), deadline(-1, 5):
        pass
