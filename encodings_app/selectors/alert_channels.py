"""Reads for Settings → Alerts: an organization's channels and its delivery log."""

from __future__ import annotations

from django.db.models import QuerySet

from encodings_app.models import AlertChannel, AlertDelivery, Organization

DELIVERY_LOG_SIZE = 50


def channels_of(organization: Organization) -> list[AlertChannel]:
    return list(AlertChannel.objects.filter(organization=organization).order_by("name"))


def delivery_log_of(organization: Organization) -> QuerySet[AlertDelivery]:
    """The latest deliveries to the organization's channels, newest first (index alert_delivery_log per
    channel; the organization's channels are few)."""
    return (
        AlertDelivery.objects.filter(channel__organization=organization)
        .select_related("channel")
        .order_by("-created_at", "-pk")[:DELIVERY_LOG_SIZE]
    )
