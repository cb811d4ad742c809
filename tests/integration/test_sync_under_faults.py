"""Syncs against the simulator over HTTP while 30 % of its answers are injected faults (500s, 502s and 503s,
429s, proxy pages, truncated and non-JSON bodies, dropped connections): most runs still succeed, and once the
faults stop, a run or two make the mirror match the API exactly.

The runs are called one after another as the sweep would start them (waiting out a rate limit's pause); what
is asserted are counts of runs, never times. The rate-limit window is 3 s on both sides, so an injected 429
pauses the organization for 3 s instead of 30.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from django.utils import timezone

from encodings_app.models import Organization, SyncRun
from encodings_app.services import sync
from tests.factories import make_organization
from tests.support.api_client import simulator_client
from tests.support.mirror_compare import mirror_differences
from tests.support.simulator import RunningSimulator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

FAULTS = "500=0.085,503=0.05,502=0.02,html=0.03,truncate=0.05,nonjson=0.04,drop=0.02,429=0.005"
RUNS = 20
WINDOW_SECONDS = 3
ACTIVE = ("QUEUED", "RUNNING")
SETTLE_SECONDS = 3 * 24 * 3600


@pytest.fixture
def simulator():
    # New encodings arrive every few seconds, so the runs have new and changing encodings to read.
    with RunningSimulator(
        encodings=150,
        seed=31,
        organizations=1,
        arrival_rate=900,
        args=["--rate-limit-window", str(WINDOW_SECONDS)],
    ) as running:
        yield running


@pytest.fixture(autouse=True)
def sped_up(settings):
    settings.BITMOVIN_RATE_WINDOW_SECONDS = WINDOW_SECONDS
    # A walk of every encoding is due every few runs, so deletions and the walk's cursor meet faults too.
    settings.FULL_SYNC_INTERVAL_SECONDS = 10


def sync_when_allowed(organization) -> SyncRun:
    """One run, started when the sweep would: not before the organization's rate-limit pause is over."""
    paused_until = Organization.objects.get(pk=organization.pk).sync_paused_until
    if paused_until is not None:
        time.sleep(max(0.0, (paused_until - timezone.now()).total_seconds()))
    run = sync.organization_sync(organization_id=organization.pk)
    assert run is not None
    return run


def test_most_runs_succeed_under_30_percent_faults_and_the_mirror_converges_once_they_stop(simulator):
    tenant = simulator.accounts()["accounts"][0]["organizations"][0]["id"]
    organization = make_organization(
        "acme", api_key=simulator.api_key, api_base_url=simulator.base_url, tenant_org_id=tenant
    )
    assert sync_when_allowed(organization).outcome == SyncRun.Outcome.OK
    with simulator_client(simulator, tenant) as api:
        gone = api.list_encodings(status="FINISHED", limit=1).items[0].id
        api.delete_encoding(gone)

    simulator.set_faults(FAULTS)
    began = time.monotonic()
    try:
        outcomes = Counter(sync_when_allowed(organization).outcome for _ in range(RUNS))
    finally:
        injected = simulator.control("GET", "faults")["injected"]
        simulator.clear_faults()
    elapsed = time.monotonic() - began

    succeeded = outcomes[SyncRun.Outcome.OK] + outcomes[SyncRun.Outcome.PARTIAL]
    print(
        f"\n{RUNS} runs under {FAULTS} in {elapsed:.0f} s: "
        + ", ".join(f"{outcome} {count}" for outcome, count in sorted(outcomes.items()))
        + f"; faults injected: {sum(injected.values())} {dict(sorted(injected.items()))}"
    )
    assert sum(injected.values()) >= RUNS, "the runs met faults"
    assert succeeded >= 0.6 * RUNS, outcomes
    assert outcomes[SyncRun.Outcome.FAILED] == 0, outcomes

    # The world holds still from here on: no arrivals, the simulator's clock past every planned end, and
    # what runs for ever (a live encoding) ended by hand.
    simulator.set_arrival_rate(0)
    simulator.advance(SETTLE_SECONDS)
    with simulator_client(simulator, tenant) as api:
        moving = [item.id for item in api.iter_encodings() if str(item.status) in ACTIVE]
        for encoding_id in moving:
            simulator.force_state(encoding_id, "FINISHED")
        converged_after = None
        for attempt in (1, 2):
            run = sync_when_allowed(organization)
            differences = mirror_differences(organization, api, replanned=moving)
            if run.outcome == SyncRun.Outcome.OK and not differences:
                converged_after = attempt
                break

    print(
        f"mirror matches the API after {converged_after} run(s) without faults ({len(moving)} ended by hand)"
    )
    assert converged_after is not None, differences[:20]
    organization.refresh_from_db()
    assert organization.consecutive_failures == 0
    assert organization.encodings.filter(bitmovin_id=gone, deleted_at__isnull=False).exists()
