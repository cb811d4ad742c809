"""A refresh retries what is transient (bitmovin.is_transient) with exponential backoff and jitter, a rate
limit after its Retry-After, and nothing else: what a retry cannot fix is given up at once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from encodings_app.bitmovin import (
    AuthenticationError,
    PermissionDeniedError,
    ProtocolError,
    ServerError,
    ServiceUnavailableError,
    TransportError,
    ValidationError,
)
from encodings_app.models import PendingRefresh
from encodings_app.services.refresh_outbox import (
    BACKOFF_MAX_SECONDS,
    refresh_drain,
    refresh_request,
    retry_delay,
)


def read_failing_with(error: Exception):
    def fail(**kwargs):
        raise error

    return fail


@pytest.mark.parametrize(
    "error",
    [
        ProtocolError("the API answered with a body that is not JSON (text/html)", http_status=200),
        ServerError("Undefined Error", http_status=500, code=1004),
        ServiceUnavailableError("bad gateway", http_status=502),
        TransportError("the connection to the API broke", kind="connection_lost"),
    ],
    ids=["malformed", "500", "502", "no-answer"],
)
def test_a_refresh_retries_transient_failures_malformed_answers_included(organization, enqueued, error):
    refresh_request(organization_id=organization.pk, bitmovin_id="enc-1")
    before = timezone.now()

    outcome = refresh_drain(time_budget_seconds=30, read=read_failing_with(error))

    assert outcome.retrying == 1
    pending = PendingRefresh.objects.get()
    assert before + timedelta(seconds=1) <= pending.next_attempt_at, (
        "the first retry after one to two seconds"
    )
    assert pending.next_attempt_at <= timezone.now() + timedelta(seconds=2)


@pytest.mark.parametrize(
    "error",
    [
        ValidationError("bad request", http_status=400, code=1001),
        AuthenticationError("authentication failed", http_status=401, code=1002),
        PermissionDeniedError("access denied", http_status=403, code=1003),
        ProtocolError("unexpected result shape", retryable=False),
    ],
    ids=["400", "401", "403", "wrong-shape"],
)
def test_a_refresh_does_not_retry_what_a_retry_cannot_fix(organization, enqueued, error):
    refresh_request(organization_id=organization.pk, bitmovin_id="enc-1")

    outcome = refresh_drain(time_budget_seconds=30, read=read_failing_with(error))

    assert (outcome.dropped, outcome.retrying) == (1, 0)
    assert enqueued == []


def test_retry_delays_grow_exponentially_with_jitter_up_to_the_cap():
    draws = [[retry_delay(attempts) for _ in range(200)] for attempts in range(1, 13)]

    for attempts, delays in enumerate(draws[:8], start=1):
        ceiling = 2**attempts
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays), attempts
        assert len(set(delays)) > 150, "jittered, so that refreshes failed together spread out"
    assert max(draws[-1]) <= BACKOFF_MAX_SECONDS
    assert min(draws[-1]) >= BACKOFF_MAX_SECONDS / 2, "never past the cap, and not far below it"
