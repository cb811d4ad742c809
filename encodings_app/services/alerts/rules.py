"""The alert rules of an organization: the defaults every organization starts with, and the changes an admin
saved (AlertRule rows, one per changed rule). A rule without a row applies with its defaults."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from encodings_app.models import AlertKind, AlertRule, Organization
from encodings_app.services.alerts.condition import duration_words

# A sync without success for this many sync intervals is "silent" (the sync-broken rule's default window).
SYNC_SILENT_INTERVALS = 10


@dataclass(frozen=True)
class Rule:
    kind: str
    enabled: bool
    # At least this many open an incident: failures of one cause within the window (FAILED), failures of
    # every cause within the window (SPIKE), stuck encodings (STUCK, STUCK_LIVE), sync failures in a row
    # (SYNC).
    threshold: int
    # FAILED and SPIKE: the window failures are counted in. SYNC: how long without a successful sync.
    window: timedelta


def default_rules() -> dict[str, Rule]:
    """On by default. The sync's silence is measured as SYNC_SILENT_INTERVALS sync intervals (not the
    organization's actual cadence, which the sweep may stretch; services/alerts/conditions.py never judges
    it shorter than the pages' "Sync behind")."""
    return {
        AlertKind.FAILED: Rule(AlertKind.FAILED, True, 1, timedelta(minutes=15)),
        AlertKind.SPIKE: Rule(AlertKind.SPIKE, True, 25, timedelta(minutes=10)),
        AlertKind.STUCK: Rule(AlertKind.STUCK, True, 1, timedelta(0)),
        AlertKind.STUCK_LIVE: Rule(AlertKind.STUCK_LIVE, True, 1, timedelta(0)),
        AlertKind.SYNC: Rule(
            AlertKind.SYNC,
            True,
            3,
            timedelta(seconds=SYNC_SILENT_INTERVALS * settings.SYNC_INTERVAL_SECONDS),
        ),
    }


# What a rule's threshold and window mean, per kind, for the words of the settings page; None: the kind
# uses no window (a stuck encoding is stuck by encoding_queries.stuck_thresholds, not by a rule's window).
THRESHOLD_MEANS = {
    AlertKind.FAILED: "failures of one cause within the window",
    AlertKind.SPIKE: "failures of every cause within the window",
    AlertKind.STUCK: "stuck encodings",
    AlertKind.STUCK_LIVE: "stuck live encodings",
    AlertKind.SYNC: "sync failures in a row",
}
WINDOW_MEANS = {
    AlertKind.FAILED: "the window failures are counted in",
    AlertKind.SPIKE: "the window failures are counted in",
    AlertKind.STUCK: None,
    AlertKind.STUCK_LIVE: None,
    AlertKind.SYNC: "how long without a successful sync (never shorter than the pages' “Sync behind”)",
}


def uses_window(kind: str) -> bool:
    return WINDOW_MEANS.get(kind) is not None


def rule_with_changes(default: Rule, saved: AlertRule | None) -> Rule:
    """The rule an organization has: its saved changes over the default; a field left empty keeps it."""
    if saved is None:
        return default
    return Rule(
        default.kind,
        saved.enabled,
        default.threshold if saved.threshold is None else max(1, saved.threshold),
        default.window if saved.window_seconds is None else timedelta(seconds=saved.window_seconds),
    )


def rules_for(organization: Organization) -> dict[str, Rule]:
    """Every rule of the organization, its saved changes over the defaults (one query)."""
    rules = default_rules()
    for saved in AlertRule.objects.filter(organization=organization):
        default = rules.get(saved.kind)
        if default is not None:
            rules[saved.kind] = rule_with_changes(default, saved)
    return rules


def rule_words(rule: Rule) -> str:
    """ "on, threshold 25, window 10 min": a rule's values in words (the page, audit entries, messages)."""
    words = f"{'on' if rule.enabled else 'off'}, threshold {rule.threshold}"
    if uses_window(rule.kind):
        words += f", window {duration_words(rule.window.total_seconds())}"
    return words


@dataclass(frozen=True)
class RuleSetting:
    """One rule as the settings page shows it: what applies, what the default is, and the saved change."""

    kind: str
    label: str
    default: Rule
    effective: Rule
    saved: AlertRule | None

    @property
    def threshold_means(self) -> str:
        return THRESHOLD_MEANS[self.kind]

    @property
    def window_means(self) -> str | None:
        return WINDOW_MEANS[self.kind]

    @property
    def uses_window(self) -> bool:
        return uses_window(self.kind)

    @property
    def effective_words(self) -> str:
        return rule_words(self.effective)

    @property
    def default_words(self) -> str:
        return rule_words(self.default)


def rule_settings(organization: Organization) -> list[RuleSetting]:
    """Every rule kind in AlertKind's order, with its default and the organization's change (one query)."""
    defaults = default_rules()
    saved = {row.kind: row for row in AlertRule.objects.filter(organization=organization)}
    return [
        RuleSetting(
            kind=kind.value,
            label=kind.label,
            default=defaults[kind],
            effective=rule_with_changes(defaults[kind], saved.get(kind)),
            saved=saved.get(kind),
        )
        for kind in AlertKind
    ]
