"""What /metrics reads besides the database: the broker's queues, the schedule's and the processes' heartbeats
and the API keys' request budgets, each from the state every process shares (the broker, the cache)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from dashboard.celery import app as celery_app
from encodings_app.models import Organization
from encodings_app.services import clients
from encodings_app.services.key_budget import LIST_ENDPOINT, STATUS_ENDPOINT, ApiBudget, budget_for
from encodings_app.services.liveness import process_states
from encodings_app.services.schedule import schedule_state

# The endpoints a sync spends its budget on: the list (the tightest limit) and the status reads.
BUDGET_ENDPOINTS = (LIST_ENDPOINT, STATUS_ENDPOINT)


def queue_lengths() -> dict[str, int]:
    """Messages waiting in each of the project's queues, as the broker counts them (Redis: the queue's lists,
    one per priority; the filesystem broker: its message files)."""
    with celery_app.connection_for_read() as connection:
        connection.ensure_connection(max_retries=1, timeout=3)
        channel = connection.default_channel
        # Declaring an existing queue changes nothing and answers its length, on every transport.
        return {queue: channel.queue_declare(queue=queue).message_count for queue in settings.TASK_QUEUES}


def heartbeat_age_seconds() -> tuple[float, bool]:
    """Seconds since the schedule's heartbeat last ran (infinity when none was ever recorded), and whether
    the pages call the schedule late."""
    state = schedule_state()
    age = float(state.seconds_since) if state.last_run_at is not None else float("inf")
    return age, state.late


def process_heartbeats() -> dict[str, tuple[float, bool]]:
    """Per process kind ("beat", "worker:<queue>"): seconds since its last heartbeat (infinity when none
    was ever recorded), and whether it is up as the pages and /readyz judge it."""
    return {
        state.process: (float(state.seconds_since) if state.heard_at else float("inf"), not state.stopped)
        for state in process_states()
    }


@sensitive_variables()
def budget_left(organizations: Iterable[Organization]) -> dict[int, dict[tuple[str, str], int]]:
    """{organization id: {(endpoint, caller): calls left}} of each organization's API key in the sliding
    window that ends now: for background work (the sweep's syncs, refreshes) and for interactive calls,
    which may also use the share kept for operators (services/key_budget.py). Organizations with one key at
    one API share one budget.

    Naming a key's budget needs the key itself, decrypted here in memory only (services/clients.py); an
    organization without a usable key has no budget to report.
    """
    left: dict[int, dict[tuple[str, str], int]] = {}
    by_fingerprint: dict[str, dict[tuple[str, str], int]] = {}
    for organization in organizations:
        if not organization.has_api_key or organization.key_unreadable:
            continue
        if clients.base_url_refusal(organization.connection.api_base_url) is not None:
            continue
        try:
            fingerprint = clients.budget_fingerprint(organization)
        except clients.KeyUnavailable:
            continue
        if fingerprint not in by_fingerprint:
            by_fingerprint[fingerprint] = _left(ApiBudget(fingerprint))
        left[organization.pk] = by_fingerprint[fingerprint]
    return left


def _left(budget: ApiBudget) -> dict[tuple[str, str], int]:
    found = {}
    for endpoint in BUDGET_ENDPOINTS:
        used, limits = budget.used(endpoint), budget_for(endpoint)
        found[(endpoint, "background")] = max(0, limits.background - used)
        found[(endpoint, "interactive")] = max(0, limits.total - used)
    return found
