"""The webhook endpoint while the broker is down or hangs (and the cache with it, where they share a Redis
server): the delivery and its refresh are committed, the answer is 200, and the request does not wait on
the broker (the figures are printed, not asserted)."""

from __future__ import annotations

import logging
import socket
import time

import pytest
from django.core.cache import cache

from dashboard.celery import app as celery_app
from encodings_app import tasks
from encodings_app.models import PendingRefresh, WebhookDelivery
from tests.services.test_webhooks import payload, post, sign

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker_at(monkeypatch):
    """Point this process's broker somewhere else for the test (Celery prefers the environment variable)."""

    def point(url: str) -> None:
        monkeypatch.setitem(celery_app.conf, "broker_url", url)
        monkeypatch.setenv("CELERY_BROKER_URL", url)

    return point


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def hung_port():
    """A broker that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(50)
    yield listener.getsockname()[1]
    listener.close()


def deliver(client, secret, event_id: str):
    body = payload(event_id=event_id, encoding_id="enc-42")
    started = time.perf_counter()
    response = post(client, "acme", body, sign(secret, body))
    return response, time.perf_counter() - started


@pytest.mark.parametrize("broker", ["closed_port", "hung_port"])
def test_a_signed_delivery_is_recorded_and_answered_200_whatever_the_broker_does(
    client, organization, secret, broker_at, broker, request, caplog
):
    broker_at(f"redis://127.0.0.1:{request.getfixturevalue(broker)}/0")

    with caplog.at_level(logging.WARNING, logger="encodings_app.tasks"):
        first, first_seconds = deliver(client, secret, "evt-1")
        # The failed nudge pauses the next ones briefly: a hung broker is not tried by every request.
        second, paused_seconds = deliver(client, secret, "evt-2")
        cache.delete(tasks.DRAIN_QUEUED_KEY)  # the pause is over: this one tries the broker again
        third, warm_seconds = deliver(client, secret, "evt-3")

    assert first.status_code == second.status_code == third.status_code == 200
    assert first.json()["status"] == "accepted"
    delivery = WebhookDelivery.objects.get(event_id="evt-1")
    assert delivery.verdict == WebhookDelivery.Verdict.VALID
    assert delivery.triggered == "refresh of encoding enc-42"
    pending = PendingRefresh.objects.get()
    assert (pending.bitmovin_id, pending.requests) == ("enc-42", 3)
    assert delivery.pending_refresh_id == pending.pk
    assert "the refresh drain was not nudged: the broker failed" in caplog.text
    print(
        f"\nbroker {broker}: answered in {first_seconds * 1000:.0f} ms (first request of the process), "
        f"{warm_seconds * 1000:.0f} ms trying the broker, {paused_seconds * 1000:.0f} ms while nudges pause"
    )


def test_a_failed_nudge_never_raises_and_the_next_requests_do_not_try_the_broker_again_at_once(
    broker_at, closed_port, monkeypatch
):
    broker_at(f"redis://127.0.0.1:{closed_port}/0")
    sent = []
    publish = tasks.refresh_drain.apply_async
    monkeypatch.setattr(
        tasks.refresh_drain, "apply_async", lambda **options: sent.append(1) or publish(**options)
    )

    assert [tasks.refresh_drain_nudge() for _ in range(5)] == [False] * 5
    assert len(sent) == 1

    cache.delete(tasks.DRAIN_QUEUED_KEY)  # the pause is over
    assert tasks.refresh_drain_nudge() is False
    assert len(sent) == 2


def test_with_the_cache_down_as_well_a_signed_delivery_is_still_recorded_and_answered_200(
    client, organization, secret, broker_at, closed_port, settings, caplog
):
    # One Redis server for both, stopped: the webhook's rate limit and the nudge cannot use the cache.
    broker_at(f"redis://127.0.0.1:{closed_port}/1")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port}/0",
            "OPTIONS": {"socket_connect_timeout": 3, "socket_timeout": 3},
        }
    }
    with caplog.at_level(logging.WARNING):
        response, seconds = deliver(client, secret, "evt-1")

    assert response.status_code == 200
    assert WebhookDelivery.objects.get().verdict == WebhookDelivery.Verdict.VALID
    assert PendingRefresh.objects.get().bitmovin_id == "enc-42"
    assert "webhook rate limit not applied: the cache failed" in caplog.text
    assert "the refresh drain was not nudged: the cache failed" in caplog.text
    print(f"\nwith the cache and the broker down, answered in {seconds * 1000:.0f} ms")
