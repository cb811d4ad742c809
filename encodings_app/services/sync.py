"""Keeping the mirror of an organization fresh, cheaply, inside the API's rate limits.

A steady-state run costs a handful of list calls and one status call per encoding that is active or whose
status changed:

1. list QUEUED and RUNNING encodings (what is active now);
2. list encodings finished since the finished-watermark (what stopped being active);
3. list encodings created since the created-watermark (what is new);
4. every FULL_SYNC_INTERVAL_SECONDS (and on the first run), walk every encoding oldest first, to catch
   deletions and anything the watermarks missed. The walk keeps a cursor, so a rate limit, or the end of
   the pages the sweep allowed this run (full_pass_allowance), only interrupts it: the next run goes on
   from there. A run allowed no pages (the key's share for walks is spent) reads what runs without a walk
   read, and leaves the walk to a later one;
5. read the status Task of every encoding that is active, or whose status changed since its Task was last
   read (its messages and error details), up to a per-run cap, active ones first.

Everything is an idempotent upsert, so a run repeated or interrupted at any point loses and duplicates
nothing. One run per organization at a time (lease.py). The sweep (sweep.py) plans runs within each API
key's budget; a rate limit all the same (the API's 429, or our own budget in key_budget.py) pauses only that
organization, by recording until when; the sweep skips it until then.

Each of the five parts above stands on its own. The client retries a failed read within its budget (every
error bitmovin.is_transient accepts); a part that still fails is recorded and skipped, and the others go on.
A watermark moves only when its walk completed and the walk of every encoding keeps its cursor, so the next
run reads what this one missed. A rate limit closes its endpoint for the rest of the run (asking again
before its retry_after would only be refused again); a rejected key ends the run. How a run with failed
parts ends (partial, rate limited, failed) is sync_state.py's to say.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from encodings_app.bitmovin import (
    AuthenticationError,
    BitmovinClient,
    BitmovinError,
    InvalidItemError,
    NotFoundError,
    RateLimitedError,
)
from encodings_app.bitmovin import types as api
from encodings_app.bitmovin.ids import is_valid_id
from encodings_app.models import ACTIVE_STATUSES, Encoding, Organization, SyncRun
from encodings_app.services import lease, mirror
from encodings_app.services.clients import KeyUnavailable, client_for
from encodings_app.services.key_budget import LIST_ENDPOINT
from encodings_app.services.sync_state import PartFailure, record_failure, record_outcome
from encodings_app.services.tallies import tallies_fold_if_long

logger = logging.getLogger(__name__)
T = TypeVar("T")

PAGE_SIZE = 100
# Re-read a little before each watermark: timestamps have one-second resolution and "newer than" is strict.
OVERLAP = timedelta(seconds=60)
# Status reads that may fail in one run before the run stops reading them: so many failures say the API is
# in trouble (the rest are read by the next run).
MAX_STATUS_ERRORS = 10

# The parts of a run, as its record names those it could not read.
FINISHED_PART = "encodings finished since the last run"
CREATED_PART = "encodings created since the last run"
WALK_ALL_PART = "the walk of every encoding"
STATUS_PART = "status Tasks"


def organization_sync(
    *, organization_id: int, full: bool = False, full_pass_allowance: int | None = None
) -> SyncRun | None:
    """Run one sync of the organization; None when another run holds it or it may not sync now.

    `full_pass_allowance` bounds the list pages a walk of every encoding may take in this run (None: no
    bound); the walk goes on from where it stopped in the next run.
    """
    token = lease.acquire(organization_id)
    if token is None:
        logger.info("sync of organization %s skipped: another run holds it", organization_id)
        return None
    try:
        organization = Organization.objects.select_related("connection").filter(pk=organization_id).first()
        if organization is None or not organization.can_sync:
            return None
        # Holding the lease, no other run can be alive: one still marked running died with its worker.
        SyncRun.objects.filter(organization=organization, outcome=SyncRun.Outcome.RUNNING).update(
            outcome=SyncRun.Outcome.FAILED,
            finished_at=timezone.now(),
            error_message="interrupted: the worker stopped before the run finished",
        )
        run = _run(organization, token=token, full=full, full_pass_allowance=full_pass_allowance)
        tallies_fold_if_long(organization_id)
        return run
    finally:
        lease.release(organization_id, token)


def _run(organization: Organization, *, token: str, full: bool, full_pass_allowance: int | None) -> SyncRun:
    full = full or full_pass_due(organization)
    run = SyncRun.objects.create(
        organization=organization, kind=SyncRun.Kind.FULL if full else SyncRun.Kind.INCREMENTAL
    )
    Organization.objects.filter(pk=organization.pk).update(last_sync_started_at=run.started_at)
    try:
        client = client_for(organization)
    except KeyUnavailable as exc:
        record_failure(organization, run, message=str(exc))
        run.finished_at = timezone.now()
        run.save()
        return run
    cycle = _Cycle(organization, client, run, token, full_pass_allowance=full_pass_allowance)
    try:
        with client:
            cycle.execute(full=full)
    except AuthenticationError as exc:
        record_failure(organization, run, error=exc, key_rejected=True)
    except Exception as exc:
        # A bug or a database failure: recorded for the pages, then raised for the worker's log.
        record_failure(organization, run, message=f"internal error: {type(exc).__name__}")
        raise
    else:
        record_outcome(
            organization, run, parts_done=cycle.parts_done, failed=cycle.failed, skipped=cycle.status_errors
        )
        _note_left_out(run, cycle.left_out)
    finally:
        run.api_calls = client.call_counts
        run.finished_at = timezone.now()
        run.save()
    logger.info(
        "sync of %s: %s, %d API calls, %d created, %d updated, %d messages, %d left out",
        organization.slug,
        run.outcome,
        run.total_api_calls,
        run.encodings_created,
        run.encodings_updated,
        run.messages_added,
        run.encodings_skipped,
    )
    return run


def _note_left_out(run: SyncRun, left_out: list[InvalidItemError]) -> None:
    """Say on a run's record that some encodings were left out, and why, for the pages."""
    if not left_out:
        return
    last = left_out[-1]
    note = (
        f"{len(left_out)} encoding(s) left out: Bitmovin gave them an id the dashboard cannot use; "
        f"the last: {last.message}"
    )
    run.error_message = f"{run.error_message} {note}".strip()
    if not run.error_request_id:
        run.error_request_id = last.request_id or ""


def full_pass_due(organization: Organization) -> bool:
    """The next run walks every encoding: the first one, one every FULL_SYNC_INTERVAL_SECONDS, and those
    after a walk that was interrupted, until it is done."""
    if organization.full_sync_started_at is not None or organization.last_full_sync_at is None:
        return True
    return timezone.now() - organization.last_full_sync_at > timedelta(
        seconds=settings.FULL_SYNC_INTERVAL_SECONDS
    )


class _Cycle:
    def __init__(
        self,
        organization: Organization,
        client: BitmovinClient,
        run: SyncRun,
        token: str,
        *,
        full_pass_allowance: int | None = None,
    ) -> None:
        self.organization = organization
        self.full_pass_allowance = full_pass_allowance
        self.client = client
        self.run = run
        self.token = token
        self.status_errors: list[BitmovinError] = []
        # List items the client left out for an unusable id: the run counts them and goes on without them.
        self.left_out: list[InvalidItemError] = []
        self.parts_done = 0
        self.failed: list[PartFailure] = []
        # Endpoints a rate limit closed for the rest of the run, by endpoint key.
        self.closed: dict[str, RateLimitedError] = {}

    def execute(self, *, full: bool) -> None:
        organization = self.organization
        # A walk the sweep gave no pages this run (its key's share for walks is spent) waits for a later one;
        # the run reads what a run without a walk reads.
        full = full and self.full_pass_allowance != 0
        for status in ACTIVE_STATUSES:
            self._part(f"{status} encodings", self._walk, status=str(status))
        if organization.finished_watermark is not None:
            since = organization.finished_watermark - OVERLAP
            result = self._part(FINISHED_PART, self._walk, finished_at_newer_than=since)
            if result is not None:
                self._advance("finished_watermark", result.newest_finished_at)
        if organization.created_watermark is not None and not full:
            since = organization.created_watermark - OVERLAP
            result = self._part(CREATED_PART, self._walk, created_at_newer_than=since)
            if result is not None:
                self._advance("created_watermark", result.newest_created_at)
        if full:
            self._part(WALK_ALL_PART, self._full_pass)
        # Even when the list endpoint is closed: the status endpoint has a budget of its own.
        self._part(STATUS_PART, self._read_status_tasks)

    def _part(self, name: str, work: Callable[..., T], **arguments: object) -> T | None:
        """Do one part of the run; when it fails, record it and return None so the next part goes on.

        A rejected key is no part's failure: it ends the run.
        """
        try:
            result = work(**arguments)
        except AuthenticationError:
            raise
        except BitmovinError as exc:
            if isinstance(exc, RateLimitedError) and exc.endpoint:
                self.closed.setdefault(exc.endpoint, exc)
            self.failed.append(PartFailure(name, exc))
            logger.warning(
                "sync of %s: %s not read, left for the next run: %s", self.organization.slug, name, exc
            )
            return None
        self.parts_done += 1
        return result

    def _part_failed(self, name: str) -> bool:
        return any(failure.part == name for failure in self.failed)

    def _walk(self, **filters) -> mirror.UpsertResult:
        total = mirror.UpsertResult()
        for page in self._pages(**filters):
            self._count(mirror.upsert_encodings(self.organization, page.items), into=total)
        return total

    def _pages(self, *, offset: int = 0, **filters) -> Iterator[api.Page]:
        while True:
            page = self._list(offset=offset, limit=PAGE_SIZE, **filters)
            yield page
            # Left-out items took their place on the page: count them, or a full page would look like the end.
            if page.received < PAGE_SIZE:
                return
            offset += page.received

    def _list(self, **arguments) -> api.Page:
        closed = self.closed.get(LIST_ENDPOINT)
        if closed is not None:
            # Asking before its retry_after would only be refused again, and count against the key.
            raise closed
        page = self.client.list_encodings(**arguments)
        lease.renew(self.organization.pk, self.token)
        for error in page.skipped:
            self.left_out.append(error)
            self.run.encodings_skipped += 1
            # The client logged the item with the request id; this line says which organization it was.
            logger.warning("sync of %s left an encoding out: %s", self.organization.slug, error)
        return page

    def _count(self, result: mirror.UpsertResult, *, into: mirror.UpsertResult) -> None:
        self.run.encodings_created += result.created
        self.run.encodings_updated += result.updated
        into.newest_created_at = mirror.latest(into.newest_created_at, result.newest_created_at)
        into.newest_finished_at = mirror.latest(into.newest_finished_at, result.newest_finished_at)

    def _advance(self, field: str, value: datetime | None) -> None:
        current = getattr(self.organization, field)
        if value is not None and (current is None or value > current):
            setattr(self.organization, field, value)
            Organization.objects.filter(pk=self.organization.pk).update(**{field: value})

    # --- status Tasks ---------------------------------------------------------------------------------------

    def _read_status_tasks(self) -> None:
        """Active encodings first, then those whose status changed since their Task was read, up to a cap.

        Fails as a part when too many reads fail, or when every read it tried failed.
        """
        live = self.organization.encodings.live()
        active = live.active().order_by("-created_at")
        changed = live.filter(~Q(status=F("status_synced_for"))).exclude(status__in=ACTIVE_STATUSES)
        cap = settings.SYNC_MAX_STATUS_CALLS
        chosen = list(active[:cap])
        if len(chosen) < cap:
            chosen += list(changed.order_by("-created_at")[: cap - len(chosen)])
        read = 0
        for encoding in chosen:
            if not is_valid_id(encoding.bitmovin_id):
                # A row stored before ids were checked: its id cannot be put into the status path safely.
                # Lists no longer yield it, so the next full pass marks it gone.
                self.run.encodings_skipped += 1
                logger.warning(
                    "sync of %s: no status read for a stored encoding with an unusable id (pk %s)",
                    self.organization.slug,
                    encoding.pk,
                )
                continue
            try:
                self.run.messages_added += encoding_status_sync(client=self.client, encoding=encoding)
                read += 1
            except (RateLimitedError, AuthenticationError):
                raise
            except BitmovinError as exc:
                # One encoding whose status cannot be read must not hold up all the others; when many
                # fail, the API is in trouble and the run stops reading Tasks.
                self.status_errors.append(exc)
                logger.warning("status of %s could not be read: %s", encoding.bitmovin_id, exc)
                if len(self.status_errors) >= MAX_STATUS_ERRORS:
                    raise
            lease.renew(self.organization.pk, self.token)
        if self.status_errors and not read:
            raise self.status_errors[-1]

    # --- full reconciliation --------------------------------------------------------------------------------

    def _full_pass(self) -> None:
        organization = self.organization
        if organization.full_sync_started_at is None:
            organization.full_sync_started_at = timezone.now()
            organization.full_sync_cursor = None
            Organization.objects.filter(pk=organization.pk).update(
                full_sync_started_at=organization.full_sync_started_at, full_sync_cursor=None
            )
        offset = 0
        pages = 0
        while True:
            if self.full_pass_allowance is not None and pages >= self.full_pass_allowance:
                # The sweep planned this many pages for this run; the cursor keeps the place for the next.
                logger.info("full sync of %s: %d pages this run, going on next run", organization.slug, pages)
                return
            pages += 1
            cursor = organization.full_sync_cursor
            page = self._list(
                offset=offset,
                limit=PAGE_SIZE,
                sort="createdAt:asc",
                created_at_newer_than=cursor - timedelta(seconds=1) if cursor else None,
            )
            result = mirror.upsert_encodings(organization, page.items)
            mirror.mark_seen(organization, [item.id for item in page.items])
            self._count(result, into=mirror.UpsertResult())
            if organization.finished_watermark is not None and not self._part_failed(FINISHED_PART):
                # Moved past what this run's failed walk of finished encodings missed, the watermark would
                # leave those encodings unread until the walk of every encoding reached them. A first walk
                # sets it once done (_finish_full_pass): set from its first, oldest pages, it would have the
                # runs between the pieces of a walk the sweep cut list most of the history as "finished
                # since", pages nobody planned for.
                self._advance("finished_watermark", result.newest_finished_at)
            newest = result.newest_created_at
            if page.received < PAGE_SIZE:
                break
            # Keyset paging on createdAt survives deletions between pages; when a whole page shares one
            # second the cursor cannot move, so step over that page by offset instead.
            if newest is not None and (cursor is None or newest > cursor):
                organization.full_sync_cursor = newest
                Organization.objects.filter(pk=organization.pk).update(full_sync_cursor=newest)
                offset = 0
            else:
                offset += page.received
        self._finish_full_pass(newest)

    def _finish_full_pass(self, newest_created: datetime | None) -> None:
        organization = self.organization
        started = organization.full_sync_started_at
        gone = (
            organization.encodings.live()
            .filter(last_seen_at__lt=started, first_seen_at__lt=started)
            .update(deleted_at=timezone.now())
        )
        if gone:
            mirror.bump_data_version(organization.pk)
            logger.info("full sync of %s: %d encodings no longer in the API", organization.slug, gone)
        self._advance("created_watermark", newest_created or started)
        if organization.finished_watermark is None:
            self._advance("finished_watermark", started)
        organization.last_full_sync_at = timezone.now()
        organization.full_sync_started_at = None
        organization.full_sync_cursor = None
        Organization.objects.filter(pk=organization.pk).update(
            last_full_sync_at=organization.last_full_sync_at, full_sync_started_at=None, full_sync_cursor=None
        )


def encoding_status_sync(*, client: BitmovinClient, encoding: Encoding) -> int:
    """Read one encoding's status Task into the mirror; returns the number of new messages."""
    try:
        task = client.get_encoding_status(encoding.bitmovin_id)
    except NotFoundError:
        if Encoding.objects.filter(pk=encoding.pk).live().update(deleted_at=timezone.now()):
            mirror.bump_data_version(encoding.organization_id)
        return 0
    return mirror.apply_task(encoding, task)


def encoding_sync(*, organization_id: int, bitmovin_id: str) -> Encoding | None:
    """Read one encoding and its status Task now (after a webhook, or when a page asks for it).

    An encoding Bitmovin no longer has is marked deleted; any other failure is raised as the client's
    BitmovinError, and bitmovin.is_transient says whether trying again later can help.
    """
    if not is_valid_id(bitmovin_id):
        # Only a row stored before ids were checked can name one; the API is never asked about it.
        logger.warning(
            "refresh of an encoding with an unusable id refused (organization %s)", organization_id
        )
        return None
    organization = Organization.objects.select_related("connection").filter(pk=organization_id).first()
    if organization is None or not organization.can_sync:
        return None
    try:
        client = client_for(organization)
    except KeyUnavailable:
        return None
    with client:
        try:
            item = client.get_encoding(bitmovin_id)
        except NotFoundError:
            gone = organization.encodings.live().filter(bitmovin_id=bitmovin_id)
            if gone.update(deleted_at=timezone.now()):
                mirror.bump_data_version(organization.pk)
            return None
        mirror.upsert_encodings(organization, [item])
        encoding = Encoding.objects.get(organization=organization, bitmovin_id=bitmovin_id)
        encoding_status_sync(client=client, encoding=encoding)
    encoding.refresh_from_db()
    return encoding


def syncable_organizations(now: datetime | None = None) -> QuerySet[Organization]:
    """The organizations a sweep may sync: with a usable key, syncing on, and not paused by a rate limit."""
    now = now or timezone.now()
    return (
        Organization.objects.filter(sync_enabled=True, key_rejected=False, key_unreadable=False)
        .filter(connection__isnull=False)
        .exclude(connection__api_key_encrypted="")
        .select_related("connection")
        .filter(Q(sync_paused_until__isnull=True) | Q(sync_paused_until__lte=now))
    )
