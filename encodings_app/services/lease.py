"""One sync per organization at a time, across processes and machines.

The lease is two columns on the organization, taken and released with conditional UPDATEs, which every
database makes atomic. It expires by itself (SYNC_LEASE_SECONDS after the last renewal), so a worker killed
in the middle of a sync holds nothing for long; the run renews it after every API call.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from encodings_app.models import Organization


def _expiry():
    return timezone.now() + timedelta(seconds=settings.SYNC_LEASE_SECONDS)


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
