"""A broken sync and stuck encodings open incidents, and close them when the sync works again or the
encodings move. The sync's state is recorded here the way the sync records it (services/sync_state.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from encodings_app.bitmovin import AuthenticationError, BitmovinError
from encodings_app.models import AlertKind, Incident, IncidentEvent, Organization, SyncRun
from encodings_app.services.alerts import alerts_evaluate
from encodings_app.services.sync_state import record_failure, record_success
from tests.factories import TEST_API_KEY, live_encoding, make_encoding, make_organization, running_encoding
from tests.support.api_client import point_at

pytestmark = pytest.mark.django_db


def fresh(organization):
    return Organization.objects.get(pk=organization.pk)


def evaluate(organization, **kwargs):
    return alerts_evaluate(organization=fresh(organization), **kwargs)


def open_causes(organization):
    return sorted(organization.incidents.filter(resolved_at=None).values_list("cause", flat=True))


def sync_fails(organization, error=None, *, key_rejected=False):
    run = SyncRun.objects.create(organization=organization)
    record_failure(
        organization, run, error=error or BitmovinError("Service unavailable"), key_rejected=key_rejected
    )


def sync_succeeds(organization):
    record_success(organization, SyncRun.objects.create(organization=organization))


def rejected():
    return AuthenticationError("Unauthorized", http_status=401, code=1001)


def test_a_rejected_key_opens_sync_broken_and_a_good_key_resolves_it(organization):
    sync_succeeds(organization)
    sync_fails(organization, rejected(), key_rejected=True)

    outcome = evaluate(organization)

    assert [incident.cause for incident in outcome.opened] == ["sync:key_rejected"]
    incident = Incident.objects.get(organization=organization)
    assert incident.kind == AlertKind.SYNC
    assert incident.title == "Sync broken: Bitmovin rejects the API key"

    # An admin saves a good key: the flags clear; the next sync succeeds.
    point_at(fresh(organization), api_key=TEST_API_KEY)
    assert evaluate(organization).resolved == [incident]
    sync_succeeds(organization)

    assert not evaluate(organization).changed
    assert open_causes(organization) == []
    assert sorted(incident.events.values_list("kind", flat=True)) == ["opened", "resolved"]


def test_a_rejected_keys_failure_streak_waits_for_the_new_keys_first_sync(organization):
    sync_succeeds(organization)
    for _ in range(4):
        sync_fails(organization, rejected(), key_rejected=True)
    point_at(fresh(organization), api_key=TEST_API_KEY)

    evaluate(organization)

    assert open_causes(organization) == []


def test_an_unreadable_key_opens_its_own_incident(organization):
    Organization.objects.filter(pk=organization.pk).update(key_unreadable=True, key_rejected=True)

    evaluate(organization)

    assert open_causes(organization) == ["sync:key_unreadable"]


def test_three_failed_syncs_in_a_row_open_sync_failing_and_a_success_resolves_it(organization):
    sync_succeeds(organization)
    for _ in range(2):
        sync_fails(organization)
    evaluate(organization)
    assert open_causes(organization) == []

    sync_fails(organization)
    evaluate(organization)
    incident = Incident.objects.get(organization=organization, cause="sync:failing")
    assert incident.title == "Sync broken: 3 syncs in a row failed"
    assert "Service unavailable" in incident.summary

    sync_fails(organization)
    evaluate(organization)
    incident.refresh_from_db()
    assert incident.count == 4 and incident.resolved_at is None

    sync_succeeds(organization)
    evaluate(organization)
    incident.refresh_from_db()
    assert incident.resolved_at is not None


def test_no_successful_sync_for_ten_intervals_is_a_silent_sync(organization, settings):
    settings.SYNC_INTERVAL_SECONDS = 30
    Organization.objects.filter(pk=organization.pk).update(
        last_sync_succeeded_at=timezone.now() - timedelta(seconds=290)
    )
    evaluate(organization)
    assert open_causes(organization) == []

    Organization.objects.filter(pk=organization.pk).update(
        last_sync_succeeded_at=timezone.now() - timedelta(seconds=310)
    )
    evaluate(organization)

    incident = Incident.objects.get(organization=organization)
    assert (incident.cause, incident.title) == (
        "sync:silent",
        "Sync broken: no successful sync for more than 5 min",
    )


def test_an_organization_without_a_key_or_with_its_sync_off_has_no_sync_incident(db):
    keyless = make_organization("keyless", api_key=None, consecutive_failures=5)
    off = make_organization("off", sync_enabled=False, key_rejected=True)

    for organization in (keyless, off):
        evaluate(organization, now=timezone.now() + timedelta(days=1))
        assert open_causes(organization) == []


def test_stuck_encodings_open_one_incident_and_live_ones_their_own(organization):
    now = timezone.now()
    for _ in range(2):
        running_encoding(organization, progress_changed_at=now - timedelta(hours=1))
    make_encoding(organization, status="QUEUED", queued_at=now - timedelta(hours=2), progress=None)
    running_encoding(organization)  # moving
    live_encoding(organization, last_read=timedelta(hours=1))
    live_encoding(organization, last_read=timedelta(seconds=10), name="Healthy stream")

    evaluate(organization)

    incidents = {incident.cause: incident for incident in organization.incidents.all()}
    assert set(incidents) == {"stuck", "stuck:live"}
    assert (incidents["stuck"].title, incidents["stuck"].kind) == ("3 encodings stuck", AlertKind.STUCK)
    assert incidents["stuck"].details["list_query"] == {"stuck": "1", "type": "VOD"}
    assert (incidents["stuck:live"].title, incidents["stuck:live"].count) == ("1 live encoding stuck", 1)


def test_stuck_encodings_that_move_again_resolve_the_incident(organization):
    stuck = running_encoding(organization, progress_changed_at=timezone.now() - timedelta(hours=1))
    evaluate(organization)
    stuck.progress_changed_at = timezone.now()
    stuck.save()

    outcome = evaluate(organization)

    assert [incident.cause for incident in outcome.resolved] == ["stuck"]
    assert IncidentEvent.objects.filter(kind=IncidentEvent.Kind.RESOLVED).count() == 1


def test_a_second_evaluation_records_no_event_twice(organization):
    sync_fails(organization, rejected(), key_rejected=True)
    running_encoding(organization, progress_changed_at=timezone.now() - timedelta(hours=1))
    evaluate(organization)

    outcome = evaluate(organization)

    assert not outcome.changed
    assert IncidentEvent.objects.count() == 2
