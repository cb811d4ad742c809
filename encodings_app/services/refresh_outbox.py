"""The refresh outbox: the one way to ask for a fresh read of an encoding, and the drain that performs them.

Whoever wants an encoding read now (a webhook delivery, the Refresh button, an action's follow-up read) calls
refresh_request in its own transaction. The request is a row (PendingRefresh) committed together with
whatever asked for it, so a broker that is down loses nothing; and there is one row per encoding, so a
burst of requests for one encoding, or a flood of them after an outage, waits as one read.

After commit the drain is nudged through the broker, best effort (tasks.refresh_drain_nudge): a broker that
is down costs the request milliseconds, never an error. Beat also runs the drain every REFRESH_DRAIN_SECONDS,
which catches up after an outage; a nudge that could not be sent delays a read by that much at most.

The drain claims the rows that are due (rows another worker holds are skipped), reads each encoding
(services/sync.encoding_sync), and then:
- after a read, deletes the row and marks the deliveries that waited for it as refreshed, unless a request
  came in during the read: then the row stays, due at once, for a read that surely sees what it announced;
- after a transient error (bitmovin.is_transient: no answer, a 5xx, a broken answer), keeps the row and
  backs off exponentially, with jitter; a rate limit (Bitmovin's 429 or the key's own budget,
  services/key_budget.py) pauses the organization's rows until its Retry-After without counting as a
  failure; after MAX_ATTEMPTS failed reads, or an error no retry can fix (a 400, 401 or 403, an answer of
  the wrong shape), the row is dropped with a logged reason: the organization's next sync reads it.
A claimed row is due again after CLAIM_SECONDS, so a worker that dies mid-read loses nothing. A run starts
no read after its time budget: the sweeps share the queue and must not wait behind a long backlog.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from time import monotonic

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from encodings_app.bitmovin import BitmovinError, RateLimitedError, is_transient
from encodings_app.models import PendingRefresh, WebhookDelivery
from encodings_app.services import sync
from encodings_app.services.nudges import nudge_after_commit

logger = logging.getLogger(__name__)

# Rows claimed per query: small, so that a run cut short by its budget gives few back.
CLAIM_BATCH = 10
# How long a claimed row is left to the worker reading it: past the drain task's hard time limit (tasks.py),
# so that no live worker's row is read twice, yet a dead worker's row is read again within minutes.
CLAIM_SECONDS = 120
# Backoff after a failed read: 2 s, 4 s, 8 s ... up to BACKOFF_MAX_SECONDS, each drawn between half and all
# of it, so that refreshes that failed together do not retry together; dropped after MAX_ATTEMPTS reads
# (about ten minutes of trying), when the next sync has long read the encoding anyway.
BACKOFF_FIRST_SECONDS = 2
BACKOFF_MAX_SECONDS = 300
MAX_ATTEMPTS = 10
# A rate limit without a Retry-After (never from Bitmovin, which always sends one) waits this long.
RATE_LIMIT_DEFAULT_SECONDS = 10.0


@dataclass(frozen=True)
class RefreshRequest:
    pending_id: int
    # False: a read of the encoding was already waiting, and this request joined it.
    created: bool


def refresh_request(*, organization_id: int, bitmovin_id: str) -> RefreshRequest:
    """Ask for a fresh read of one encoding, in the caller's transaction; the drain is nudged after commit.

    The caller has checked the id (bitmovin.ids.is_valid_id) and that the organization exists.
    """
    with transaction.atomic():
        for _ in range(3):
            pending_id = (
                PendingRefresh.objects.filter(organization_id=organization_id, bitmovin_id=bitmovin_id)
                .values_list("pk", flat=True)
                .first()
            )
            if pending_id is None:
                try:
                    # A savepoint: a concurrent request that inserted the same row first fails only this.
                    with transaction.atomic():
                        pending_id = PendingRefresh.objects.create(
                            organization_id=organization_id, bitmovin_id=bitmovin_id
                        ).pk
                except IntegrityError:
                    continue
                request = RefreshRequest(pending_id, created=True)
                break
            # The count is what tells a drain reading the encoding right now that it must read it again.
            if PendingRefresh.objects.filter(pk=pending_id).update(requests=F("requests") + 1):
                request = RefreshRequest(pending_id, created=False)
                break
            # The drain deleted the row between the two statements (its read had just ended): ask afresh.
        else:
            raise RuntimeError(
                f"could not record a refresh of {bitmovin_id} in organization {organization_id}"
            )
    refresh_drain_soon()
    return request


def refresh_drain_soon() -> None:
    """Nudge the drain once the current transaction commits (at once outside one); never raises."""
    nudge_after_commit("refresh_drain_nudge")


# Draining ----------------------------------------------------------------------------------------------


@dataclass
class DrainOutcome:
    refreshed: int = 0
    # Read, but asked for again during the read: the row waits for another read.
    read_again: int = 0
    retrying: int = 0
    dropped: int = 0
    # False when the time budget ran out before the rows that were due.
    complete: bool = True
    # The organizations whose encodings were read: their alerts are evaluated next.
    read_organizations: set[int] = field(default_factory=set)

    @property
    def reads(self) -> int:
        return self.refreshed + self.read_again + self.retrying + self.dropped


def refresh_drain(
    *,
    time_budget_seconds: float,
    batch_size: int = CLAIM_BATCH,
    read: Callable[..., object] | None = None,
) -> DrainOutcome:
    """Read the encodings whose refresh is due, oldest first, until none is due or the budget is spent.

    `read` is services/sync.encoding_sync (looked up at call time), or a stand-in in tests.
    """
    read = read or sync.encoding_sync
    deadline = monotonic() + time_budget_seconds
    outcome = DrainOutcome()
    paused_until: dict[int, datetime] = {}
    while True:
        if monotonic() >= deadline:
            outcome.complete = not _due_exists()
            break
        claimed = _claim(batch_size)
        if not claimed:
            break
        for index, pending in enumerate(claimed):
            if monotonic() >= deadline:
                _give_back(claimed[index:])
                outcome.complete = False
                break
            if pending.organization_id in paused_until:
                _postpone(pending, until=paused_until[pending.organization_id], error=None)
                continue
            _read_one(pending, read, outcome, paused_until)
        if not outcome.complete:
            break
    if outcome.reads:
        logger.info(
            "refresh drain: %s refreshed, %s to read again, %s retrying later, %s dropped%s",
            outcome.refreshed,
            outcome.read_again,
            outcome.retrying,
            outcome.dropped,
            "" if outcome.complete else " (time budget spent, more are due)",
        )
    return outcome


def _due_exists() -> bool:
    return PendingRefresh.objects.filter(next_attempt_at__lte=timezone.now()).exists()


def _claim(limit: int) -> list[PendingRefresh]:
    """Take up to `limit` due rows for this worker: each is pushed CLAIM_SECONDS ahead and counts an attempt.
    On PostgreSQL rows another worker is claiming are skipped; SQLite runs one write at a time anyway."""
    now = timezone.now()
    with transaction.atomic():
        claimed = list(
            PendingRefresh.objects.select_for_update(skip_locked=True)
            .filter(next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")[:limit]
        )
        if claimed:
            PendingRefresh.objects.filter(pk__in=[pending.pk for pending in claimed]).update(
                next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS), attempts=F("attempts") + 1
            )
    for pending in claimed:
        pending.attempts += 1
    return claimed


def _give_back(unread: Sequence[PendingRefresh]) -> None:
    """Rows claimed but not read before the budget ran out: due again at once, the attempt not counted."""
    PendingRefresh.objects.filter(pk__in=[pending.pk for pending in unread]).update(
        next_attempt_at=timezone.now(), attempts=F("attempts") - 1
    )


def _read_one(
    pending: PendingRefresh,
    read: Callable[..., object],
    outcome: DrainOutcome,
    paused_until: dict[int, datetime],
) -> None:
    try:
        read(organization_id=pending.organization_id, bitmovin_id=pending.bitmovin_id)
    except RateLimitedError as exc:
        # Not the encoding's failure: the key's budget is spent. Its other rows wait as long, unread.
        wait = exc.retry_after if exc.retry_after else RATE_LIMIT_DEFAULT_SECONDS
        until = timezone.now() + timedelta(seconds=min(wait, BACKOFF_MAX_SECONDS))
        paused_until[pending.organization_id] = until
        _postpone(pending, until=until, error=str(exc))
        outcome.retrying += 1
    except BitmovinError as exc:
        if is_transient(exc):
            _retry_later(pending, str(exc), outcome)
        else:
            _drop(pending, f"Bitmovin refused the read: {exc}")
            outcome.dropped += 1
    except Exception as exc:
        # A fault of ours or of the database: the row stays (it is what keeps the request), and the
        # traceback goes to the log. The message may quote data, so only the kind is kept on the row.
        logger.exception("refresh of encoding %s failed", pending.bitmovin_id)
        _retry_later(pending, f"{type(exc).__name__} in the dashboard", outcome)
    else:
        outcome.read_organizations.add(pending.organization_id)
        if _done(pending):
            outcome.refreshed += 1
        else:
            outcome.read_again += 1


def _done(pending: PendingRefresh) -> bool:
    """The read ran: remove the row and mark its deliveries refreshed, unless it was asked for again during
    the read (True when removed)."""
    now = timezone.now()
    with transaction.atomic():
        # Locked, so that a request cannot slip in between the check and the delete.
        requests = (
            PendingRefresh.objects.select_for_update()
            .filter(pk=pending.pk)
            .values_list("requests", flat=True)
            .first()
        )
        if requests is None:  # the organization was deleted meanwhile
            return True
        if requests != pending.requests:
            PendingRefresh.objects.filter(pk=pending.pk).update(
                next_attempt_at=now, attempts=0, last_error=""
            )
            return False
        WebhookDelivery.objects.filter(pending_refresh=pending.pk).update(
            refreshed_at=now, pending_refresh=None
        )
        PendingRefresh.objects.filter(pk=pending.pk).delete()
    return True


def _postpone(pending: PendingRefresh, *, until: datetime, error: str | None) -> None:
    """Due again at `until`; the attempt this was does not count (a rate limit says nothing about the
    encoding)."""
    changes = {"next_attempt_at": until, "attempts": F("attempts") - 1}
    if error is not None:
        changes["last_error"] = error[:300]
    PendingRefresh.objects.filter(pk=pending.pk).update(**changes)


def _retry_later(pending: PendingRefresh, error: str, outcome: DrainOutcome) -> None:
    if pending.attempts >= MAX_ATTEMPTS:
        _drop(pending, f"{pending.attempts} reads failed, the last with: {error}")
        outcome.dropped += 1
        return
    PendingRefresh.objects.filter(pk=pending.pk).update(
        next_attempt_at=timezone.now() + timedelta(seconds=retry_delay(pending.attempts)),
        last_error=error[:300],
    )
    outcome.retrying += 1


def retry_delay(attempts: int) -> float:
    """Seconds before another read after `attempts` failed ones: 2, 4, 8 ... s up to the cap, jittered."""
    ceiling = min(BACKOFF_FIRST_SECONDS * 2 ** min(attempts - 1, 30), BACKOFF_MAX_SECONDS)
    return random.uniform(0.5, 1.0) * ceiling  # noqa: S311 - jitter, not cryptography


def _drop(pending: PendingRefresh, reason: str) -> None:
    """Give the refresh up: say so in the log and on the deliveries that waited for it. Their refresh never
    ran, so a resend of one of them asks again."""
    logger.warning(
        "refresh of encoding %s in organization %s given up: %s; the next sync reads it",
        pending.bitmovin_id,
        pending.organization_id,
        reason,
    )
    given_up = f"refresh of encoding {pending.bitmovin_id}, given up: {reason}"
    with transaction.atomic():
        WebhookDelivery.objects.filter(pending_refresh=pending.pk).update(
            triggered=given_up[:300], pending_refresh=None
        )
        PendingRefresh.objects.filter(pk=pending.pk).delete()
