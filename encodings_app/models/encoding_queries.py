"""What "live", "active", "stuck" and "failed since" mean for encodings, written once for every page, the
wall, the API and sync, and the plain-words explanation of a failure."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple, Self

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, When
from django.db.models.functions import Coalesce

from encodings_app.bitmovin import ErrorDetails, ErrorExplanation, explain_error_details
from encodings_app.models.choices import ACTIVE_STATUSES, FAILED_STATUSES, EncodingStatus

# What every list of encodings shows (the encodings list, the overview, the wall, the API's list), so that
# no row reads a deferred column. The heavy JSON columns (subtasks, custom data) stay in the database.
LIST_COLUMNS = (
    "organization_id",
    "bitmovin_id",
    "name",
    "type",
    "status",
    "progress",
    "eta_seconds",
    "cloud_region",
    "selected_cloud_region",
    "encoder_version",
    "selected_encoder_version",
    "labels",
    "created_at",
    "queued_at",
    "started_at",
    "running_at",
    "progress_changed_at",
    "status_synced_at",
    "finished_at",
    "error_at",
    "error_code",
    "error_category",
    "error_text",
    "error_retry_hint",
    "deleted_at",
    # The pending mark of an accepted action (Encoding.pending_mark), which every list shows.
    "pending_action",
    "pending_status",
    "pending_from",
    "pending_since",
)

# When an encoding failed: Bitmovin's error time, else (an older mirror row, a status read without it) the
# time it finished. Each failed encoding has exactly one, so every count and every window agrees.
FAILED_AT = Coalesce("error_at", "finished_at")


class StuckThresholds(NamedTuple):
    queued: timedelta
    no_progress: timedelta
    live_no_update: timedelta


def stuck_thresholds() -> StuckThresholds:
    """How long QUEUED, RUNNING without progress (VOD), and RUNNING without a status read (live) may last
    before an encoding counts as stuck."""
    return StuckThresholds(
        timedelta(seconds=settings.STUCK_QUEUED_SECONDS),
        timedelta(seconds=settings.STUCK_NO_PROGRESS_SECONDS),
        timedelta(seconds=settings.STUCK_LIVE_NO_UPDATE_SECONDS),
    )


# The last sign that a RUNNING encoding is moving (Encoding.moved_at in SQL). A VOD encoding moves when its
# progress does. A live one reports 0 % for as long as it runs, and Bitmovin's modifiedAt moves only at
# status transitions, so neither moves for a healthy stream; what does is the status Task that every sync
# reads for each active encoding (status_synced_at: the API confirmed it RUNNING then). A live stream whose
# status has gone unconfirmed that long has stopped answering as running, which is what an operator must see.
# running_at stands in until the first read.
MOVED_AT = Case(
    When(type="LIVE", then=Coalesce("status_synced_at", "running_at")),
    default=Coalesce("progress_changed_at", "running_at"),
)


class EncodingQuerySet(models.QuerySet):
    def live(self) -> Self:
        """Still listed by Bitmovin (a full sync marks the others deleted)."""
        return self.filter(deleted_at__isnull=True)

    def active(self) -> Self:
        return self.filter(status__in=ACTIVE_STATUSES)

    def stuck(self, now: datetime) -> Self:
        """Encoding.is_stuck in SQL, with ``stuck_since`` and ``progress_since`` (the last sign of movement,
        MOVED_AT) annotated for ordering."""
        limits = stuck_thresholds()
        running = Q(status=EncodingStatus.RUNNING)
        return self.annotate(
            stuck_since=Coalesce("queued_at", "started_at", "created_at"),
            progress_since=MOVED_AT,
        ).filter(
            Q(status=EncodingStatus.QUEUED, stuck_since__lt=now - limits.queued)
            | (running & Q(type="LIVE", progress_since__lt=now - limits.live_no_update))
            | (running & ~Q(type="LIVE") & Q(progress_since__lt=now - limits.no_progress))
        )

    def failed_since(self, since: datetime) -> Self:
        """Failed (ERROR, TRANSFER_ERROR) at or after ``since``; each row gets its ``failed_at``."""
        return self.filter(status__in=FAILED_STATUSES).alias(failed_at=FAILED_AT).filter(failed_at__gte=since)

    def failed_before(self, until: datetime) -> Self:
        """Failed (ERROR, TRANSFER_ERROR) before ``until``, by the same failure time as failed_since."""
        return (
            self.filter(status__in=FAILED_STATUSES)
            .alias(failed_until=FAILED_AT)
            .filter(failed_until__lt=until)
        )

    def for_list(self) -> Self:
        return self.only(*LIST_COLUMNS)


NO_DETAILS_YET = ErrorExplanation(
    code=None,
    known=False,
    category="Unknown",
    title="No error details read yet",
    meaning="These encodings failed, but their status with the error details has not been read yet.",
    what_to_do="Wait for the next sync, or ask for a fresh read of one of them in the dashboard.",
    retry_helps=None,
    doc_url="",
)


def explain_failure(code: int | None, category: str, text: str, hint: str) -> ErrorExplanation:
    """The plain-words explanation of a failure from an encoding's error fields (or a group's)."""
    if code is None and not category and not text:
        return NO_DETAILS_YET
    return explain_error_details(ErrorDetails(code, category or None, text or None, hint or None))
