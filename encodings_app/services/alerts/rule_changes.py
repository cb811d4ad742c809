"""An admin's changes to an organization's alert rules (Settings → Alerts): turn a rule on or off, change
its threshold and window, or put it back to its defaults. Each change is checked here, with plain words
for what is wrong, and recorded in the audit log.

A value left empty, or set to the default, follows the default (AlertRule's convention): an organization
keeps up with better defaults for what it never meant to change. A change that leaves every value at its
default removes the row, so "changed" on the page means something differs.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils.text import capfirst

from encodings_app.models import AlertKind, AlertRule, Organization
from encodings_app.services.alerts.condition import duration_words
from encodings_app.services.alerts.rules import (
    Rule,
    default_rules,
    rule_with_changes,
    rule_words,
    uses_window,
)
from encodings_app.services.audit import COMMAND_LINE, Action, audit_record

# More than this many failures or stuck encodings before anyone hears of it is no alert at all.
THRESHOLD_MAX = 10_000
# A week: failures counted over longer are a report, and a sync silent that long needs no rule to notice.
WINDOW_MINUTES_MAX = 7 * 24 * 60


class RuleRefused(Exception):
    """The change cannot be saved; `errors` maps each wrong field ("threshold", "window_minutes", "kind")
    to what is wrong with it, all of them at once."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def rule_refusals(kind: str, *, threshold: int | None, window_minutes: int | None) -> dict[str, str]:
    """What is wrong with these values for this kind of rule; empty when nothing is."""
    if kind not in AlertKind.values:
        return {"kind": "There is no such alert rule."}
    errors = {}
    if threshold is not None:
        if threshold < 1:
            errors["threshold"] = "The threshold must be a whole number of at least 1."
        elif threshold > THRESHOLD_MAX:
            errors["threshold"] = f"The threshold can be at most {THRESHOLD_MAX:,}."
    if window_minutes is not None:
        if not uses_window(kind):
            errors["window_minutes"] = (
                "This rule has no window: an encoding counts as stuck by how long it waits or runs "
                "without progress."
            )
        elif window_minutes < 1:
            errors["window_minutes"] = "The window must be at least 1 minute."
        elif window_minutes > WINDOW_MINUTES_MAX:
            errors["window_minutes"] = f"The window can be at most 7 days ({WINDOW_MINUTES_MAX:,} minutes)."
    return errors


def rule_change(
    *,
    organization: Organization,
    kind: str,
    enabled: bool,
    threshold: int | None,
    window_minutes: int | None,
    user=None,
    request: HttpRequest | None = None,
) -> Rule:
    """Save the organization's values for one rule (None: the default) and return the rule that now
    applies. Raises RuleRefused, saving nothing, when a value is out of bounds."""
    errors = rule_refusals(kind, threshold=threshold, window_minutes=window_minutes)
    if errors:
        raise RuleRefused(errors)
    default = default_rules()[kind]
    window_seconds = None if window_minutes is None else window_minutes * 60
    if threshold == default.threshold:
        threshold = None
    if window_seconds == default.window.total_seconds():
        window_seconds = None
    with transaction.atomic():
        previous = AlertRule.objects.select_for_update().filter(organization=organization, kind=kind).first()
        before = rule_with_changes(default, previous)
        if enabled and threshold is None and window_seconds is None:
            saved = None
            if previous is not None:
                previous.delete()
        else:
            saved, _created = AlertRule.objects.update_or_create(
                organization=organization,
                kind=kind,
                defaults={"enabled": enabled, "threshold": threshold, "window_seconds": window_seconds},
            )
        after = rule_with_changes(default, saved)
        if after != before:
            _audit(Action.ALERT_RULE_CHANGE, organization, kind, _changes(before, after), user, request)
    return after


def rule_reset(
    *, organization: Organization, kind: str, user=None, request: HttpRequest | None = None
) -> bool:
    """Put one rule back to its defaults (its row goes); False when it had no change to undo."""
    if kind not in AlertKind.values:
        raise RuleRefused({"kind": "There is no such alert rule."})
    with transaction.atomic():
        removed, _ = AlertRule.objects.filter(organization=organization, kind=kind).delete()
        if removed:
            default = default_rules()[kind]
            _audit(Action.ALERT_RULE_RESET, organization, kind, f"Now {rule_words(default)}.", user, request)
    return bool(removed)


def _changes(before: Rule, after: Rule) -> str:
    changes = []
    if before.enabled != after.enabled:
        changes.append("turned on" if after.enabled else "turned off")
    if before.threshold != after.threshold:
        changes.append(f"threshold {before.threshold} → {after.threshold}")
    if before.window != after.window:
        old, new = (duration_words(rule.window.total_seconds()) for rule in (before, after))
        changes.append(f"window {old} → {new}")
    return capfirst("; ".join(changes)) + "."


def _audit(action: str, organization: Organization, kind: str, detail: str, user, request) -> None:
    audit_record(
        action=action,
        user=user,
        username="" if user is not None else COMMAND_LINE,
        organization=organization,
        target=AlertKind(kind).label,
        detail=detail,
        request=request,
    )
