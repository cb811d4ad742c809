"""The audit log: who did what, where, when, and how it ended. It never holds a secret."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from encodings_app.models.organizations import Organization


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        # Actions on encodings, sent to Bitmovin.
        ENCODING_START = "encoding.start", "Start encoding"
        ENCODING_STOP = "encoding.stop", "Stop encoding"
        ENCODING_DELETE = "encoding.delete", "Delete encoding"
        ENCODING_REPRIORITIZE = "encoding.reprioritize", "Reprioritize encoding"
        ENCODING_RESTART_LIVE = "encoding.restart_live", "Restart live encoding"
        ENCODING_REFRESH = "encoding.refresh", "Refresh encoding"
        ORGANIZATION_REFRESH = "organization.refresh", "Refresh organization"
        # Settings.
        ORGANIZATION_CREATE = "organization.create", "Organization added"
        ACCOUNT_CONNECT = "account_connection.connect", "Bitmovin account connected"
        SETTINGS_CHANGE = "settings.change", "Settings changed"
        KEY_SET = "key.set", "API key set or replaced"
        CONNECTION_TEST = "connection.test", "Connection tested"
        WEBHOOKS_REGISTER = "webhooks.register", "Webhooks registered"
        WEBHOOK_SECRET_RESET = "webhooks.secret_reset", "Webhook signing secret replaced"
        MEMBER_ADD = "member.add", "Member added"
        MEMBER_ROLE = "member.role", "Member role changed"
        MEMBER_REMOVE = "member.remove", "Member removed"
        DISPLAY_LINK_CREATE = "display_link.create", "Wall display link created"
        DISPLAY_LINK_REVOKE = "display_link.revoke", "Wall display link revoked"
        API_TOKEN_CREATE = "api_token.create", "API token created"
        API_TOKEN_REVOKE = "api_token.revoke", "API token revoked"
        # Shared views of the encodings list (personal ones are each user's own display setting).
        SAVED_VIEW_SHARE = "saved_view.share", "Shared list view saved"
        SAVED_VIEW_DELETE = "saved_view.delete", "Shared list view deleted"
        # Alerts.
        ALERT_CHANNEL_ADD = "alert_channel.add", "Alert channel added"
        ALERT_CHANNEL_REMOVE = "alert_channel.remove", "Alert channel removed"
        ALERT_CHANNEL_TEST = "alert_channel.test", "Alert channel test sent"
        ALERT_CHANNEL_RESUME = "alert_channel.resume", "Paused alert channel resumed"
        ALERT_RULE_CHANGE = "alert_rule.change", "Alert rule changed"
        ALERT_RULE_RESET = "alert_rule.reset", "Alert rule reset to its defaults"
        SILENCE_ADD = "silence.add", "Alerts silenced"
        SILENCE_END = "silence.end", "Silence ended early"
        # Accounts and security.
        ACCOUNT_CREATE = "account.create", "Account created"
        ACCOUNT_CHANGE = "account.change", "Account changed"
        ACCOUNT_DELETE = "account.delete", "Account deleted"
        PASSWORD_CHANGE = "account.password_change", "Password changed"
        LOGIN_LOCKOUT = "login.lockout", "Login locked out"
        # Housekeeping.
        RETENTION_PRUNE = "retention.prune", "Records past their retention removed"
        SECRETS_REENCRYPT = "secrets.reencrypt", "Stored secrets re-encrypted under the current key"

    class Outcome(models.TextChoices):
        OK = "ok", "Succeeded"
        REFUSED = "refused", "Refused"
        FAILED = "failed", "Failed"
        UNCONFIRMED = "unconfirmed", "Not confirmed"

    # Kept when the organization or the user goes away: an audit trail outlives what it describes.
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_events"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The names as they were when it happened, so the entry still reads right after a rename or a deletion.
    username = models.CharField(max_length=150, blank=True)
    organization_slug = models.CharField(max_length=60, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.OK)
    target = models.CharField(
        max_length=200, blank=True, help_text="What it acted on: an encoding id, a user."
    )
    detail = models.CharField(max_length=500, blank=True, help_text="Plain words; never a secret.")
    request_id = models.CharField(max_length=100, blank=True, help_text="Bitmovin's requestId, if any.")
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        indexes = [
            # The settings page's audit log of one organization, newest first.
            models.Index(fields=["organization", "-created_at"], name="audit_org_created"),
            # The detail page's request ids of the actions on one encoding (the target is its Bitmovin id).
            models.Index(fields=["organization", "target", "-created_at"], name="audit_org_target_created"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.action} ({self.outcome})"
