"""The light background loop: announce status changes of active encodings, admit new arrivals.

Only the active set is visited (encodings that can still change on their own), so the cost does
not grow with the history.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from simulator import generator
from simulator.lifecycle import is_terminal, progress_at, status_at, transitions
from simulator.records import CREATED, EncodingRecord
from simulator.webhooks import Event

if TYPE_CHECKING:
    from simulator.app import Simulator

log = logging.getLogger("simulator.ticker")
MAX_ARRIVALS_PER_TICK = 5


def changes_since(rec: EncodingRecord, announced: str, now: float) -> list[str]:
    """Statuses reached since `announced`, in order. A re-planned run starts its list afresh."""
    reached = [status for when, status in transitions(rec) if when <= now]
    if announced in reached:
        return reached[reached.index(announced) + 1 :]
    return reached


def tick(app: Simulator) -> int:
    world = app.world
    events: list[Event] = []
    with world.lock:
        now = world.now()
        for encoding_id in list(world.active):
            rec = world.encodings.get(encoding_id)
            if rec is None:
                world.active.discard(encoding_id)
                continue
            current = status_at(rec, now)
            if current != rec.announced:
                user_id = world.accounts[world.orgs[rec.org_id].account_id].user_id
                for status in changes_since(rec, rec.announced, now):
                    progress = (
                        100 if status == "FINISHED" and rec.type != "LIVE" else progress_at(rec, now, status)
                    )
                    events.append(Event(rec.org_id, user_id, rec.id, status, progress, now))
                rec.announced = current
            if is_terminal(current) or (current == CREATED and rec.started_at is None):
                world.active.discard(encoding_id)
        _arrivals(app, now)
    if events:
        app.dispatcher.announce(events)
    return len(events)


def _arrivals(app: Simulator, now: float) -> None:
    world = app.world
    if world.arrival_rate <= 0:
        return
    for org_id, due in list(world.next_arrival.items()):
        admitted = 0
        while due <= now and admitted < MAX_ARRIVALS_PER_TICK:
            generator.arrive(world, org_id, now)
            due += generator.next_arrival_gap(world, world.arrival_rng)
            admitted += 1
        if due <= now:
            # Far behind (the clock jumped): skip ahead rather than flood the organization.
            due = now + generator.next_arrival_gap(world, world.arrival_rng)
        world.next_arrival[org_id] = due


class Ticker(threading.Thread):
    def __init__(self, app: Simulator, interval_s: float, autosave_s: float | None) -> None:
        super().__init__(name="simulator-ticker", daemon=True)
        self.app = app
        self.interval_s = interval_s
        self.autosave_s = autosave_s
        self._stop_event = threading.Event()

    def run(self) -> None:
        last_save = time.monotonic()
        while not self._stop_event.wait(self.interval_s):
            try:
                tick(self.app)
                if self.autosave_s and time.monotonic() - last_save >= self.autosave_s:
                    self.app.save_state()
                    last_save = time.monotonic()
            except Exception:
                log.exception("tick failed")

    def stop(self) -> None:
        self._stop_event.set()
