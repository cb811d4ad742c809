"""What the dashboard records by itself, read-only in the admin: sync runs, webhook deliveries, the refreshes
waiting to run, the audit log, alert incidents.

Read-only because each is evidence: a sync run says what was asked of Bitmovin, a delivery what arrived and
how it was judged, an audit entry who did what. Old sync runs and deliveries are removed by the retention
task (services/retention.py), not by hand.
"""

from __future__ import annotations

from django.contrib import admin

from encodings_app.admin.read_only import ReadOnlyAdmin
from encodings_app.models import AuditEvent, Incident, PendingRefresh, SyncRun, WebhookDelivery


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = (
        "started_at",
        "organization",
        "kind",
        "outcome",
        "finished_at",
        "total_api_calls",
        "encodings_created",
        "encodings_updated",
        "error_code",
    )
    list_filter = ("outcome", "kind", "organization")
    list_select_related = ("organization",)
    search_fields = ("organization__name", "organization__slug", "error_message", "error_request_id")
    date_hierarchy = "started_at"
    ordering = ("-started_at",)
    fields = (
        "organization",
        "kind",
        "outcome",
        "started_at",
        "finished_at",
        "api_calls",
        "encodings_created",
        "encodings_updated",
        "messages_added",
        "encodings_skipped",
        "error_code",
        "error_message",
        "error_request_id",
    )

    @admin.display(description="API calls")
    def total_api_calls(self, run: SyncRun) -> int:
        return run.total_api_calls


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "received_at",
        "organization",
        "verdict",
        "event_type",
        "encoding_bitmovin_id",
        "body_size",
        "remote_addr",
    )
    list_filter = ("verdict", "event_type", "organization")
    list_select_related = ("organization",)
    search_fields = ("event_id", "encoding_bitmovin_id", "body_sha256", "triggered", "remote_addr")
    date_hierarchy = "received_at"
    ordering = ("-received_at",)
    fields = (
        "organization",
        "received_at",
        "verdict",
        "event_type",
        "event_id",
        "encoding_bitmovin_id",
        "triggered",
        "refreshed_at",
        "remote_addr",
        "body_size",
        "body_sha256",
        # Only a delivery whose signature verified keeps its body (see the model).
        "payload",
    )


@admin.register(PendingRefresh)
class PendingRefreshAdmin(ReadOnlyAdmin):
    """The refresh outbox (services/refresh_outbox.py): what waits to be read, and why it is late."""

    list_display = ("bitmovin_id", "organization", "requested_at", "requests", "attempts", "next_attempt_at")
    list_filter = ("organization",)
    list_select_related = ("organization",)
    search_fields = ("bitmovin_id", "last_error")
    ordering = ("next_attempt_at", "pk")
    fields = (
        "organization",
        "bitmovin_id",
        "requested_at",
        "requests",
        "attempts",
        "next_attempt_at",
        "last_error",
    )


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "username", "organization_slug", "action", "outcome", "target", "detail")
    list_filter = ("action", "outcome", "organization")
    search_fields = ("username", "organization_slug", "target", "detail", "request_id", "source_ip")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    fields = (
        "created_at",
        "user",
        "username",
        "organization",
        "organization_slug",
        "action",
        "outcome",
        "target",
        "detail",
        "request_id",
        "source_ip",
    )


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    """Opened and resolved by the alerts' evaluation (services/alerts/) only: an incident closed by hand would
    open again at the next evaluation, and its "resolved" would be told for a cause that is still there."""

    list_display = ("opened_at", "organization", "title", "count", "last_seen_at", "resolved_at")
    list_filter = ("kind", "organization")
    list_select_related = ("organization",)
    search_fields = ("organization__name", "organization__slug", "cause", "title")
    date_hierarchy = "opened_at"
    ordering = ("-opened_at",)
    fields = (
        "organization",
        "kind",
        "cause",
        "title",
        "summary",
        "count",
        "details",
        "opened_at",
        "last_seen_at",
        "resolved_at",
        "transitions",
    )

    @admin.display(description="Events")
    def transitions(self, incident: Incident) -> str:
        events = incident.events.order_by("at")
        return ", ".join(f"{event.kind} at {event.at:%Y-%m-%d %H:%M:%S}" for event in events) or "none"
