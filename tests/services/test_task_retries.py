"""A retried task never waits past the broker's visibility timeout, whatever Bitmovin's Retry-After says."""

import pytest
from celery.exceptions import Retry

from encodings_app import tasks
from encodings_app.bitmovin import RateLimitedError
from encodings_app.services import sync


@pytest.mark.parametrize(("retry_after", "expected"), [(30.0, 30.0), (3600.0, 600)])
def test_a_rate_limited_refresh_retries_after_retry_after_but_never_past_the_cap(
    monkeypatch, settings, retry_after, expected
):
    settings.TASK_MAX_RETRY_COUNTDOWN_SECONDS = 600

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
