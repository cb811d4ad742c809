"""An HTTP server on a free port of 127.0.0.1, served from a thread for as long as a `with` block runs."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer


class ServedInThread:
    """Starts `server` on entering the block and shuts it down (and closes its port) on leaving it."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        server.daemon_threads = True
        self._server = server
        self.port: int = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
