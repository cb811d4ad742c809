"""The sweep: which organizations to sync now, within each API key's budget (arithmetic: sync_planner.py).

What the planner needs is read in one query (plus one count when a walk of every encoding is due):
- who may sync: a usable key, syncing on, not paused by a rate limit, no run holding the lease;
- who shares a budget: the fingerprint of the decrypted key and base URL (computed here, never stored);
- what a sync costs: the calls of the organization's last successful incremental run (SyncRun.api_calls),
  or a first guess; and the pages of a walk of every encoding when one is due;
- what is likely to have changed: encodings active in the mirror, a verified webhook in the last few
  minutes, or a wall screen showing the organization (display links stamp when they were last seen).
  Signed-in pages leave no trace cheap enough to read here, so they do not count;
- whose webhooks work: registered by the dashboard and signed with the current secret;
- what each key has committed: its calls in the limiter's current span (key_budget.py; the API's own count
  when its x-ratelimit-* headers say more) plus the estimated cost of every sync planned and not yet finished
  (the "queued" mark, which the sync task clears at its end); and the list pages planned for walks of every
  encoding in the same span (counted here, in slots like the limiter's), which may take only their share.

A run whose worker was killed never clears its mark. Its lease tells: once the run has started and no live
run holds the lease any more, the mark is dropped and the organization planned again; a planned run never
started (its message lost with the broker) holds the mark until it expires.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, JSONField, OuterRef, Subquery
from django.utils import timezone

from encodings_app.models import DisplayToken, Encoding, EncodingTally, Organization, SyncRun, WebhookDelivery
from encodings_app.services import key_budget, sync
from encodings_app.services.clients import KeyUnavailable, budget_fingerprint
from encodings_app.services.ratelimit import SLOTS, SlidingCount
from encodings_app.services.sync_planner import (
    UNKNOWN_WALK_PAGES,
    Cadence,
    Candidate,
    Planned,
    SyncCost,
    plan,
)
from encodings_app.services.webhooks import VERIFIED_VERDICTS

logger = logging.getLogger(__name__)

# "Queued" marks: a sync planned for the organization and not yet finished. The value is its planned cost.
QUEUED_KEY_PREFIX = "sync:queued:"
# One sweep at a time: two at once would each see the room the other is about to take.
SWEEP_LOCK_KEY = "sync:sweep-lock"
SWEEP_LOCK_SECONDS = 30
# A delivery this recent says the organization is changing now.
RECENT_WEBHOOK = timedelta(minutes=5)
# Display links stamp at most once a minute while a screen shows them (display_link_seen).
SCREEN_WATCHING = timedelta(minutes=3)
# A sync never seen yet: its active and changed lists, and the watermark lists once it has synced.
FIRST_GUESS = SyncCost(list_calls=4, status_calls=0)
LIST_PAGE = sync.PAGE_SIZE


def sweep(*, enqueue: Callable[[Planned], None], now: datetime | None = None) -> list[Planned]:
    """Plan the syncs that are due within their keys' budgets, mark each queued and hand it to `enqueue`;
    returns what was enqueued."""
    if not cache.add(SWEEP_LOCK_KEY, 1, timeout=SWEEP_LOCK_SECONDS):
        logger.info("sweep skipped: another sweep is planning")
        return []
    try:
        return _sweep(enqueue, now or timezone.now())
    finally:
        cache.delete(SWEEP_LOCK_KEY)


def sync_finished(organization_id: int, *, list_calls: int | None = None) -> None:
    """The sync planned for the organization is over: its calls are now counted by the limiter alone. With
    the `list_calls` it made, the pages planned for its walk and not walked are given back to the walks'
    share (a first walk is planned at the whole share, not knowing how many pages it takes)."""
    try:
        mark = cache.get(queued_key(organization_id))
        cache.delete(queued_key(organization_id))
        if list_calls is not None and isinstance(mark, dict) and mark.get("walk") and mark.get("key"):
            unused = min(int(mark["walk"]), int(mark.get("list", 0)) - list_calls)
            if unused > 0:
                walk_pages(mark["key"]).give_back(unused, at=float(mark["at"]))
    except Exception as exc:
        # The cache is down: the mark goes with it or expires, and the sweep drops a dead run's mark anyway.
        logger.warning(
            "the queued mark of organization %s stays: the cache failed (%s)",
            organization_id,
            type(exc).__name__,
        )


def queued_key(organization_id: int) -> str:
    return f"{QUEUED_KEY_PREFIX}{organization_id}"


def cadence() -> Cadence:
    window = key_budget.window_seconds()
    return Cadence(
        interval=float(settings.SYNC_INTERVAL_SECONDS),
        safety_net=float(settings.SYNC_SAFETY_NET_SECONDS),
        # The limiter's check spans SLOTS + 2 slots of the window: plan over the same span.
        span=window * (SLOTS + 2) / SLOTS,
    )


def sweep_budget() -> SyncCost:
    """What background syncs may spend per key and span: each endpoint's limit less the headroom and the
    interactive reserve."""
    return SyncCost(
        list_calls=key_budget.budget_for(key_budget.LIST_ENDPOINT).background,
        status_calls=key_budget.budget_for(key_budget.STATUS_ENDPOINT).background,
    )


def _sweep(enqueue: Callable[[Planned], None], now: datetime) -> list[Planned]:
    organizations = list(_organizations(now))
    fingerprints = _fingerprints(organizations)
    queued = cache.get_many([queued_key(o.pk) for o in organizations])
    committed: dict[str, SyncCost] = {key: _spent(key) for key in set(fingerprints.values())}
    candidates = []
    abandoned = []
    for organization in organizations:
        key = fingerprints.get(organization.pk)
        if key is None:
            continue
        planned = queued.get(queued_key(organization.pk))
        if planned is not None and _run_died(planned, organization, now):
            abandoned.append(queued_key(organization.pk))
            planned = None
        if planned is not None:
            committed[key] += _as_cost(planned)
            continue
        if _lease_held(organization, now):
            continue  # a run started by hand (sync_org): it will be seen in the spend
        candidates.append(_candidate(organization, key, now))
    if abandoned:
        cache.delete_many(abandoned)
    candidates = _with_walk_pages(candidates, organizations)
    chosen = plan(
        candidates,
        budgets=dict.fromkeys(committed, sweep_budget()),
        committed=committed,
        walks_committed={key: walk_pages(key).used() for key in committed},
        cadence=cadence(),
    )
    enqueued = []
    timeout = settings.CELERY_TASK_TIME_LIMIT + 4 * settings.SYNC_INTERVAL_SECONDS
    for planned in chosen:
        mark = {
            "list": planned.cost.list_calls,
            "status": planned.cost.status_calls,
            "at": now.timestamp(),
            "walk": planned.full_pass_allowance or 0,
            "key": planned.key,
        }
        if cache.add(queued_key(planned.organization_id), mark, timeout=timeout):
            if planned.full_pass_allowance:
                walk_pages(planned.key).add(planned.full_pass_allowance, at=now.timestamp())
            enqueue(planned)
            enqueued.append(planned)
    return enqueued


def walk_pages(key: str) -> SlidingCount:
    """The list pages planned for walks of every encoding with the key, over the limiter's span."""
    return SlidingCount(f"sweep-walk-pages:{key}", window_seconds=key_budget.window_seconds())


def _organizations(now: datetime):
    last_incremental = (
        SyncRun.objects.filter(
            organization=OuterRef("pk"), outcome=SyncRun.Outcome.OK, kind=SyncRun.Kind.INCREMENTAL
        )
        .order_by("-started_at")
        .values("api_calls")[:1]
    )
    active = Encoding.objects.filter(organization=OuterRef("pk")).live().active()
    webhook = WebhookDelivery.objects.filter(
        organization=OuterRef("pk"), verdict__in=VERIFIED_VERDICTS, received_at__gte=now - RECENT_WEBHOOK
    )
    screen = DisplayToken.objects.filter(
        organizations=OuterRef("pk"), revoked_at__isnull=True, last_seen_at__gte=now - SCREEN_WATCHING
    )
    return (
        sync.syncable_organizations(now)
        .annotate(
            last_calls=Subquery(last_incremental, output_field=JSONField()),
            has_active=Exists(active),
            webhook_recently=Exists(webhook),
            watched=Exists(screen),
        )
        .order_by("pk")
    )


def _fingerprints(organizations: list[Organization]) -> dict[int, str]:
    found = {}
    for organization in organizations:
        try:
            found[organization.pk] = budget_fingerprint(organization)
        except KeyUnavailable:
            # The key cannot be used (and is marked so when undecryptable): nothing to plan for it.
            continue
    return found


def _spent(key: str) -> SyncCost:
    budget = key_budget.ApiBudget(key)
    return SyncCost(
        list_calls=budget.used(key_budget.LIST_ENDPOINT), status_calls=budget.used(key_budget.STATUS_ENDPOINT)
    )


def _lease_held(organization: Organization, now: datetime) -> bool:
    expires = organization.sync_lease_expires_at
    return expires is not None and expires > now


def _run_died(mark, organization: Organization, now: datetime) -> bool:
    """The run this mark planned has started (the organization's last start is not older than the mark),
    and no live run holds the lease: it ended without clearing the mark, as a killed worker's does."""
    queued_at = mark.get("at") if isinstance(mark, dict) else None  # marks from before they carried it
    started = organization.last_sync_started_at
    if queued_at is None or started is None or started.timestamp() < queued_at:
        return False
    return not _lease_held(organization, now)


def _as_cost(mark) -> SyncCost:
    if not isinstance(mark, dict):  # a mark from before marks carried costs
        return FIRST_GUESS
    return SyncCost(list_calls=int(mark.get("list", 0)), status_calls=int(mark.get("status", 0)))


def _candidate(organization: Organization, key: str, now: datetime) -> Candidate:
    started = organization.last_sync_started_at
    return Candidate(
        organization_id=organization.pk,
        key=key,
        cost=estimated_cost(organization.last_calls),
        waited=None if started is None else max(0.0, (now - started).total_seconds()),
        likely_changed=organization.has_active or organization.webhook_recently or organization.watched,
        webhooks_working=organization.webhooks_working,
        full_pass_pages=0 if sync.full_pass_due(organization) else None,
    )


def estimated_cost(last_calls: dict | None) -> SyncCost:
    """An incremental sync's cost, from the calls of the last one (by endpoint key), or a first guess."""
    if not last_calls:
        return FIRST_GUESS
    return SyncCost(
        list_calls=max(2, int(last_calls.get(key_budget.LIST_ENDPOINT, 0))),
        status_calls=int(last_calls.get(key_budget.STATUS_ENDPOINT, 0)),
    )


def _with_walk_pages(candidates: list[Candidate], organizations: list[Organization]) -> list[Candidate]:
    """Fill in the list pages of the walks that are due: one per PAGE_SIZE encodings in the mirror, or, before
    the first walk has finished, as many as the planner allows (the mirror does not know yet)."""
    due = {c.organization_id for c in candidates if c.full_pass_pages is not None}
    if not due:
        return candidates
    walked = {o.pk for o in organizations if o.pk in due and o.last_full_sync_at is not None}
    counts = dict.fromkeys(walked, 0)
    tallies = EncodingTally.objects.filter(organization_id__in=walked)
    for organization_id, by_status in tallies.counts_by_organization_and_status().items():
        counts[organization_id] = sum(by_status.values())
    return [
        replace(c, full_pass_pages=_walk_pages(counts.get(c.organization_id)))
        if c.organization_id in due
        else c
        for c in candidates
    ]


def _walk_pages(encodings: int | None) -> int:
    if encodings is None:
        return UNKNOWN_WALK_PAGES
    return math.ceil(encodings / LIST_PAGE) + 1
