"""The sync lease, and the sweep task that enqueues syncs (the budgets: test_key_budget.py)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from encodings_app.models import SyncRun
from encodings_app.services import lease
from encodings_app.services.key_budget import LIST_ENDPOINT
from encodings_app.services.sweep import QUEUED_KEY_PREFIX, walk_pages
from encodings_app.tasks import sync_organization, sync_sweep
from tests.factories import make_organization


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
    monkeypatch.setattr(
        sync_organization, "delay", lambda organization_id, **options: enqueued.append(organization_id)
    )
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


@pytest.mark.django_db
def test_a_sync_counts_as_queued_until_it_has_finished(monkeypatch, published_limits):
    enqueued = []
    monkeypatch.setattr(
        sync_organization, "delay", lambda organization_id, **options: enqueued.append(organization_id)
    )
    organization = make_organization(
        "ready", api_key="a-key-nobody-knows", api_base_url="http://127.0.0.1:9/v1"
    )
    assert sync_sweep() == 1
    # Its planned cost: a first guess of 4 list calls, and half of the key's 48 for its first walk.
    mark = cache.get(f"{QUEUED_KEY_PREFIX}{organization.pk}")
    assert (mark["list"], mark["status"], mark["walk"]) == (28, 0, 24)
    assert walk_pages(mark["key"]).used() == 24

    sync_organization(organization.pk)  # fails to connect, and is over

    assert cache.get(f"{QUEUED_KEY_PREFIX}{organization.pk}") is None
    # Planned at 28 list calls, it spent those its tries at the lists took; the rest, up to its walk's 24,
    # is given back to the walks' share.
    spent = SyncRun.objects.get(organization=organization).api_calls.get(LIST_ENDPOINT, 0)
    assert spent < 28
    assert walk_pages(mark["key"]).used() == 24 - min(24, 28 - spent)
