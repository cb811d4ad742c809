"""One sync per organization at a time, across processes and machines.

The lease is two columns on the organization, taken and released with conditional UPDATEs, which every
database makes atomic. It expires by itself (duration_seconds() after the last renewal), so a worker killed
in the middle of a sync holds nothing for long; the run renews it after every API call.
"""

from __future__ import annotations

import math
import secrets
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from encodings_app.models import Organization
from encodings_app.services.clients import WORKER_RETRY_BUDGET_S, WORKER_TIMEOUT_S

# After an API call, a run writes what it read (a page of encodings, a status Task's messages) and renews
# its lease; before the next call, the key's budget is checked in the shared cache. Well under a second on
# a healthy day; this much on a slow one.
WRITES_AND_CHECKS_SECONDS = 10


def minimum_duration_seconds() -> int:
    """The longest a live run may go without renewing its lease: one API call that spends the worker's whole
    retry budget and then starts one last attempt (its connect and read timeouts), and the writes after it.
    A shorter lease could let a second run start beside a slow one."""
    connect, read = WORKER_TIMEOUT_S
    return math.ceil(WORKER_RETRY_BUDGET_S + connect + read + WRITES_AND_CHECKS_SECONDS)


def duration_seconds() -> int:
    """How long a lease holds after each renewal, and so how long a killed worker's organization waits:
    SYNC_LEASE_SECONDS when set (never below the minimum: dashboard/checks.py), else the minimum."""
    return settings.SYNC_LEASE_SECONDS or minimum_duration_seconds()


def _expiry():
    return timezone.now() + timedelta(seconds=duration_seconds())


def acquire(organization_id: int) -> str | None:
    """A token proving the lease is ours, or None when another live run holds it."""
    token = secrets.token_hex(16)
    taken = (
        Organization.objects.filter(pk=organization_id)
        .filter(Q(sync_lease_expires_at__isnull=True) | Q(sync_lease_expires_at__lt=timezone.now()))
        .update(sync_lease_token=token, sync_lease_expires_at=_expiry())
    )
    return token if taken else None


def renew(organization_id: int, token: str) -> bool:
    return bool(
        Organization.objects.filter(pk=organization_id, sync_lease_token=token).update(
            sync_lease_expires_at=_expiry()
        )
    )


def release(organization_id: int, token: str) -> None:
    Organization.objects.filter(pk=organization_id, sync_lease_token=token).update(
        sync_lease_token="", sync_lease_expires_at=None
    )
