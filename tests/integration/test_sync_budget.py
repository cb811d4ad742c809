"""Organizations sharing one API key against the simulator's per-key limits, with time sped up twenty times:
the simulator's rate-limit window and the dashboard's are 3 s instead of a minute, lifecycles run 20 times
faster, and the sweep wishes each organization synced every 0.75 s (15 s at that speed, as the demo does).
A sync itself is not sped up (a second of it stands for twenty), so the bounds leave it room."""

from __future__ import annotations

import itertools
import time

import pytest

from encodings_app.bitmovin import RateLimitedError
from encodings_app.models import Role, SyncRun
from encodings_app.services.actions import encoding_action_perform
from encodings_app.services.clients import budget_fingerprint, client_for
from encodings_app.services.key_budget import LIST_ENDPOINT, ApiBudget, budget_for
from encodings_app.services.organizations import organization_test_connection
from tests.factories import make_member, make_organization
from tests.support.api_client import simulator_client
from tests.support.simulator import RunningSimulator
from tests.support.sweep_loop import SweepLoop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SPEED = 20
WINDOW_SECONDS = 3  # Bitmovin's minute, twenty times faster
LIST_LIMIT = 20  # per key and window, on both sides
QUARTER_OF_AN_HOUR = 15 * 60 / SPEED


@pytest.fixture
def simulator():
    with RunningSimulator(
        encodings=60,
        seed=17,
        organizations=2,
        speed=SPEED,
        arrival_rate=20,
        args=["--rate-limit-window", str(WINDOW_SECONDS)],
    ) as running:
        running.set_rate_limits(enabled=True, limits={LIST_ENDPOINT: LIST_LIMIT}, reset=True)
        yield running


@pytest.fixture(autouse=True)
def sped_up(settings):
    settings.BITMOVIN_RATE_WINDOW_SECONDS = WINDOW_SECONDS
    settings.BITMOVIN_KEY_LIMIT_PER_MINUTE = LIST_LIMIT
    settings.SYNC_INTERVAL_SECONDS = 15 / SPEED
    settings.SYNC_SAFETY_NET_SECONDS = 10
    settings.SYNC_BUDGET_HEADROOM = 0.1
    settings.INTERACTIVE_RESERVED_SHARE = 0.1


@pytest.fixture
def sharing(simulator):
    """The account's root organization and its sub-organization, both read with the simulator's one key."""
    tenants = simulator.accounts()["accounts"][0]["organizations"]
    return [
        make_organization(
            f"tenant-{index}",
            api_key=simulator.api_key,
            api_base_url=simulator.base_url,
            tenant_org_id=tenant["id"],
        )
        for index, tenant in enumerate(tenants[:2])
    ]


def test_two_organizations_sharing_a_key_stay_within_its_limit_and_neither_is_starved(
    simulator, sharing, monkeypatch
):
    assert len({budget_fingerprint(o) for o in sharing}) == 1, "one key, one budget"
    began = time.monotonic()
    with SweepLoop(monkeypatch, tick=0.1, workers=2):
        time.sleep(QUARTER_OF_AN_HOUR)
    elapsed = time.monotonic() - began

    assert simulator.stats()["rateLimited"] == 0, "the simulator never refused the key"
    runs = SyncRun.objects.order_by("started_at")
    assert not runs.filter(outcome=SyncRun.Outcome.RATE_LIMITED).exists(), "no rate limit, not even our own"
    assert not runs.filter(outcome=SyncRun.Outcome.FAILED).exists()
    spans = elapsed / (WINDOW_SECONDS * 14 / 12)
    background = budget_for(LIST_ENDPOINT).background
    list_calls = sum(run.api_calls.get(LIST_ENDPOINT, 0) for run in runs)
    assert list_calls >= 0.4 * background * spans, "the key was used, not left idle"
    counts = {o.slug: runs.filter(organization=o).count() for o in sharing}
    assert min(counts.values()) >= 10 and min(counts.values()) >= 0.4 * sum(counts.values()), counts
    for organization in sharing:
        started = [run.started_at for run in runs.filter(organization=organization)]
        longest = max((b - a).total_seconds() for a, b in itertools.pairwise(started))
        assert longest <= 2 * WINDOW_SECONDS, f"{organization.slug} waited {longest:.1f} s"


def test_an_operators_action_goes_through_while_the_sweep_uses_the_key(
    simulator, sharing, monkeypatch, enqueued
):
    acme = sharing[0]
    operator = make_member(acme, Role.OPERATOR)
    budget = ApiBudget(budget_fingerprint(acme))
    with SweepLoop(monkeypatch, tick=0.05, workers=2) as loop:
        running = wait_until(lambda: acme.encodings.live().filter(status="RUNNING").first(), timeout=20)
        simulator.force_state(running.bitmovin_id, "RUNNING", progress=30, stuck=True)
        # The sweep's share of the list endpoint is spent, as a busy sweep spends it (its next call is refused
        # at once), and the operator's calls must not mind.
        fill_background_share(budget)
        stopped = encoding_action_perform(action="stop", encoding=running, user=operator)
        connection = organization_test_connection(organization=acme, user=operator)
        # Even on the endpoint the sweep has spent, an operator's call uses the share kept for operators.
        fill_background_share(budget)
        with client_for(acme, interactive=True) as interactive:
            listed = interactive.list_encodings(limit=1)
        syncs = len(loop.enqueued)

    assert syncs >= 1, "the sweep was syncing"
    assert stopped.outcome == "accepted", stopped.message
    assert connection.ok
    assert len(listed.items) == 1
    assert simulator.stats()["rateLimited"] == 0
    with simulator_client(simulator, acme.tenant_org_id) as api:
        assert api.get_encoding(running.bitmovin_id).status == "CANCELED"
    assert enqueued == [(acme.pk, running.bitmovin_id)], "and a fresh read of it follows"


def fill_background_share(budget: ApiBudget) -> None:
    """Spend what is left of the background share, until a background call is refused."""
    while True:
        try:
            budget("GET", LIST_ENDPOINT)
        except RateLimitedError:
            return


def wait_until(condition, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    return None
