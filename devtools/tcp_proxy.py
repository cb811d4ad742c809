"""A TCP proxy on 127.0.0.1 that a benchmark can cut: it passes bytes, refuses connections, or hangs.

It stands between the dashboard's processes and PostgreSQL (or any server), so that a fault can be put on
the path without touching the server: "refused" closes every connection and the listening socket (a
database that is down), "hung" accepts connections and holds every byte in both directions (a database
that stops answering, the worse case, which only client-side timeouts end). When the fault ends, every
connection that lived through it is closed, as a real network cut leaves them, and new ones pass again.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

PASSING = "passing"
REFUSED = "refused"
HUNG = "hung"


class CuttableProxy:
    def __init__(self, upstream: tuple[str, int], *, port: int = 0) -> None:
        self.upstream = upstream
        self.mode = PASSING
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        # Connections that lived through a fault: closed when it ends.
        self._faulted: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self.port = port
        self._stopped = False

    # Lifecycle

    def start(self) -> CuttableProxy:
        self._listen()
        return self

    def stop(self) -> None:
        self._stopped = True
        self._close_listener()
        self._close_all()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()

    def _close_all(self, connections: set[socket.socket] | None = None) -> None:
        with self._lock:
            doomed = set(self._connections if connections is None else connections)
            self._connections -= doomed
            self._faulted -= doomed
        for connection in doomed:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    # Faults

    def refuse(self) -> None:
        """Down: nothing listens, and every open connection is closed."""
        self.mode = REFUSED
        self._close_listener()
        self._close_all()

    def hang(self) -> None:
        """Silent: connections are accepted and open ones stay open, but no byte gets through."""
        self.mode = HUNG
        with self._lock:
            self._faulted |= self._connections

    def restore(self) -> None:
        """Back to passing bytes; the connections that lived through the fault are closed."""
        mode, self.mode = self.mode, PASSING
        if mode == HUNG:
            with self._lock:
                faulted = set(self._faulted)
            self._close_all(faulted)
        if self._listener is None and not self._stopped:
            self._listen()

    # Pumping

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                self._connections.add(client)
                if self.mode == HUNG:
                    self._faulted.add(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        while self.mode == HUNG and client in self._connections:
            time.sleep(0.05)  # accepted, never connected onwards: the server "does not answer"
        if client not in self._connections:
            return
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            self._close_all({client})
            return
        server.settimeout(None)
        with self._lock:
            self._connections.add(server)
            pair = {client, server}
        threading.Thread(target=self._pump, args=(server, client, pair), daemon=True).start()
        self._pump(client, server, pair)

    def _pump(self, source: socket.socket, target: socket.socket, pair: set[socket.socket]) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                # During a hang the bytes are held, never sent: the other side waits as on a dead link.
                while self.mode == HUNG and source in self._connections:
                    time.sleep(0.05)
                if source not in self._connections:
                    break
                target.sendall(data)
        except OSError:
            pass
        self._close_all(pair)
