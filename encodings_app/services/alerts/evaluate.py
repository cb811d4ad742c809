"""Evaluating the alert rules of one organization, or of all, and telling the channels what changed: what
beat's task, the evaluation a sync or webhook nudges, and send_alerts run."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from encodings_app.models import Organization
from encodings_app.services.alerts.failures import failure_conditions
from encodings_app.services.alerts.incidents import Reconciled, incidents_reconcile
from encodings_app.services.alerts.notify import Notified, incidents_notify
from encodings_app.services.alerts.rules import Rule, rules_for
from encodings_app.services.alerts.silences import active_silences, silence_covering
from encodings_app.services.alerts.stuck import stuck_conditions
from encodings_app.services.alerts.sync_broken import sync_conditions

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Evaluated:
    organization: Organization
    outcome: Reconciled
    notified: Notified = field(default_factory=Notified)


def alerts_evaluate(
    *, organization: Organization, now: datetime | None = None, rules: dict[str, Rule] | None = None
) -> Reconciled:
    """Open, update and resolve the organization's incidents from the mirror and the sync state as they are
    now: a few aggregate queries, whatever the number of encodings. `organization` must be freshly loaded
    (its sync state is read from it)."""
    now = now or timezone.now()
    rules = rules or rules_for(organization)
    conditions = [
        *failure_conditions(organization, rules, now),
        *stuck_conditions(organization, rules, now),
        *sync_conditions(organization, rules, now),
    ]
    return incidents_reconcile(organization=organization, conditions=conditions, now=now)


def alerts_run(*, organization: Organization, now: datetime | None = None) -> Evaluated:
    """Evaluate, then tell the channels what is due (services/alerts/notify.py); what a silence mutes opens
    its incident (the pages show it) but is not told while the silence lasts."""
    now = now or timezone.now()
    rules = rules_for(organization)
    outcome = alerts_evaluate(organization=organization, now=now, rules=rules)
    silences = active_silences(organization, now)
    notified = incidents_notify(
        organization=organization,
        rules=rules,
        now=now,
        muted=lambda kind: silence_covering(silences, kind) is not None,
    )
    return Evaluated(organization, outcome, notified)


def alerts_run_all(*, now: datetime | None = None) -> list[Evaluated]:
    """Every organization in turn; one whose run fails is logged and the others go on (the next run tries it
    again)."""
    now = now or timezone.now()
    evaluated = []
    # With the connection: the broken-sync rule asks whether each organization has a key.
    for organization in Organization.objects.select_related("connection").order_by("pk"):
        try:
            evaluated.append(alerts_run(organization=organization, now=now))
        except Exception:
            logger.exception("Evaluating the alerts of organization %s failed", organization.slug)
    return evaluated
