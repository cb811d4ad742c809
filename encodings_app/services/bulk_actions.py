"""Bulk actions: plan one action for many encodings, record it as a job, and send it encoding by encoding.

Planning reads the selection (the chosen ids, or every encoding matching the list's filter, through the
list's own form and selector), caps it at BULK_LIMIT, and says per status what will happen, by the action
registry's ``offered_for``: "14 running and 3 queued will be stopped; 5 finished cannot be stopped and are
left alone". Creating the job writes the job and one item per encoding in one transaction (those the action
is not offered for as skipped), and queues its run once that commits.

The run (bulk_job_run, from the Celery task bulk.run) claims one waiting item at a time with a conditional
UPDATE (waiting -> sending): a task delivered twice, or two workers, never send one encoding's call twice.
Each call goes through the action service's pieces (services/actions.py), so the pending mark, the fresh
read and the one audit entry per encoding are those of a single action; the item's outcome is written in
the same transaction as the audit entry. A rate limit (the key's budget or Bitmovin's 429) refused the call
before anything happened: the item goes back to waiting, and the run asks to be queued again after the
wait. An item still ``sending`` once no worker can still be sending it (SENDING_LOST_SECONDS, past the
task's hard time limit) lost its worker mid-call: it is never sent again, but marked unknown, with a fresh
read of the encoding queued so that its page and the mirror say what happened.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict
from django.utils import timezone

from encodings_app import access
from encodings_app.forms import EncodingFilterForm, list_querystring
from encodings_app.models import BulkItem, BulkJob, Encoding, EncodingStatus, Organization
from encodings_app.selectors.encodings import filtered_encodings
from encodings_app.services.action_outcomes import ActionOutcome
from encodings_app.services.action_registry import ACTIONS, ActionSpec
from encodings_app.services.actions import (
    ActionDeferred,
    encoding_action_record,
    encoding_action_send,
)
from encodings_app.services.audit import Outcome, audit_record
from encodings_app.services.refresh_outbox import refresh_request

logger = logging.getLogger(__name__)

# The actions that may be asked for in bulk, in the order the list offers them.
BULK_ACTIONS = ("stop", "delete", "reprioritize")
# At most this many encodings per job: a larger selection is refused with a message, not cut silently.
BULK_LIMIT = 1_000
# The task's hard time limit (tasks.py) and a margin: an item sending for longer has lost its worker.
BULK_TASK_TIME_LIMIT = 120
SENDING_LOST_SECONDS = BULK_TASK_TIME_LIMIT + 30
# How long one run sends before it hands over to a fresh task, so the queue it shares is not held long.
RUN_SECONDS = 15.0

State = BulkItem.State

# What an answered call makes of an item.
STATE_OF_OUTCOME: dict[ActionOutcome, str] = {
    ActionOutcome.ACCEPTED: State.DONE,
    ActionOutcome.ALREADY_QUEUED: State.DONE,
    ActionOutcome.REFUSED: State.REFUSED,
    ActionOutcome.KEY_REJECTED: State.REFUSED,
    ActionOutcome.INVALID: State.REFUSED,
    ActionOutcome.RATE_LIMITED: State.REFUSED,
    ActionOutcome.BITMOVIN_RATE_LIMITED: State.FAILED,
    ActionOutcome.UNCONFIRMED: State.UNKNOWN,
    ActionOutcome.NO_KEY: State.FAILED,
    ActionOutcome.FAILED: State.FAILED,
}


class BulkSelectionError(Exception):
    """The selection or the action cannot be planned; the message says why in plain words."""


@dataclass(frozen=True)
class StateLine:
    """How many of the selection are in one status, and whether the action is offered there."""

    status: str
    label: str
    count: int
    offered: bool


@dataclass
class BulkPlan:
    spec: ActionSpec
    arguments: dict[str, Any]
    selection: str
    filter_query: str
    offered: list[Encoding] = field(default_factory=list)
    left_alone: list[Encoding] = field(default_factory=list)
    lines: list[StateLine] = field(default_factory=list)
    # Chosen ids the organization does not hold (any more).
    missing: int = 0

    @property
    def total(self) -> int:
        return len(self.offered) + len(self.left_alone)

    @property
    def summary(self) -> str:
        """ "14 running and 3 queued will be stopped; 5 finished cannot be stopped and are left alone." """
        will = [line for line in self.lines if line.offered]
        wont = [line for line in self.lines if not line.offered]
        parts = []
        if will:
            parts.append(f"{_counted(will)} will be {_done(self.spec, self.arguments)}")
        if wont:
            left = sum(line.count for line in wont)
            parts.append(f"{_counted(wont)} cannot be {self.spec.done} and {_is_or_are(left)} left alone")
        return "; ".join(parts) + "." if parts else "Nothing is selected."


def _is_or_are(count: int) -> str:
    return "is" if count == 1 else "are"


def _counted(lines: list[StateLine]) -> str:
    words = [f"{line.count} {line.label.lower()}" for line in lines]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _done(spec: ActionSpec, arguments: dict[str, Any]) -> str:
    if spec.argument and spec.argument in arguments:
        return f"{spec.done} ({spec.argument} {arguments[spec.argument]})"
    return spec.done


def bulk_spec(action: str) -> ActionSpec:
    if action not in BULK_ACTIONS:
        raise BulkSelectionError(
            "Choose what to do with the selected encodings: stop, delete or reprioritize."
        )
    return ACTIONS[action]


def bulk_plan(
    *,
    organization: Organization,
    action: str,
    arguments: dict[str, Any] | None = None,
    ids: list[str] | None = None,
    filter_query: str | None = None,
) -> BulkPlan:
    """What the action would do to the selection: the chosen ``ids``, or, when ``filter_query`` is given
    (the list's query string), every encoding the list shows for it. Raises BulkSelectionError."""
    spec = bulk_spec(action)
    arguments = dict(arguments or {})
    encodings = organization.encodings.live()
    if filter_query is not None:
        query = list_querystring(filter_query)
        filters = EncodingFilterForm(QueryDict(query)).filters()
        selected = list(filtered_encodings(organization, filters).order_by("pk")[: BULK_LIMIT + 1])
        selection, missing = BulkJob.Selection.FILTER, 0
        too_many = f"The filter matches more than {BULK_LIMIT:,} encodings"
    else:
        chosen = list(dict.fromkeys(value for value in ids or [] if value))
        if not chosen:
            raise BulkSelectionError("Select at least one encoding, or all that match the filter.")
        if len(chosen) > BULK_LIMIT:
            raise BulkSelectionError(
                f"{len(chosen):,} encodings are selected; one bulk action covers at most {BULK_LIMIT:,}."
            )
        selected = list(encodings.filter(bitmovin_id__in=chosen).order_by("pk"))
        selection, missing, query = BulkJob.Selection.IDS, len(chosen) - len(selected), ""
        too_many = ""
    if len(selected) > BULK_LIMIT:
        raise BulkSelectionError(
            f"{too_many}; one bulk action covers at most {BULK_LIMIT:,}. Narrow the filter (by status, "
            "label or time) and act on each part."
        )
    if not selected:
        raise BulkSelectionError(
            "None of the selected encodings is in the list any more."
            if missing
            else "No encodings match the filter, so there is nothing to do."
        )
    plan = BulkPlan(spec, arguments, selection, query, missing=missing)
    for encoding in selected:
        encoding.organization = organization
        (plan.offered if spec.offered_for(encoding) else plan.left_alone).append(encoding)
    plan.lines = _lines(spec, selected)
    return plan


def _lines(spec: ActionSpec, encodings: list[Encoding]) -> list[StateLine]:
    """Per status the selection holds, in the statuses' order; live and VOD apart where the action tells
    them apart (a live restart)."""
    labels = dict(EncodingStatus.choices)
    counts = Counter((encoding.effective_status, spec.offered_for(encoding)) for encoding in encodings)
    order = {status: index for index, status in enumerate(EncodingStatus.values)}
    return [
        StateLine(status, str(labels.get(status, status)), count, offered)
        for (status, offered), count in sorted(
            counts.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0])
        )
    ]


def bulk_job_create(*, organization: Organization, user: Any, plan: BulkPlan) -> BulkJob:
    """The job and its items, in one transaction; its run is queued once that commits."""
    now = timezone.now()
    with transaction.atomic():
        job = BulkJob.objects.create(
            organization=organization,
            user=user,
            username=user.get_username()[:150],
            action=plan.spec.key,
            arguments=plan.arguments,
            selection=plan.selection,
            filter_query=plan.filter_query,
            total=plan.total,
            skipped=len(plan.left_alone),
            created_at=now,
            finished_at=None if plan.offered else now,
        )
        items = [BulkItem(job=job, encoding=e, planned_status=e.effective_status) for e in plan.offered]
        items += [
            BulkItem(
                job=job,
                encoding=encoding,
                planned_status=encoding.effective_status,
                state=State.SKIPPED,
                message=_left_alone(plan.spec, encoding),
                finished_at=now,
            )
            for encoding in plan.left_alone
        ]
        BulkItem.objects.bulk_create(items)
        if plan.offered:
            _enqueue_after_commit(job.pk)
    logger.info(
        "bulk %s of %d encodings (%d left alone) in %s by %s: job %d",
        job.action,
        job.total,
        job.skipped,
        organization.slug,
        job.username,
        job.pk,
    )
    return job


def _left_alone(spec: ActionSpec, encoding: Encoding) -> str:
    status = dict(EncodingStatus.choices).get(encoding.effective_status, encoding.effective_status)
    return f"Left alone: it is {str(status).lower()}, and {spec.label.lower()} is not offered then."


def _enqueue_after_commit(job_id: int, countdown: float | None = None) -> None:
    def enqueue() -> None:
        # Looked up at call time: tasks import services, and tests replace it.
        from encodings_app import tasks

        tasks.bulk_job_enqueue(job_id, countdown=countdown)

    transaction.on_commit(enqueue, robust=True)


@dataclass(frozen=True)
class BulkRun:
    """What one run did: ``finished`` when no item is left to send; otherwise the run should be queued
    again after ``retry_after`` seconds."""

    finished: bool
    sent: int = 0
    retry_after: float = 0.0


def bulk_job_run(*, job_id: int, time_budget_seconds: float = RUN_SECONDS) -> BulkRun:
    """Send the job's waiting items until none is left, a rate limit says wait, or the time budget is
    spent. Safe to run twice, or side by side."""
    job = BulkJob.objects.select_related("organization__connection", "user").filter(pk=job_id).first()
    if job is None or job.finished:
        return BulkRun(finished=True)
    _settle_lost(job)
    # A job outlives its confirmation: an asker demoted or removed meanwhile must not go on acting through it.
    if not access.still_holds(job.user, job.organization, ACTIONS[job.action].needs):
        _refuse_waiting(job)
        return _finish_or_wait(job, 0)
    deadline = time.monotonic() + time_budget_seconds
    sent = 0
    while time.monotonic() < deadline:
        item = _claim(job)
        if item is None:
            break
        try:
            _send(job, item)
        except ActionDeferred as deferred:
            _release(item)
            logger.info("bulk job %d waits %.1f s for the key's rate limit", job.pk, deferred.retry_after)
            return BulkRun(finished=False, sent=sent, retry_after=deferred.retry_after)
        sent += 1
    return _finish_or_wait(job, sent)


def bulk_jobs_stalled(*, quiet_seconds: float) -> list[int]:
    """Unfinished jobs whose items wait while nothing of the job moved for ``quiet_seconds``: their run's
    message was lost (the broker restarted empty), or a rate limit's countdown outlived it."""
    since = timezone.now() - timedelta(seconds=quiet_seconds)
    moved = BulkItem.objects.filter(job=OuterRef("pk")).filter(
        Q(finished_at__gte=since) | Q(sending_since__gte=since)
    )
    waiting = BulkItem.objects.filter(job=OuterRef("pk"), state=State.WAITING)
    stalled = BulkJob.objects.filter(finished_at__isnull=True, created_at__lt=since).filter(
        Exists(waiting), ~Exists(moved)
    )
    return list(stalled.order_by("pk").values_list("pk", flat=True)[:100])


def _refuse_waiting(job: BulkJob) -> None:
    spec = ACTIONS[job.action]
    refused = BulkItem.objects.filter(job=job, state=State.WAITING).update(
        state=State.REFUSED,
        message=(
            f"Not sent: {job.username} may no longer {spec.verb} encodings in {job.organization.name}, "
            "so the rest of this job was called off."
        ),
        finished_at=timezone.now(),
    )
    if refused:
        logger.warning("bulk job %d: %d items called off, the asker's role is gone", job.pk, refused)


def _claim(job: BulkJob) -> BulkItem | None:
    """The job's next waiting item, now sending; None when there is none. Another worker's claim wins."""
    while True:
        candidate = (
            BulkItem.objects.filter(job=job, state=State.WAITING).order_by("pk").values_list("pk", flat=True)
        ).first()
        if candidate is None:
            return None
        claimed = BulkItem.objects.filter(pk=candidate, state=State.WAITING).update(
            state=State.SENDING, sending_since=timezone.now()
        )
        if claimed:
            item = BulkItem.objects.select_related("encoding").get(pk=candidate)
            item.encoding.organization = job.organization
            return item


def _release(item: BulkItem) -> None:
    """Back to waiting: nothing reached Bitmovin."""
    BulkItem.objects.filter(pk=item.pk, state=State.SENDING).update(state=State.WAITING, sending_since=None)


def _send(job: BulkJob, item: BulkItem) -> None:
    spec = ACTIONS[job.action]
    encoding = item.encoding
    if encoding.deleted_at is not None or not spec.offered_for(encoding):
        # The mirror moved on since the confirmation (another action, a sync): nothing is sent.
        status = "gone from Bitmovin" if encoding.deleted_at is not None else None
        message = f"Left alone: it is {status}." if status else _left_alone(spec, encoding)
        _settle(item, State.SKIPPED, message=message)
        return
    result = encoding_action_send(
        action=job.action, encoding=encoding, user=job.user, arguments=job.arguments
    )
    with transaction.atomic():
        settled = _settle(
            item,
            STATE_OF_OUTCOME[result.outcome],
            message=result.message,
            outcome=result.outcome,
            request_id=result.request_id,
        )
        if settled:
            encoding_action_record(
                action=job.action,
                encoding=encoding,
                user=job.user,
                result=result,
                arguments=job.arguments,
                note=f"Bulk job {job.pk}.",
            )


def _settle(item: BulkItem, state: str, *, message: str, outcome: str = "", request_id: str = "") -> bool:
    """The item's final state, if it is still the one claimed."""
    return bool(
        BulkItem.objects.filter(pk=item.pk, state=State.SENDING).update(
            state=state,
            message=message,
            outcome=str(outcome),
            request_id=request_id[:100],
            finished_at=timezone.now(),
        )
    )


LOST_WORDS = (
    "Not confirmed: the worker sending this {verb} stopped before Bitmovin's answer was recorded, so it was "
    "not sent again. A fresh read of the encoding was asked for; its status will tell whether it took effect."
)


def _settle_lost(job: BulkJob) -> None:
    """Items sending for longer than any worker may: their worker is gone. Never sent again."""
    cutoff = timezone.now() - timedelta(seconds=SENDING_LOST_SECONDS)
    lost = BulkItem.objects.filter(job=job, state=State.SENDING, sending_since__lt=cutoff)
    spec = ACTIONS[job.action]
    for item in lost.select_related("encoding"):
        message = LOST_WORDS.format(verb=spec.verb)
        with transaction.atomic():
            if not _settle(item, State.UNKNOWN, message=message, outcome=ActionOutcome.UNCONFIRMED):
                continue
            refresh_request(organization_id=job.organization_id, bitmovin_id=item.encoding.bitmovin_id)
            audit_record(
                action=spec.audit_action,
                user=job.user,
                organization=job.organization,
                outcome=Outcome.UNCONFIRMED,
                target=item.encoding.bitmovin_id,
                detail=f"Bulk job {job.pk}. The worker was lost while sending; not sent again.",
            )
        logger.warning("bulk job %d: item %d lost its worker while sending", job.pk, item.pk)


def _finish_or_wait(job: BulkJob, sent: int) -> BulkRun:
    open_items = BulkItem.objects.filter(job=job, state__in=(State.WAITING, State.SENDING))
    if not open_items.exists():
        BulkJob.objects.filter(pk=job.pk, finished_at__isnull=True).update(finished_at=timezone.now())
        return BulkRun(finished=True, sent=sent)
    if open_items.filter(state=State.WAITING).exists():
        return BulkRun(finished=False, sent=sent)
    # Only items another worker is sending (or lost): look again once they would count as lost.
    oldest = open_items.order_by("sending_since").values_list("sending_since", flat=True).first()
    wait = (
        SENDING_LOST_SECONDS
        if oldest is None
        else SENDING_LOST_SECONDS - (timezone.now() - oldest).total_seconds()
    )
    return BulkRun(finished=False, sent=sent, retry_after=max(1.0, wait + 1))
