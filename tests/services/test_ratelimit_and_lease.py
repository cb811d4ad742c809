"""The shared per-key request budget, the sync lease, and the sweep that schedules syncs."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from encodings_app.bitmovin import RateLimitedError
from encodings_app.services import lease
from encodings_app.services.ratelimit import ApiBudget, budget_for, key_fingerprint
from encodings_app.tasks import QUEUED_KEY_PREFIX, sync_organization, sync_sweep
from tests.factories import make_organization


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_budget_refuses_the_call_past_the_limit_with_the_time_until_the_window_resets():
    clock = Clock(6_000_000.0)  # a window boundary
    budget = ApiBudget(f"test-{clock.now}", clock=clock)
    limit = budget_for("GET /encoding/encodings")
    assert limit == 54, "ninety per cent of the API's 60 per minute"
    for _ in range(limit):
        budget("GET", "GET /encoding/encodings")
    clock.now += 20
    with pytest.raises(RateLimitedError) as refused:
        budget("GET", "GET /encoding/encodings")
    assert refused.value.retry_after == pytest.approx(40)
    # Other endpoints have budgets of their own.
    budget("GET", "GET /encoding/encodings/{id}/status")
    # A new minute, a new budget.
    clock.now += 41
    budget("GET", "GET /encoding/encodings")


def test_budget_is_shared_by_every_client_of_the_same_key():
    clock = Clock(7_000_000.0)
    fingerprint = key_fingerprint(f"shared-key-{clock.now}")
    first, second = ApiBudget(fingerprint, clock=clock), ApiBudget(fingerprint, clock=clock)
    for _ in range(27):
        first("GET", "GET /encoding/encodings")
        second("GET", "GET /encoding/encodings")
    with pytest.raises(RateLimitedError):
        first("GET", "GET /encoding/encodings")
    assert second.used("GET /encoding/encodings") == 55


def test_fingerprint_does_not_reveal_the_key():
    key = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    assert key not in key_fingerprint(key)
    assert len(key_fingerprint(key)) == 16


@pytest.mark.django_db
def test_lease_is_exclusive_until_released_or_expired(settings):
    organization = make_organization()
    token = lease.acquire(organization.pk)
    assert token is not None
    assert lease.acquire(organization.pk) is None
    assert lease.renew(organization.pk, token)
    lease.release(organization.pk, "not-the-token")
    assert lease.acquire(organization.pk) is None, "only the holder releases"
    lease.release(organization.pk, token)
    second = lease.acquire(organization.pk)
    assert second is not None
    # A holder that died: its lease runs out by itself.
    organization.__class__.objects.filter(pk=organization.pk).update(
        sync_lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert lease.acquire(organization.pk) is not None
    assert not lease.renew(organization.pk, second), "the expired holder lost it"


@pytest.mark.django_db
def test_sweep_enqueues_one_sync_per_organization_that_may_sync(monkeypatch):
    enqueued = []
    monkeypatch.setattr(sync_organization, "delay", lambda organization_id: enqueued.append(organization_id))
    ready = make_organization("ready")
    paused = make_organization("paused", sync_paused_until=timezone.now() + timedelta(minutes=1))
    rejected = make_organization("rejected")
    rejected.key_rejected = True
    rejected.save()
    make_organization("keyless", api_key=None)
    for organization_id in (ready.pk, paused.pk, rejected.pk):
        cache.delete(f"{QUEUED_KEY_PREFIX}{organization_id}")

    assert sync_sweep() == 1
    assert sync_sweep() == 0, "a sync already queued is not queued again"
    assert enqueued == [ready.pk]
