"""Recording how a sync ended, on the run and on the organization, for the pages to show.

A run is made of independent parts (each walk of the list, the status Tasks); one that fails is recorded and
the others go on. So a run ends:

- OK: every part was read (a few single status reads may have failed; the next run reads them);
- PARTIAL: some parts could not be read, others were. It counts as a sync that worked (the mirror moved on;
  no failure streak, no "Sync behind"), and the next run reads what this one missed. Partial runs in a row
  are counted on the organization (consecutive_partial_syncs): a part that never gets read shows as
  "Sync incomplete" once that count reaches PARTIAL_SYNCS_WARNING (selectors/health.py);
- RATE_LIMITED: a rate limit closed an endpoint for the rest of the run; what was read is kept, and the
  organization pauses until the API's (or our budget's) retry_after;
- FAILED: nothing could be read (every part failed, the key was rejected or cannot be used, or a bug).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from encodings_app.bitmovin import BitmovinError, RateLimitedError
from encodings_app.models import Organization, SyncRun

# Without a hint from the API, a 429 means "wait one minute".
DEFAULT_PAUSE_SECONDS = 60.0


@dataclass(frozen=True)
class PartFailure:
    """A part of a run that could not be read, named as the run's record says it, and why."""

    part: str
    error: BitmovinError


def record_outcome(
    organization: Organization,
    run: SyncRun,
    *,
    parts_done: int,
    failed: Sequence[PartFailure],
    skipped: Sequence[BitmovinError] = (),
) -> None:
    """Record how a run whose parts each succeeded or failed ended (see the module's docstring)."""
    if not failed:
        record_success(organization, run, skipped=skipped)
        return
    limits = [failure.error for failure in failed if isinstance(failure.error, RateLimitedError)]
    if limits:
        record_rate_limit(organization, run, max(limits, key=lambda error: error.retry_after or 0.0))
    elif parts_done:
        record_partial(organization, run, failed=failed)
    else:
        record_failure(organization, run, error=failed[-1].error)
    run.error_message = f"{_missed(failed)}. {run.error_message}"[:2000]


def record_success(
    organization: Organization, run: SyncRun, *, skipped: Sequence[BitmovinError] = ()
) -> None:
    """The run did its work; `skipped` are status reads that failed and wait for the next run."""
    now = timezone.now()
    run.outcome = SyncRun.Outcome.OK
    if skipped:
        _copy_error(run, skipped[-1])
        run.error_message = f"{len(skipped)} status read(s) failed and wait for the next run; the last: " + (
            run.error_message
        )
    Organization.objects.filter(pk=organization.pk).update(
        last_sync_succeeded_at=now,
        consecutive_failures=0,
        consecutive_partial_syncs=0,
        sync_paused_until=None,
    )


def record_partial(organization: Organization, run: SyncRun, *, failed: Sequence[PartFailure]) -> None:
    """Some parts were read, others wait for the next run: the sync works, but says what it missed."""
    now = timezone.now()
    run.outcome = SyncRun.Outcome.PARTIAL
    _copy_error(run, failed[-1].error)
    Organization.objects.filter(pk=organization.pk).update(
        last_sync_succeeded_at=now,
        consecutive_failures=0,
        consecutive_partial_syncs=F("consecutive_partial_syncs") + 1,
        sync_paused_until=None,
        **_last_error(run, failed[-1].error),
    )


def record_rate_limit(organization: Organization, run: SyncRun, error: RateLimitedError) -> None:
    """The run stopped on a rate limit: recorded on the run with the API's words (or our budget's), and on
    the organization with when it happened (the pages warn while it is recent) and until when it pauses."""
    now = timezone.now()
    pause = error.retry_after if error.retry_after is not None else DEFAULT_PAUSE_SECONDS
    run.outcome = SyncRun.Outcome.RATE_LIMITED
    _copy_error(run, error)
    # Not a failure: the work done so far is kept and the next sweep after the pause carries on.
    Organization.objects.filter(pk=organization.pk).update(
        sync_paused_until=now + timedelta(seconds=pause), rate_limited_at=now
    )


def record_failure(
    organization: Organization,
    run: SyncRun,
    *,
    error: BitmovinError | None = None,
    message: str = "",
    key_rejected: bool = False,
) -> None:
    run.outcome = SyncRun.Outcome.FAILED
    if error is not None:
        _copy_error(run, error)
    else:
        run.error_message = message
    updates = _last_error(run, error)
    if key_rejected:
        updates["key_rejected"] = True
    Organization.objects.filter(pk=organization.pk).update(
        consecutive_failures=F("consecutive_failures") + 1, **updates
    )


def _copy_error(run: SyncRun, error: BitmovinError) -> None:
    run.error_code = error.code
    run.error_message = (error.message or type(error).__name__)[:2000]
    run.error_request_id = error.request_id or ""


def _last_error(run: SyncRun, error: BitmovinError | None) -> dict:
    return {
        "last_error_at": timezone.now(),
        "last_error_code": run.error_code,
        "last_error_http_status": error.http_status if error is not None else None,
        "last_error_message": run.error_message,
        "last_error_request_id": run.error_request_id,
    }


def _missed(failed: Sequence[PartFailure]) -> str:
    parts = ", ".join(dict.fromkeys(failure.part for failure in failed))
    return f"Not read, left for the next run: {parts}"
