"""Planning timelines: how long an encoding waits, runs, and how it ends.

Durations that lie in the simulator's present or future are divided by the speed factor; history
generated at start-up keeps realistic durations. Every plan is drawn from a seeded RNG.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from simulator import vocab
from simulator.catalog import (
    FAILURES,
    FAILURES_BY_CODE,
    PHASES,
    QUEUE,
    QUEUE_TIMEOUT_FAILURE,
    STALL_FAILURE,
    TRANSFER_FAILURES,
    Failure,
)
from simulator.lifecycle import input_seconds
from simulator.records import (
    CANCELED,
    CREATED,
    ERROR,
    FINISHED,
    LIVE,
    QUEUED,
    RUNNING,
    TERMINAL,
    TRANSFER_ERROR,
    EncodingRecord,
)

STUCK_QUEUED, STUCK_RUNNING = "STUCK_QUEUED", "STUCK_RUNNING"
# How long a stuck encoding hangs before the platform gives up on it (before speed scaling).
STUCK_TIMEOUT_S = 2 * 3600.0
MODE_WEIGHTS = (("TWO_PASS", 5), ("SINGLE_PASS", 3), ("THREE_PASS", 1))

# Outcomes of an encoding that a user starts: what a busy account sees in practice.
STARTED_OUTCOMES: tuple[tuple[str, int], ...] = (
    (FINISHED, 850),
    (ERROR, 100),
    (TRANSFER_ERROR, 20),
    (STUCK_QUEUED, 15),
    (STUCK_RUNNING, 15),
)
# History also holds encodings that users canceled.
HISTORY_OUTCOMES: tuple[tuple[str, int], ...] = (*STARTED_OUTCOMES, (CANCELED, 40))


def draw_outcome(rng: random.Random, table: tuple[tuple[str, int], ...] = STARTED_OUTCOMES) -> str:
    return rng.choices([o for o, _ in table], weights=[w for _, w in table])[0]


def draw_failure(rng: random.Random, pool: tuple[Failure, ...], min_fraction: float = 0.0) -> Failure:
    """A weighted failure whose phase still lies ahead of min_fraction of the run."""
    ends = {name: hi for name, _, hi in PHASES}
    fitting = [f for f in pool if f.phase != QUEUE and ends[f.phase] > min_fraction] if min_fraction else pool
    if not fitting:
        fitting = [f for f in FAILURES + TRANSFER_FAILURES if f.phase == "Transfer"]
    return rng.choices(fitting, weights=[f.weight for f in fitting])[0]


def failure_for(code: int) -> Failure:
    known = FAILURES_BY_CODE.get(code)
    if known is not None:
        return known
    return Failure(code, "GENERAL", "UNDEFINED", "Encoding", 0, f"Encoding failed with error {code}")


def queue_wait(rng: random.Random) -> float:
    """Seconds in the queue: mostly under a minute, now and then several."""
    return min(900.0, max(3.0, rng.lognormvariate(math.log(25.0), 0.9)))


def run_seconds(rec: EncodingRecord, rng: random.Random) -> float:
    """Seconds of encoding: the input's length times a realtime factor, within 1 and 45 minutes."""
    return min(2700.0, max(60.0, input_seconds(rec) * rng.uniform(0.15, 0.6)))


def _fraction_in(rng: random.Random, phase: str, min_fraction: float) -> float:
    for name, lo, hi in PHASES:
        if name == phase:
            if min_fraction >= hi:
                # A forced failure in a phase already behind: strike just ahead instead.
                return min(0.999, min_fraction + 0.01)
            lo = max(lo, min_fraction)
            pad = (hi - lo) * 0.1
            return rng.uniform(lo + pad, hi - pad)
    raise KeyError(phase)


def _select(rec: EncodingRecord, rng: random.Random) -> None:
    rec.selected_region = vocab.resolve_region(rec.cloud_region, rng)
    rec.selected_version = vocab.resolve_version(rec.encoder_version)
    requested = (rec.start_request or {}).get("encodingMode")
    if requested and requested != "STANDARD":
        rec.selected_mode = requested
    else:
        rec.selected_mode = rng.choices([m for m, _ in MODE_WEIGHTS], weights=[w for _, w in MODE_WEIGHTS])[0]


def _clear(rec: EncodingRecord) -> None:
    rec.started_at = rec.running_at = rec.end_at = rec.stall_at = None
    rec.outcome = None
    rec.error_code = 0
    rec.run_s = 0.0


@dataclass
class PlanOptions:
    outcome: str = FINISHED
    scale: float = 1.0  # divides every duration
    min_fraction: float = 0.0  # a planned failure or cancel lies beyond this share of the run
    stall_fraction: float | None = None
    error_code: int | None = None
    wait: float | None = None


def plan_vod(rec: EncodingRecord, rng: random.Random, start_at: float, opts: PlanOptions) -> None:
    _clear(rec)
    _select(rec, rng)
    wait = (opts.wait if opts.wait is not None else queue_wait(rng)) / opts.scale
    run = run_seconds(rec, rng) / opts.scale
    timeout = STUCK_TIMEOUT_S / opts.scale
    rec.started_at = start_at
    rec.run_s = run
    outcome = opts.outcome
    if outcome == STUCK_QUEUED:
        rec.end_at, rec.outcome, rec.error_code = start_at + timeout, ERROR, QUEUE_TIMEOUT_FAILURE
        return
    running_at = start_at + wait
    rec.running_at = running_at
    if outcome == FINISHED:
        rec.end_at, rec.outcome = running_at + run, FINISHED
    elif outcome == STUCK_RUNNING:
        fraction = opts.stall_fraction if opts.stall_fraction is not None else rng.uniform(0.2, 0.8)
        rec.stall_at = running_at + fraction * run
        rec.end_at, rec.outcome, rec.error_code = rec.stall_at + timeout, ERROR, STALL_FAILURE
    elif outcome == CANCELED:
        if not opts.min_fraction and rng.random() < 0.3:
            rec.running_at = None
            rec.end_at = start_at + wait * rng.uniform(0.2, 0.9)
        else:
            rec.end_at = running_at + run * rng.uniform(max(0.05, opts.min_fraction), 0.95)
        rec.outcome = CANCELED
    else:
        pool = TRANSFER_FAILURES if outcome == TRANSFER_ERROR else FAILURES
        if opts.error_code:
            failure = failure_for(opts.error_code)
        else:
            failure = draw_failure(rng, pool, opts.min_fraction)
        rec.error_code, rec.outcome = failure.code, outcome
        if failure.phase == QUEUE:
            rec.running_at = None
            rec.end_at = start_at + wait * rng.uniform(1.0, 3.0)
        else:
            rec.end_at = running_at + run * _fraction_in(rng, failure.phase, opts.min_fraction)


def plan_live(
    rec: EncodingRecord, rng: random.Random, start_at: float, scale: float, lasts: float | None = None
) -> None:
    """A live encoding runs until it is stopped, unless `lasts` (seconds) says when it ended."""
    _clear(rec)
    _select(rec, rng)
    rec.started_at = start_at
    rec.running_at = start_at + rng.uniform(45.0, 150.0) / scale
    if lasts is not None:
        rec.end_at = rec.running_at + lasts
        failed = rng.random() < 0.08
        rec.outcome = ERROR if failed else FINISHED
        rec.error_code = 2011 if failed else 0


def shift(rec: EncodingRecord, delta: float) -> None:
    if rec.started_at is not None:
        rec.started_at += delta
    if rec.running_at is not None:
        rec.running_at += delta
    if rec.end_at is not None:
        rec.end_at += delta
    if rec.stall_at is not None:
        rec.stall_at += delta


def plan_in_state(
    rec: EncodingRecord,
    rng: random.Random,
    now: float,
    target: str,
    *,
    scale: float,
    progress: int | None = None,
    outcome: str | None = None,
    error_code: int | None = None,
    stuck: bool = False,
    ago: float = 0.0,
) -> None:
    """Plan a timeline whose status at `now` is `target`, the rest of it following from the plan.

    `outcome` says how a QUEUED or RUNNING encoding will end; `ago` places a terminal state, a
    stall or the start of a wait in the queue that long before now.
    """
    if target == CREATED:
        _clear(rec)
        return
    if rec.type == LIVE:
        _plan_live_in_state(rec, rng, now, target, scale, error_code, ago)
        return
    if target == QUEUED:
        chosen = STUCK_QUEUED if stuck else (outcome or FINISHED)
        if chosen in (ERROR, TRANSFER_ERROR) and not error_code:
            chosen_code = draw_failure(rng, FAILURES if chosen == ERROR else TRANSFER_FAILURES, 0.01).code
        else:
            chosen_code = error_code
        plan_vod(rec, rng, 0.0, PlanOptions(chosen, scale, error_code=chosen_code))
        horizon = rec.running_at if rec.running_at is not None else rec.end_at or 60.0
        waited = min(ago, 0.9 * horizon) if ago else rng.uniform(0.0, 0.5) * horizon
        shift(rec, now - waited)
        return
    if target == RUNNING:
        fraction = (progress if progress is not None else rng.randint(5, 90)) / 100.0
        if stuck:
            plan_vod(rec, rng, 0.0, PlanOptions(STUCK_RUNNING, scale, stall_fraction=fraction))
            assert rec.stall_at is not None
            shift(rec, now - ago - rec.stall_at)
            rec.stall_at = now - ago  # exact, whatever the float rounding of the shift
            return
        chosen = outcome if outcome in (FINISHED, ERROR, TRANSFER_ERROR) else FINISHED
        plan_vod(rec, rng, 0.0, PlanOptions(chosen, scale, min_fraction=fraction, error_code=error_code))
        assert rec.running_at is not None
        shift(rec, now - (rec.running_at + fraction * rec.run_s))
        rec.running_at = min(rec.running_at, now)
        return
    if target in TERMINAL:
        plan_vod(rec, rng, 0.0, PlanOptions(target, scale, error_code=error_code))
        assert rec.end_at is not None
        shift(rec, now - ago - rec.end_at)
        rec.end_at = now - ago
        return
    raise ValueError(f"unknown status {target}")


def _plan_live_in_state(
    rec: EncodingRecord,
    rng: random.Random,
    now: float,
    target: str,
    scale: float,
    error_code: int | None,
    ago: float,
) -> None:
    if target == QUEUED:
        plan_live(rec, rng, now - rng.uniform(1.0, 20.0) / scale, scale)
    elif target == RUNNING:
        plan_live(rec, rng, 0.0, scale)
        assert rec.running_at is not None
        shift(rec, now - rng.uniform(300.0, 3 * 3600.0) / scale - rec.running_at)
        rec.running_at = min(rec.running_at, now)
    else:
        plan_live(rec, rng, 0.0, scale, lasts=rng.uniform(1800.0, 6 * 3600.0))
        assert rec.end_at is not None
        rec.outcome = target
        rec.error_code = (error_code or 2011) if target in (ERROR, TRANSFER_ERROR) else 0
        shift(rec, now - ago - rec.end_at)
        rec.end_at = now - ago


# Actions on a live record. Preconditions are checked by the caller.


def start(rec: EncodingRecord, rng: random.Random, now: float, scale: float, request: dict[str, Any]) -> None:
    rec.start_request = request
    priority = (request.get("scheduling") or {}).get("priority")
    if isinstance(priority, int):
        rec.priority = priority
    if rec.type == LIVE:
        plan_live(rec, rng, now, scale)
    else:
        plan_vod(rec, rng, now, PlanOptions(draw_outcome(rng), scale))


def stop(rec: EncodingRecord, now: float, outcome: str = CANCELED) -> None:
    """End the run now. A run that had not begun never shows runningAt."""
    if rec.running_at is not None and rec.running_at > now:
        rec.running_at = None
    if rec.stall_at is not None and rec.stall_at > now:
        rec.stall_at = None
    rec.end_at, rec.outcome, rec.error_code = now, outcome, 0


def restart_live(rec: EncodingRecord, rng: random.Random, now: float, scale: float) -> None:
    plan_live(rec, rng, now, scale)


def reprioritize(rec: EncodingRecord, now: float, priority: int) -> None:
    """A higher priority shortens the remaining wait; a stuck queue stays stuck."""
    old = rec.priority
    rec.priority = priority
    rec.edited_at = now
    if rec.running_at is None or rec.running_at <= now:
        return
    factor = (101 - priority) / (101 - old)
    new_running = now + (rec.running_at - now) * factor
    shift_after = new_running - rec.running_at
    rec.running_at = new_running
    if rec.end_at is not None:
        rec.end_at += shift_after
    if rec.stall_at is not None:
        rec.stall_at += shift_after


def reschedule(
    rec: EncodingRecord, rng: random.Random, now: float, scale: float, infrastructure_id: str
) -> None:
    """Moving a queued encoding to another infrastructure gets it going again, even a stuck one."""
    rec.infrastructure_id = infrastructure_id
    rec.edited_at = now
    started = rec.started_at
    plan_vod(rec, rng, now, PlanOptions(FINISHED, scale, wait=rng.uniform(5.0, 40.0)))
    rec.started_at = started
