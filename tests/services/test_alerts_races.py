"""Two evaluations at once (beat's task and send_alerts) open and resolve each incident once: the second one
to act finds the first one's work done. The race is staged by running one evaluation inside the other,
between its read of the open incidents and its write."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from encodings_app.models import AlertKind, Incident, IncidentEvent
from encodings_app.services.alerts import alerts_evaluate, incidents
from tests.factories import failed_encodings

pytestmark = pytest.mark.django_db


def interleaved(monkeypatch, name, organization, **kwargs):
    """Replace incidents.<name> so that its first call lets a whole other evaluation run first."""
    original = getattr(incidents, name)

    def other_evaluation_first(*args):
        monkeypatch.setattr(incidents, name, original)
        alerts_evaluate(organization=organization, **kwargs)
        return original(*args)

    monkeypatch.setattr(incidents, name, other_evaluation_first)


def test_two_evaluations_opening_the_same_cause_record_one_incident_and_one_event(organization, monkeypatch):
    failed_encodings(organization, 3, code=2001)
    interleaved(monkeypatch, "_open", organization)

    outcome = alerts_evaluate(organization=organization)

    assert outcome.opened == [], "the other evaluation opened it"
    assert Incident.objects.filter(cause="failed:code:2001").count() == 1
    assert IncidentEvent.objects.filter(kind=IncidentEvent.Kind.OPENED).count() == 1


def test_two_evaluations_resolving_the_same_incident_record_one_event(organization, monkeypatch):
    failed_encodings(organization, 3, code=2001, minutes_ago=10)
    alerts_evaluate(organization=organization)
    later = timezone.now() + timedelta(minutes=6)
    interleaved(monkeypatch, "_resolve", organization, now=later)

    outcome = alerts_evaluate(organization=organization, now=later)

    assert outcome.resolved == []
    assert IncidentEvent.objects.filter(kind=IncidentEvent.Kind.RESOLVED).count() == 1


def test_the_database_holds_one_open_incident_per_cause_but_any_number_resolved(organization):
    def incident(**fields):
        return Incident.objects.create(
            organization=organization, kind=AlertKind.STUCK, cause="stuck", title="1 encoding stuck", **fields
        )

    incident(resolved_at=timezone.now())
    incident(resolved_at=timezone.now())
    incident()
    with pytest.raises(IntegrityError), transaction.atomic():
        incident()
