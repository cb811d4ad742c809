"""Recording how a sync ended, on the run and on the organization, for the pages to show."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from encodings_app.bitmovin import BitmovinError, RateLimitedError
from encodings_app.models import Organization, SyncRun

# Without a hint from the API, a 429 means "wait one minute".
DEFAULT_PAUSE_SECONDS = 60.0


def record_success(organization: Organization, run: SyncRun, *, skipped: list[BitmovinError] = ()) -> None:
    """The run did its work; `skipped` are status reads that failed and wait for the next run."""
    now = timezone.now()
    run.outcome = SyncRun.Outcome.OK
    if skipped:
        _copy_error(run, skipped[-1])
        run.error_message = f"{len(skipped)} status read(s) failed and wait for the next run; the last: " + (
            run.error_message
        )
    Organization.objects.filter(pk=organization.pk).update(
        last_sync_succeeded_at=now, consecutive_failures=0, sync_paused_until=None
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
    updates = {
        "last_error_at": timezone.now(),
        "last_error_code": run.error_code,
        "last_error_http_status": error.http_status if error is not None else None,
        "last_error_message": run.error_message,
        "last_error_request_id": run.error_request_id,
    }
    if key_rejected:
        updates["key_rejected"] = True
    Organization.objects.filter(pk=organization.pk).update(
        consecutive_failures=F("consecutive_failures") + 1, **updates
    )


def _copy_error(run: SyncRun, error: BitmovinError) -> None:
    run.error_code = error.code
    run.error_message = (error.message or type(error).__name__)[:2000]
    run.error_request_id = error.request_id or ""
