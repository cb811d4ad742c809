"""A broken sync, from the state the sync records on the organization (services/sync_state.py): the key
rejected or unreadable, failures in a row, or no successful sync for the rule's window. At most one cause
at a time, the most specific: a rejected key also fails every sync and silences it."""

from __future__ import annotations

from datetime import datetime

from encodings_app.models import AlertKind, Organization
from encodings_app.selectors.health import sync_behind_after
from encodings_app.services.alerts.condition import Condition, duration_words, plural
from encodings_app.services.alerts.rules import Rule

# HTTP statuses of a rejected key (services/sync.py records them on the organization as the last error).
KEY_REJECTED_STATUSES = (401, 403)


def sync_conditions(organization: Organization, rules: dict[str, Rule], now: datetime) -> list[Condition]:
    """Reads only the organization's own fields: the caller passes it freshly loaded."""
    rule = rules[AlertKind.SYNC]
    # An organization without a key, or whose sync an admin turned off, is not synced on purpose.
    if not rule.enabled or not organization.sync_enabled or not organization.has_api_key:
        return []
    if organization.key_unreadable:
        return [
            _broken(
                "sync:key_unreadable",
                "Sync broken: the API key cannot be decrypted",
                "The stored API key cannot be decrypted with the configured encryption keys, so nothing is "
                "read from Bitmovin. Restore the missing key to FIELD_ENCRYPTION_KEYS, or save the API "
                "key again in the organization's settings.",
                organization,
            )
        ]
    if organization.key_rejected:
        return [
            _broken(
                "sync:key_rejected",
                "Sync broken: Bitmovin rejects the API key",
                "Bitmovin refused the organization's API key (HTTP 401), so nothing is read from it. Save a "
                "valid API key in the organization's settings; the sync resumes at once.",
                organization,
            )
        ]
    failures = organization.consecutive_failures
    # A streak that ended on a rejected key whose replacement no sync has tried yet is the old key's: the
    # next sync with the new key tells.
    key_replaced = organization.last_error_http_status in KEY_REJECTED_STATUSES
    if failures >= rule.threshold and not key_replaced:
        return [
            _broken(
                "sync:failing",
                f"Sync broken: {failures} syncs in a row failed",
                f"The last {plural(failures, 'sync')} of this organization failed; the last error: "
                f"{organization.last_error_message or 'not recorded'}. The sync retries by itself; if it "
                "keeps failing, check the organization's settings and the Bitmovin status page.",
                organization,
                count=failures,
            )
        ]
    # Never shorter than the pages' "Sync behind": a quiet organization whose webhooks work is polled less.
    silent_after = max(rule.window, sync_behind_after(webhooks_working=organization.webhooks_working))
    silent_words = duration_words(silent_after.total_seconds())
    last = organization.last_sync_succeeded_at or organization.created_at
    if last is not None and now - last > silent_after:
        return [
            _broken(
                "sync:silent",
                f"Sync broken: no successful sync for more than {silent_words}",
                "No sync of this organization has succeeded for that long, so the dashboard shows old data. "
                "Check "
                "that beat and the sync workers run (the pages say which one stopped).",
                organization,
            )
        ]
    return []


def _broken(cause: str, title: str, summary: str, organization: Organization, count: int = 1) -> Condition:
    return Condition(
        kind=AlertKind.SYNC,
        cause=cause,
        title=title,
        summary=summary,
        count=count,
        details={
            "last_sync_succeeded_at": (
                organization.last_sync_succeeded_at.isoformat()
                if organization.last_sync_succeeded_at
                else None
            ),
            "consecutive_failures": organization.consecutive_failures,
            "last_error_request_id": organization.last_error_request_id,
        },
    )
