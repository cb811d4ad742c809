"""Reads of alert incidents: worst first, the switcher's aggregate, the wall's fingerprint, the details read
defensively."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from encodings_app.models import AlertKind, Incident, Organization, Role
from encodings_app.selectors.incidents import (
    incident_facts,
    open_incidents_worst_first,
    resolved_incidents_page,
)
from encodings_app.selectors.organizations import organizations_with_health
from encodings_app.selectors.wall import scope_for_organization
from tests.factories import make_incident, make_member, make_organization, make_user

pytestmark = pytest.mark.django_db


def test_open_incidents_come_critical_first_then_by_kind_count_and_age():
    organization = make_organization()
    few = make_incident(organization, AlertKind.FAILED, count=2, minutes_ago=5)
    many = make_incident(organization, AlertKind.FAILED, count=30, minutes_ago=50)
    stuck_live = make_incident(organization, AlertKind.STUCK_LIVE, minutes_ago=1)
    sync = make_incident(organization, AlertKind.SYNC, minutes_ago=100)
    newer_tie = make_incident(organization, AlertKind.FAILED, count=2, minutes_ago=1)
    make_incident(organization, AlertKind.SYNC, resolved_minutes_ago=1)

    assert open_incidents_worst_first(organization) == [sync, stuck_live, many, newer_tie, few]


def test_resolved_incidents_newest_first_and_a_page_past_the_end_is_the_last():
    organization = make_organization()
    old = make_incident(organization, minutes_ago=300, resolved_minutes_ago=200)
    new = make_incident(organization, minutes_ago=30, resolved_minutes_ago=20)
    make_incident(organization, minutes_ago=1)

    page, corrected = resolved_incidents_page(organization, 1)
    assert list(page.object_list) == [new, old] and not corrected
    page, corrected = resolved_incidents_page(organization, 5)
    assert page.number == 1 and corrected


def test_the_switcher_reads_every_organizations_open_incidents_in_its_one_query(django_assert_num_queries):
    user = make_user()
    organizations = [make_organization(name=f"Org {index}") for index in range(6)]
    for index, organization in enumerate(organizations):
        make_member(organization, Role.VIEWER, user=user)
        for _ in range(index % 3):
            make_incident(organization, AlertKind.STUCK)
        if index == 4:
            make_incident(organization, AlertKind.SPIKE)
        make_incident(organization, AlertKind.SYNC, resolved_minutes_ago=1)
    Organization.objects.update(last_sync_succeeded_at=timezone.now())

    with django_assert_num_queries(1):
        healths = organizations_with_health(user)

    by_name = {health.organization.name: health for health in healths}
    assert [
        (by_name[f"Org {i}"].open_incidents, by_name[f"Org {i}"].incident_severity) for i in range(6)
    ] == [
        (0, ""),
        (1, "warning"),
        (2, "warning"),
        (0, ""),
        (2, "critical"),
        (2, "warning"),
    ]
    assert healths[0].organization.name == "Org 4", "a critical incident puts its organization first"
    assert [health.level for health in healths[:3]] == ["bad", "warn", "warn"]


def fingerprint(organization: Organization) -> tuple:
    return scope_for_organization(organization).incidents


def test_the_walls_fingerprint_changes_with_what_a_banner_shows_and_only_then():
    organization = make_organization()
    assert fingerprint(organization) == ((organization.pk, ""),)
    incident = make_incident(organization, AlertKind.FAILED, title="3 encodings failed: Input not found")
    opened = fingerprint(organization)
    assert opened != ((organization.pk, ""),)

    Incident.objects.filter(pk=incident.pk).update(last_seen_at=timezone.now(), summary="Other words")
    assert fingerprint(organization) == opened, "found again, its banner unchanged"

    Incident.objects.filter(pk=incident.pk).update(title="3 encodings failed: Output not writable")
    retitled = fingerprint(organization)
    assert retitled != opened, "the same count, another title"

    Incident.objects.filter(pk=incident.pk).update(count=4)
    counted = fingerprint(organization)
    assert counted != retitled

    Incident.objects.filter(pk=incident.pk).update(kind=AlertKind.SPIKE)
    assert fingerprint(organization) != counted, "its severity changed"

    second = make_incident(organization, AlertKind.STUCK)
    both = fingerprint(organization)
    Incident.objects.filter(pk=second.pk).update(resolved_at=timezone.now())
    assert fingerprint(organization) not in (both, ((organization.pk, ""),))


def test_another_organizations_incidents_leave_the_fingerprint_alone():
    mine, theirs = make_organization(), make_organization()
    before = fingerprint(mine)
    make_incident(theirs)
    assert fingerprint(mine) == before


def test_details_are_read_defensively():
    organization = make_organization()
    odd = make_incident(
        organization,
        AlertKind.FAILED,
        details={
            "error_code": "2001",
            "retry_helps": "yes",
            "meaning": 42,
            "first_failed_at": "not a time",
            "last_failed_at": "2026-12-01T10:00:00+00:00",
            "window_seconds": True,
        },
    )
    facts = incident_facts(odd)
    assert facts.error_code is None and facts.retry_helps is None and facts.meaning == ""
    assert facts.first_failed_at is None and facts.window_seconds is None
    assert facts.last_failed_at == datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert not facts.explains_failure
    listed = make_incident(organization, AlertKind.SYNC, details=["not", "a", "dict"])
    assert incident_facts(listed) == incident_facts(make_incident(organization, AlertKind.SYNC, details={}))


def test_a_failure_explanation_only_explains_failures():
    organization = make_organization()
    stuck = make_incident(organization, AlertKind.STUCK, details={"meaning": "m", "what_to_do": "w"})
    assert not incident_facts(stuck).explains_failure
    failed = make_incident(organization, AlertKind.FAILED, details={"meaning": "m", "what_to_do": "w"})
    assert incident_facts(failed).explains_failure
