"""Status, progress, timestamps and subtasks of an encoding, computed from its plan at an instant.

Nothing here ticks: every value is a pure function of the record's plan and the time asked about,
which is what lets 100,000 encodings live in memory while only a handful are "moving".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.catalog import PHASES
from simulator.ids import derived_int
from simulator.records import (
    CANCELED,
    CREATED,
    FINISHED,
    LIVE,
    QUEUED,
    RUNNING,
    TERMINAL,
    EncodingRecord,
)

INF = math.inf


def status_at(rec: EncodingRecord, t: float) -> str:
    started = rec.started_at
    if started is None or t < started:
        return CREATED
    end = rec.end_at
    if end is not None and t >= end:
        return rec.outcome or FINISHED
    running = rec.running_at
    if running is not None and t >= running:
        return RUNNING
    return QUEUED


def transitions(rec: EncodingRecord) -> list[tuple[float, str]]:
    """The planned status changes in order: (instant, new status)."""
    if rec.started_at is None:
        return []
    steps = [(rec.started_at, QUEUED)]
    end = rec.end_at if rec.end_at is not None else INF
    if rec.running_at is not None and rec.running_at <= end:
        steps.append((rec.running_at, RUNNING))
    if rec.end_at is not None:
        steps.append((rec.end_at, rec.outcome or FINISHED))
    return steps


def last_change_at(rec: EncodingRecord, t: float) -> float | None:
    last = None
    for when, _ in transitions(rec):
        if when <= t:
            last = when
    return last


def modified_at(rec: EncodingRecord, t: float) -> float:
    changed = last_change_at(rec, t)
    return max(rec.edited_at, changed) if changed is not None else rec.edited_at


def effective_time(rec: EncodingRecord, t: float) -> float:
    """The instant the work has reached: the clock, held back by the end and by a stall."""
    eff = t
    if rec.end_at is not None and rec.end_at < eff:
        eff = rec.end_at
    if rec.stall_at is not None and rec.stall_at < eff:
        eff = rec.stall_at
    return eff


def run_fraction(rec: EncodingRecord, t: float) -> float:
    if rec.running_at is None or rec.run_s <= 0:
        return 0.0
    eff = effective_time(rec, t)
    if eff <= rec.running_at:
        return 0.0
    return min(1.0, (eff - rec.running_at) / rec.run_s)


def progress_at(rec: EncodingRecord, t: float, status: str | None = None) -> int:
    status = status or status_at(rec, t)
    if rec.type == LIVE or status in (CREATED, QUEUED):
        return 0
    if status == FINISHED:
        return 100
    # The epsilon keeps a planned 40 % from showing as 39 after float rounding.
    return min(99, int(run_fraction(rec, t) * 100 + 1e-6))


def eta_at(rec: EncodingRecord, t: float, status: str | None = None) -> float | None:
    status = status or status_at(rec, t)
    if status != RUNNING or rec.type == LIVE or rec.running_at is None:
        return None
    return round(max(0.0, rec.run_s * (1.0 - run_fraction(rec, t))), 1)


def is_terminal(status: str) -> bool:
    return status in TERMINAL


@dataclass(frozen=True, slots=True)
class SubtaskState:
    name: str
    status: str
    progress: int
    started_at: float
    updated_at: float
    finished_at: float | None


def subtasks_at(rec: EncodingRecord, t: float, status: str | None = None) -> list[SubtaskState]:
    """The phases that have begun by t; pending phases are not listed (README)."""
    status = status or status_at(rec, t)
    if rec.running_at is None or t < rec.running_at or status in (CREATED, QUEUED):
        return []
    eff = effective_time(rec, t)
    if rec.type == LIVE:
        end = rec.end_at if rec.end_at is not None and rec.end_at <= t else None
        live_status = status if end is not None else RUNNING
        return [SubtaskState("Encoding", live_status, 0, rec.running_at, eff, end)]
    ended_here = rec.end_at is not None and rec.end_at <= t and status != FINISHED
    result = []
    for name, lo, hi in PHASES:
        start = rec.running_at + lo * rec.run_s
        stop = rec.running_at + hi * rec.run_s
        if eff < start or (ended_here and rec.end_at is not None and rec.end_at < start):
            break
        if eff >= stop and not (ended_here and rec.end_at is not None and rec.end_at < stop):
            result.append(SubtaskState(name, FINISHED, 100, start, stop, stop))
            continue
        span = max(stop - start, 1e-9)
        phase_progress = min(99, int((eff - start) / span * 100))
        if ended_here:
            sub_status = CANCELED if status == CANCELED else "ERROR"
            result.append(SubtaskState(name, sub_status, phase_progress, start, eff, rec.end_at))
        else:
            result.append(SubtaskState(name, RUNNING, phase_progress, start, eff, None))
        break
    return result


def phase_window(rec: EncodingRecord, phase: str) -> tuple[float, float]:
    """Planned start and end of a VOD phase (absolute instants)."""
    assert rec.running_at is not None
    for name, lo, hi in PHASES:
        if name == phase:
            return rec.running_at + lo * rec.run_s, rec.running_at + hi * rec.run_s
    raise KeyError(phase)


def input_seconds(rec: EncodingRecord) -> int:
    """Length of the (imaginary) input, fixed per encoding: mostly clips, some episodes, few films."""
    kind = derived_int(rec.seed, 1, 100)
    if kind < 70:
        return 30 + derived_int(rec.seed, 41, 570)
    if kind < 95:
        return 1200 + derived_int(rec.seed, 42, 2400)
    return 3600 + derived_int(rec.seed, 43, 3600)


def rendition_count(rec: EncodingRecord) -> int:
    return 3 + derived_int(rec.seed, 2, 5)


def shown_times(rec: EncodingRecord) -> tuple[float | None, float | None, float | None]:
    """startedAt, runningAt and finishedAt as shown: never before creation and always in order.

    A forced state (POST /_sim/encodings) may plan a run that began before the record existed so
    that its progress is right; the timestamps it shows are clamped instead.
    """
    started = running = end = None
    if rec.started_at is not None:
        started = max(rec.started_at, rec.created_at)
        if rec.running_at is not None and (rec.end_at is None or rec.running_at <= rec.end_at):
            running = max(rec.running_at, started)
        if rec.end_at is not None:
            end = max(rec.end_at, running or started)
    return started, running, end
