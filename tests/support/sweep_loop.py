"""Beat and workers in one test process: the sweep task every tick, the syncs it enqueues run by worker
threads through the sync task itself, as a Celery worker would run them.

    with SweepLoop(monkeypatch, tick=0.1, workers=2) as loop:
        time.sleep(30)
    loop.enqueued  # [(organization_id, {"full_pass_allowance": ...}), ...]

Exceptions in the sweep or a sync are raised again when the loop stops.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connection

from encodings_app import tasks


class SweepLoop:
    def __init__(self, monkeypatch, *, tick: float = 0.1, workers: int = 2) -> None:
        self.tick = tick
        self.enqueued: list[tuple[int, dict]] = []
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sync-worker")
        self._futures: list[Future] = []
        self._stop = threading.Event()
        self._errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._beat, name="sweep-beat", daemon=True)
        monkeypatch.setattr(tasks.sync_organization, "delay", self._enqueue)

    def __enter__(self) -> SweepLoop:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self._pool.shutdown(wait=True)
        errors = self._errors + [f.exception() for f in self._futures if f.exception() is not None]
        if errors:
            raise errors[0]

    def _enqueue(self, organization_id: int, **options) -> None:
        self.enqueued.append((organization_id, options))
        self._futures.append(self._pool.submit(self._sync, organization_id, options))

    @staticmethod
    def _sync(organization_id: int, options: dict) -> None:
        try:
            tasks.sync_organization(organization_id, **options)
        finally:
            connection.close()

    def _beat(self) -> None:
        try:
            while not self._stop.is_set():
                tasks.sync_sweep()
                time.sleep(self.tick)
        except BaseException as exc:  # raised again in stop()
            self._errors.append(exc)
        finally:
            connection.close()
