"""The API's resources in camelCase, like Bitmovin's: organizations, encodings, status, messages, failures.

An organization never shows key material: not the key, not its last characters, not the webhook secret.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from encodings_app.models import (
    DEFAULT_API_BASE_URL,
    AlertKind,
    AlertSilence,
    AuditEvent,
    EncodingStatus,
    Incident,
    MessageType,
    Role,
)
from encodings_app.safe_links import api_links
from encodings_app.selectors.health import problems_of, worst_level
from encodings_app.selectors.incidents import incident_list_path
from encodings_app.services.action_registry import ACTIONS, PRIORITY_MAX, PRIORITY_MIN
from encodings_app.services.liveness import sync_stopped_now


class LinkSerializer(serializers.Serializer):
    href = serializers.CharField()
    title = serializers.CharField(required=False)


class MessageSerializer(serializers.Serializer):
    """A Message of the envelope (data.messages, data.details), as the seed defines it."""

    id = serializers.CharField()
    date = serializers.CharField(required=False, help_text="UTC, e.g. 2016-06-25T20:09:23.690Z")
    type = serializers.ChoiceField(choices=MessageType.choices)
    text = serializers.CharField()
    field = serializers.CharField(required=False, help_text="The request field the message is about.")
    links = LinkSerializer(many=True, required=False)
    more = serializers.DictField(required=False, help_text="E.g. Bitmovin's own requestId of a failed call.")


# --- organizations ------------------------------------------------------------------------------------------


class ProblemSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=["bad", "warn", "off"])
    text = serializers.CharField()


class HealthSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=["ok", "bad", "warn", "off"], help_text="The worst problem's.")
    problems = ProblemSerializer(many=True)


class SyncStateSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(source="sync_enabled")
    hasApiKey = serializers.BooleanField(source="has_api_key")
    keyRejected = serializers.BooleanField(source="key_rejected")
    keyUnreadable = serializers.BooleanField(source="key_unreadable")
    lastStartedAt = serializers.DateTimeField(source="last_sync_started_at", allow_null=True)
    lastSucceededAt = serializers.DateTimeField(source="last_sync_succeeded_at", allow_null=True)
    lastFullSyncAt = serializers.DateTimeField(source="last_full_sync_at", allow_null=True)
    consecutiveFailures = serializers.IntegerField(source="consecutive_failures")
    consecutivePartialSyncs = serializers.IntegerField(source="consecutive_partial_syncs")
    pausedUntil = serializers.DateTimeField(source="sync_paused_until", allow_null=True)


class OrganizationSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    slug = serializers.CharField()
    name = serializers.CharField()
    colour = serializers.CharField()
    role = serializers.ChoiceField(source="api_role", choices=Role.choices, help_text="Your role in it.")
    apiBaseUrl = serializers.SerializerMethodField(help_text="Where its account connection sends the key.")
    tenantOrgId = serializers.CharField(
        source="tenant_org_id", help_text="Sent as X-Tenant-Org-Id; may be empty."
    )
    failedLast24h = serializers.IntegerField(source="failed_recently")
    health = serializers.SerializerMethodField()
    sync = SyncStateSerializer(source="*")
    createdAt = serializers.DateTimeField(source="created_at")

    def get_apiBaseUrl(self, organization) -> str:
        return organization.connection.api_base_url if organization.connection_id else DEFAULT_API_BASE_URL

    @extend_schema_field(HealthSerializer)
    def get_health(self, organization) -> dict[str, Any]:
        # Read once for a whole list: the context is shared by every item's serializer.
        stopped = self.context.get("sync_stopped")
        if stopped is None:
            stopped = self.context["sync_stopped"] = sync_stopped_now()
        problems = problems_of(organization, organization.failed_recently, sync_stopped=stopped)
        return {
            "level": worst_level(problems),
            "problems": [{"level": p.level, "text": p.text} for p in problems],
        }


class LastErrorSerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="last_error_at", allow_null=True)
    code = serializers.IntegerField(source="last_error_code", allow_null=True)
    httpStatus = serializers.IntegerField(source="last_error_http_status", allow_null=True)
    message = serializers.CharField(source="last_error_message")
    requestId = serializers.CharField(source="last_error_request_id", help_text="Bitmovin's request id.")


class OrganizationDetailSerializer(OrganizationSerializer):
    countsByStatus = serializers.SerializerMethodField()
    lastSyncError = serializers.SerializerMethodField()

    @extend_schema_field(
        {
            "type": "object",
            "properties": {status: {"type": "integer"} for status in EncodingStatus.values},
            "additionalProperties": {"type": "integer"},
        }
    )
    def get_countsByStatus(self, organization) -> dict[str, int]:
        counts = getattr(organization, "counts_by_status", {})
        return {status: counts.get(status, 0) for status in EncodingStatus.values} | counts

    @extend_schema_field(LastErrorSerializer(allow_null=True))
    def get_lastSyncError(self, organization) -> dict[str, Any] | None:
        if organization.last_error_at is None:
            return None
        return LastErrorSerializer(organization).data


# --- encodings ----------------------------------------------------------------------------------------------


class PendingSerializer(serializers.Serializer):
    """An action Bitmovin accepted whose effect the dashboard has not read yet."""

    action = serializers.ChoiceField(
        choices=[key for key, spec in ACTIONS.items() if spec.expects is not None],
        help_text="The action, as the action endpoints name it.",
    )
    expectedStatus = serializers.CharField(
        source="expected_status",
        allow_null=True,
        help_text="The status the action leads to; null when the encoding is being deleted.",
    )
    statusBefore = serializers.CharField(source="from_status", help_text="The status last read before it.")
    requestedAt = serializers.DateTimeField(source="since")
    expiresAt = serializers.DateTimeField(
        source="expires_at",
        help_text="When the dashboard stops expecting it, if no read has settled it: `status` is then the "
        "status last read.",
    )

    def to_representation(self, instance) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["expectedStatus"] = data["expectedStatus"] or None
        return data


class EncodingSerializer(serializers.Serializer):
    id = serializers.CharField(source="bitmovin_id")
    name = serializers.CharField()
    type = serializers.CharField(help_text="VOD or LIVE.")
    status = serializers.CharField(help_text=f"One of {', '.join(EncodingStatus.values)}.")
    progress = serializers.IntegerField(allow_null=True)
    eta = serializers.FloatField(
        source="shown_eta",
        allow_null=True,
        help_text="Seconds left; null for live and finished encodings and when progress has stopped moving.",
    )
    cloudRegion = serializers.CharField(source="cloud_region")
    selectedCloudRegion = serializers.CharField(source="selected_cloud_region")
    encoderVersion = serializers.CharField(source="encoder_version")
    selectedEncoderVersion = serializers.CharField(source="selected_encoder_version")
    labels = serializers.ListField(child=serializers.CharField())
    errorCode = serializers.IntegerField(source="error_code", allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at", allow_null=True)
    startedAt = serializers.DateTimeField(source="started_at", allow_null=True)
    runningAt = serializers.DateTimeField(source="running_at", allow_null=True)
    finishedAt = serializers.DateTimeField(source="finished_at", allow_null=True)
    errorAt = serializers.DateTimeField(source="error_at", allow_null=True)
    pending = serializers.SerializerMethodField(
        help_text="An action Bitmovin accepted that no status read has shown yet: the pages show its "
        "expected status, marked as pending, until a read settles it or it expires. `status` stays the "
        "status last read; null when nothing is pending."
    )

    @extend_schema_field(PendingSerializer(allow_null=True))
    def get_pending(self, encoding) -> dict[str, Any] | None:
        mark = encoding.pending_mark()
        return PendingSerializer(mark).data if mark is not None else None

    def to_representation(self, instance) -> dict[str, Any]:
        data = super().to_representation(instance)
        # Mirrored JSON may hold anything; the contract says a list of strings.
        data["labels"] = [str(label) for label in instance.labels or [] if label is not None]
        return data


class MirrorSerializer(serializers.Serializer):
    firstSeenAt = serializers.DateTimeField(source="first_seen_at")
    lastSeenAt = serializers.DateTimeField(source="last_seen_at")
    statusSyncedAt = serializers.DateTimeField(source="status_synced_at", allow_null=True)
    deletedAt = serializers.DateTimeField(
        source="deleted_at", allow_null=True, help_text="Set when Bitmovin no longer lists the encoding."
    )


class EncodingDetailSerializer(EncodingSerializer):
    description = serializers.CharField()
    fallbackCloudRegions = serializers.JSONField(source="fallback_cloud_regions")
    selectedFallbackCloudRegions = serializers.JSONField(source="selected_fallback_cloud_regions")
    selectedEncodingMode = serializers.CharField(source="selected_encoding_mode")
    infrastructure = serializers.JSONField(allow_null=True)
    staticIpId = serializers.CharField(source="static_ip_id")
    liveOptionsType = serializers.CharField(source="live_options_type")
    customData = serializers.JSONField(source="custom_data", allow_null=True)
    modifiedAt = serializers.DateTimeField(source="modified_at", allow_null=True)
    queuedAt = serializers.DateTimeField(source="queued_at", allow_null=True)
    isStuck = serializers.SerializerMethodField()
    mirror = MirrorSerializer(source="*", help_text="The dashboard's own bookkeeping of this encoding.")

    def get_isStuck(self, encoding) -> bool:
        return encoding.is_stuck()


class StoredMessageSerializer(serializers.Serializer):
    """A message of an encoding's status, as mirrored from Bitmovin."""

    id = serializers.CharField(source="bitmovin_id")
    date = serializers.DateTimeField(allow_null=True)
    type = serializers.CharField(help_text=f"One of {', '.join(MessageType.values)}.")
    text = serializers.CharField()
    field = serializers.CharField()
    links = serializers.SerializerMethodField()
    more = serializers.JSONField(allow_null=True)
    subtask = serializers.CharField(help_text="The subtask it belongs to; empty for the encoding's own.")

    @extend_schema_field(LinkSerializer(many=True))
    def get_links(self, message) -> list[dict[str, str]]:
        return api_links(message.links)


# --- status -------------------------------------------------------------------------------------------------


class PhaseSerializer(serializers.Serializer):
    name = serializers.CharField()
    key = serializers.ChoiceField(choices=["created", "queued", "running", "ended"])
    startedAt = serializers.DateTimeField(source="started", allow_null=True)
    endedAt = serializers.DateTimeField(source="ended", allow_null=True)
    seconds = serializers.FloatField(allow_null=True)
    current = serializers.BooleanField()
    reached = serializers.BooleanField()


class SubtaskSerializer(serializers.Serializer):
    name = serializers.CharField()
    status = serializers.CharField()
    progress = serializers.IntegerField(allow_null=True)
    startedAt = serializers.DateTimeField(source="started", allow_null=True)
    finishedAt = serializers.DateTimeField(source="finished", allow_null=True)
    messageCount = serializers.IntegerField(source="message_count")


class ExplanationSerializer(serializers.Serializer):
    known = serializers.BooleanField(help_text="Whether the error-code catalogue knows the code.")
    category = serializers.CharField()
    title = serializers.CharField()
    meaning = serializers.CharField()
    whatToDo = serializers.CharField()
    retryAdvice = serializers.CharField()
    retryHelps = serializers.BooleanField(allow_null=True)
    docUrl = serializers.CharField()


class RequestIdSerializer(serializers.Serializer):
    requestId = serializers.CharField(source="request_id", help_text="Bitmovin's request id.")
    source = serializers.CharField(help_text="What the dashboard asked Bitmovin when it got this id.")
    at = serializers.DateTimeField(allow_null=True)


class ErrorDetailsSerializer(serializers.Serializer):
    code = serializers.IntegerField(allow_null=True)
    category = serializers.CharField()
    text = serializers.CharField()
    retryHint = serializers.CharField()
    explanation = ExplanationSerializer(help_text="The error in plain words.")
    links = LinkSerializer(many=True)
    errorMessages = StoredMessageSerializer(many=True, help_text="The first ERROR messages.")
    requestIds = RequestIdSerializer(
        many=True,
        help_text="Every Bitmovin request id the dashboard has for the encoding, to quote to support.",
    )


class EncodingStatusSerializer(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.CharField()
    progress = serializers.IntegerField(allow_null=True)
    eta = serializers.FloatField(
        allow_null=True,
        help_text="Seconds left; null for live and finished encodings and when progress has stopped moving.",
    )
    isStuck = serializers.BooleanField()
    phases = PhaseSerializer(many=True)
    subtasks = SubtaskSerializer(many=True)
    error = ErrorDetailsSerializer(allow_null=True)
    statusSyncedAt = serializers.DateTimeField(allow_null=True)


# --- failures and actions -----------------------------------------------------------------------------------


class FailureGroupSerializer(serializers.Serializer):
    errorCode = serializers.IntegerField(allow_null=True)
    count = serializers.IntegerField()
    firstSeenAt = serializers.DateTimeField(allow_null=True)
    lastSeenAt = serializers.DateTimeField(allow_null=True)
    title = serializers.CharField()
    category = serializers.CharField()
    meaning = serializers.CharField()
    whatToDo = serializers.CharField()
    retryHelps = serializers.BooleanField(allow_null=True)
    docUrl = serializers.CharField()


class ReprioritizeRequestSerializer(serializers.Serializer):
    priority = serializers.IntegerField(
        min_value=PRIORITY_MIN,
        max_value=PRIORITY_MAX,
        help_text=f"{PRIORITY_MIN} (lowest) to {PRIORITY_MAX}.",
    )


class ActionResultSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The encoding's id.")
    # The registry's actions that call Bitmovin (the refresh only queues a read).
    action = serializers.ChoiceField(choices=[key for key, spec in ACTIONS.items() if spec.call is not None])
    bitmovinRequestId = serializers.CharField(help_text="Bitmovin's requestId of the accepted call.")


class AuditEventSerializer(serializers.Serializer):
    """One entry of an organization's audit log. It never holds a secret."""

    id = serializers.IntegerField()
    createdAt = serializers.DateTimeField(source="created_at")
    user = serializers.CharField(
        source="username", help_text="Who did it, by the name they had then; empty when unknown."
    )
    action = serializers.ChoiceField(choices=AuditEvent.Action.choices, help_text="E.g. encoding.stop.")
    outcome = serializers.ChoiceField(choices=AuditEvent.Outcome.choices)
    target = serializers.CharField(help_text="What it acted on: an encoding id, a user name, a link.")
    detail = serializers.CharField(help_text="Plain words.")
    bitmovinRequestId = serializers.CharField(
        source="request_id", help_text="Bitmovin's requestId of the call, when one was made."
    )


class MutedSerializer(serializers.Serializer):
    """The silence holding back an incident's notifications (selectors/muted.py): until when, why, and
    whether it mutes the incident's rule or every rule."""

    until = serializers.DateTimeField(help_text="When notifications resume.")
    reason = serializers.CharField()
    kind = serializers.SerializerMethodField(
        help_text="The rule muted; null: every rule of the organization."
    )

    @extend_schema_field(serializers.ChoiceField(choices=AlertKind.choices, allow_null=True))
    def get_kind(self, silence: AlertSilence) -> str | None:
        return silence.kind or None


class IncidentSerializer(serializers.Serializer):
    """An open alert incident: one cause of trouble, in plain words, with what it counts."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=AlertKind.choices)
    cause = serializers.CharField(
        help_text='The cause as a key: "failed:code:2001", "stuck", "sync:silent" ...'
    )
    title = serializers.CharField()
    summary = serializers.CharField(help_text="What happened, what to do, whether retrying helps, the docs.")
    count = serializers.IntegerField(help_text="Encodings failed or stuck, or syncs failed in a row.")
    openedAt = serializers.DateTimeField(source="opened_at")
    lastSeenAt = serializers.DateTimeField(
        source="last_seen_at", help_text="The last evaluation that found it."
    )
    details = serializers.SerializerMethodField()
    listUrl = serializers.SerializerMethodField(
        method_name="list_url",
        help_text="The encodings list filtered to this incident's encodings; null for a broken sync.",
    )
    muted = MutedSerializer(
        source="muted_by",
        allow_null=True,
        help_text="The active silence holding back its notifications; null: nothing is held back.",
    )

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_details(self, incident: Incident) -> dict[str, Any]:
        return {_camel(name): value for name, value in incident.details.items() if name != "list_query"}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def list_url(self, incident: Incident) -> str | None:
        return incident_list_path(incident, self.context["slug"]) or None


class SilenceSerializer(serializers.Serializer):
    """An active silence: an admin muted one rule, or every rule, until endsAt. Incidents still open under
    it; only their notifications are held back."""

    id = serializers.IntegerField()
    kind = serializers.SerializerMethodField(
        help_text="The rule muted; null: every rule of the organization."
    )
    reason = serializers.CharField()
    startsAt = serializers.DateTimeField(source="starts_at")
    endsAt = serializers.DateTimeField(source="ends_at", help_text="When notifications resume.")
    createdBy = serializers.SerializerMethodField(
        method_name="created_by", help_text="Who added it; null when that account is gone."
    )

    @extend_schema_field(serializers.ChoiceField(choices=AlertKind.choices, allow_null=True))
    def get_kind(self, silence: AlertSilence) -> str | None:
        return silence.kind or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def created_by(self, silence: AlertSilence) -> str | None:
        return silence.created_by.get_username() if silence.created_by is not None else None


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)
