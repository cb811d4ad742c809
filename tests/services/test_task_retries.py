"""A refresh task retries what is transient (bitmovin.is_transient) with exponential backoff and jitter, never
waiting past the broker's visibility timeout whatever Bitmovin's Retry-After says, and nothing else."""

import pytest
from celery.exceptions import Retry

from encodings_app import tasks
from encodings_app.bitmovin import (
    AuthenticationError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitedError,
    ServerError,
    ServiceUnavailableError,
    TransportError,
    ValidationError,
)
from encodings_app.services import sync


@pytest.mark.parametrize(("retry_after", "expected"), [(30.0, 30.0), (3600.0, 300)])
def test_a_rate_limited_refresh_retries_after_retry_after_but_never_past_the_cap(
    monkeypatch, settings, retry_after, expected
):
    assert settings.TASK_MAX_RETRY_COUNTDOWN_SECONDS == 300

    def rate_limited(**kwargs):
        raise RateLimitedError("Too many requests", http_status=429, retry_after=retry_after)

    monkeypatch.setattr(sync, "encoding_sync", rate_limited)
    scheduled = {}

    def retry(*, exc, countdown):
        scheduled["countdown"] = countdown
        return Retry(exc=exc, when=countdown)

    monkeypatch.setattr(tasks.sync_encoding, "retry", retry)
    with pytest.raises(Retry):
        tasks.sync_encoding.run(1, "enc-1")
    assert scheduled["countdown"] == expected
    assert expected + settings.CELERY_TASK_TIME_LIMIT < settings.CELERY_BROKER_VISIBILITY_TIMEOUT


@pytest.fixture
def scheduled(monkeypatch):
    """The countdown of each retry the refresh task asks for."""
    countdowns: list[float] = []

    def retry(*, exc, countdown):
        countdowns.append(countdown)
        return Retry(exc=exc, when=countdown)

    monkeypatch.setattr(tasks.sync_encoding, "retry", retry)
    return countdowns


def failing_with(monkeypatch, error: Exception) -> None:
    def fail(**kwargs):
        raise error

    monkeypatch.setattr(sync, "encoding_sync", fail)


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
def test_a_refresh_retries_transient_failures_malformed_answers_included(monkeypatch, scheduled, error):
    failing_with(monkeypatch, error)

    with pytest.raises(Retry):
        tasks.sync_encoding.run(1, "enc-1")

    assert 1.0 <= scheduled[0] <= 2.0, "the first retry after one to two seconds"


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
def test_a_refresh_does_not_retry_what_a_retry_cannot_fix(monkeypatch, scheduled, error):
    failing_with(monkeypatch, error)

    with pytest.raises(type(error)):
        tasks.sync_encoding.run(1, "enc-1")

    assert scheduled == []


def test_retry_countdowns_grow_exponentially_with_jitter_up_to_the_cap(settings):
    settings.TASK_MAX_RETRY_COUNTDOWN_SECONDS = 600
    error = ServerError("Undefined Error", http_status=500)

    draws = [[tasks.retry_countdown(error, retries) for _ in range(200)] for retries in range(12)]

    for retries, countdowns in enumerate(draws[:8]):
        ceiling = 2 ** (retries + 1)
        assert all(ceiling / 2 <= countdown <= ceiling for countdown in countdowns), retries
        assert len(set(countdowns)) > 150, "jittered, so that refreshes failed together spread out"
    assert max(draws[-1]) == 600, "never past the cap"
