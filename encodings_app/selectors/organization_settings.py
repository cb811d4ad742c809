"""What the settings page of an organization reads: members, the webhook log and the sync history."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page
from django.db.models import QuerySet

from encodings_app.models import Membership, Organization, SyncRun, WebhookDelivery
from encodings_app.selectors.paging import page_or_last

WEBHOOKS_PER_PAGE = 25
SYNC_RUNS_SHOWN = 20


@dataclass
class SettingsData:
    members: list[Membership]
    deliveries: Page
    deliveries_corrected: bool
    sync_runs: list[SyncRun]


def members_of(organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .only("role", "created_at", "organization_id", "user__id", "user__username", "user__email")
        .order_by("user__username")
    )


def organization_settings_data(organization: Organization, *, webhook_page: int = 1) -> SettingsData:
    """Four queries: members, the webhook log's count and page, the latest sync runs."""
    deliveries = (
        WebhookDelivery.objects.filter(organization=organization)
        .defer("payload")
        .order_by("-received_at", "-pk")
    )
    page, corrected = page_or_last(deliveries, WEBHOOKS_PER_PAGE, webhook_page)
    return SettingsData(
        members=list(members_of(organization)),
        deliveries=page,
        deliveries_corrected=corrected,
        sync_runs=list(
            SyncRun.objects.filter(organization=organization).order_by("-started_at", "-pk")[:SYNC_RUNS_SHOWN]
        ),
    )
