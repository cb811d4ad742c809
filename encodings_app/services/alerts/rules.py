"""The alert rules of an organization: the defaults every organization starts with, and the changes an admin
saved (AlertRule rows, one per changed rule). A rule without a row applies with its defaults."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from encodings_app.models import AlertKind, AlertRule, Organization

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


def rules_for(organization: Organization) -> dict[str, Rule]:
    """Every rule of the organization, its saved changes over the defaults (one query)."""
    rules = default_rules()
    for saved in AlertRule.objects.filter(organization=organization):
        default = rules.get(saved.kind)
        if default is None:
            continue
        rules[saved.kind] = Rule(
            saved.kind,
            saved.enabled,
            default.threshold if saved.threshold is None else max(1, saved.threshold),
            default.window if saved.window_seconds is None else timedelta(seconds=saved.window_seconds),
        )
    return rules
