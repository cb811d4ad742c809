"""What /metrics reads besides the database: the broker's queues, the schedule's heartbeat and the API keys'
request budgets, each from the state every process shares (the broker, the cache)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from dashboard.celery import app as celery_app
from encodings_app.models import Organization
from encodings_app.services import clients
from encodings_app.services.ratelimit import ApiBudget, budget_for
from encodings_app.services.schedule import schedule_state

# The endpoints a sync spends its budget on: the list (the tightest limit) and the status reads.
BUDGET_ENDPOINTS = ("GET /encoding/encodings", "GET /encoding/encodings/{id}/status")


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


@sensitive_variables()
def budget_left(organizations: Iterable[Organization]) -> dict[int, dict[str, int]]:
    """{organization id: {endpoint: calls left in the current window}} of each organization's API key,
    shared by the organizations that use the same key.

    Naming a key's budget needs the key itself, decrypted here in memory only (services/clients.py); an
    organization without a usable key has no budget to report.
    """
    left: dict[int, dict[str, int]] = {}
    by_fingerprint: dict[str, dict[str, int]] = {}
    for organization in organizations:
        if not organization.has_api_key or organization.key_unreadable:
            continue
        if clients.base_url_refusal(organization.api_base_url) is not None:
            continue
        try:
            fingerprint = clients.budget_fingerprint(organization)
        except clients.KeyUnavailable:
            continue
        if fingerprint not in by_fingerprint:
            budget = ApiBudget(fingerprint)
            by_fingerprint[fingerprint] = {
                endpoint: max(0, budget_for(endpoint) - budget.used(endpoint))
                for endpoint in BUDGET_ENDPOINTS
            }
        left[organization.pk] = by_fingerprint[fingerprint]
    return left
