"""The client's deadline on database waits (dashboard/query_deadline.py), on a plain socket pair."""

import os
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


def test_a_forked_child_gets_a_watchdog_of_its_own():

    watchdog = Watchdog()
    waiting, peer = socket.socketpair()
    with waiting, peer:
        token = watchdog.arm(waiting.fileno(), 60)  # the parent's thread is running, holding its own state
        reader, writer = os.pipe()
        child = os.fork()
        if child == 0:  # the child arms a deadline of its own and sees it kept, with a fresh lock
            child_waiting, _silent_peer = socket.socketpair()
            watchdog.arm(child_waiting.fileno(), 0.2)
            child_waiting.settimeout(10)
            os.write(writer, b"1" if child_waiting.recv(10) == b"" else b"0")
            os._exit(0)
        os.close(writer)
        assert os.read(reader, 1) == b"1"
        os.waitpid(child, 0)
        os.close(reader)
        # Before the socket closes: a minute later its descriptor may belong to another test's connection.
        watchdog.disarm(token)
