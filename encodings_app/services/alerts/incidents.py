"""Reconciling an organization's open incidents with the conditions an evaluation found: a new cause opens
an incident at once, a known one is brought up to date, and one no longer found is resolved. Each opening
and resolution writes its IncidentEvent in the same transaction, for a notifier to deliver once.

Safe to run twice and concurrently (beat's task and send_alerts): one open incident per cause is a
constraint of the database, and a resolution is a conditional update that only one evaluation wins."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction

from encodings_app.models import Incident, IncidentEvent, Organization
from encodings_app.services.alerts.condition import Condition

# What an evaluation may change on an open incident: the words and the count follow the condition.
FOLLOWED = ("kind", "title", "summary", "count", "details")


@dataclass
class Reconciled:
    opened: list[Incident] = field(default_factory=list)
    updated: list[Incident] = field(default_factory=list)
    resolved: list[Incident] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return len(self.opened) + len(self.updated) + len(self.resolved)

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def incidents_reconcile(
    *, organization: Organization, conditions: list[Condition], now: datetime
) -> Reconciled:
    found = {condition.cause: condition for condition in conditions}
    open_incidents = {
        incident.cause: incident
        for incident in Incident.objects.filter(organization=organization, resolved_at__isnull=True)
    }
    outcome = Reconciled()
    unchanged = []
    for cause, condition in found.items():
        incident = open_incidents.get(cause)
        if incident is None:
            opened = _open(organization, condition, now)
            if opened is not None:
                outcome.opened.append(opened)
        elif any(getattr(incident, name) != getattr(condition, name) for name in FOLLOWED):
            if _follow(incident, condition, now):
                outcome.updated.append(incident)
        else:
            unchanged.append(incident.pk)
    if unchanged:
        # One statement for every incident still found as it was.
        Incident.objects.filter(pk__in=unchanged, resolved_at__isnull=True).update(last_seen_at=now)
    for cause, incident in open_incidents.items():
        if cause not in found and _resolve(incident, now):
            outcome.resolved.append(incident)
    return outcome


def _open(organization: Organization, condition: Condition, now: datetime) -> Incident | None:
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                organization=organization,
                cause=condition.cause,
                **{name: getattr(condition, name) for name in FOLLOWED},
                opened_at=now,
                last_seen_at=now,
            )
            IncidentEvent.objects.create(incident=incident, kind=IncidentEvent.Kind.OPENED, at=now)
    except IntegrityError:
        # Another evaluation opened it meanwhile: that one recorded the event.
        return None
    return incident


def _follow(incident: Incident, condition: Condition, now: datetime) -> bool:
    values = {name: getattr(condition, name) for name in FOLLOWED}
    if not Incident.objects.filter(pk=incident.pk, resolved_at__isnull=True).update(
        **values, last_seen_at=now
    ):
        return False
    for name, value in values.items():
        setattr(incident, name, value)
    incident.last_seen_at = now
    return True


def _resolve(incident: Incident, now: datetime) -> bool:
    with transaction.atomic():
        if not Incident.objects.filter(pk=incident.pk, resolved_at__isnull=True).update(resolved_at=now):
            return False
        IncidentEvent.objects.create(incident=incident, kind=IncidentEvent.Kind.RESOLVED, at=now)
    incident.resolved_at = now
    return True
