"""Failed encodings become one incident per cause, with the catalogue's words and the list filtered to them;
a spike across causes has its own."""

from datetime import timedelta

import pytest
from django.utils import timezone

from encodings_app.models import AlertKind, AlertRule, Incident, IncidentEvent
from encodings_app.services.alerts import alerts_evaluate
from tests.factories import failed_encodings, make_organization

pytestmark = pytest.mark.django_db


def open_incidents(organization):
    return {incident.cause: incident for incident in organization.incidents.filter(resolved_at=None)}


def test_three_hundred_failures_with_one_code_are_one_incident_naming_the_code_and_the_count(organization):
    failed_encodings(organization, 300, code=2001, minutes_ago=0.5)

    outcome = alerts_evaluate(organization=organization)

    assert [incident.cause for incident in outcome.opened] == ["failed:code:2001"]
    incident = Incident.objects.get(organization=organization)
    assert incident.kind == AlertKind.FAILED
    assert incident.count == 300
    assert incident.title == "300 encodings failed: Input configuration not usable (error 2001)"
    assert "300 encodings failed in the last 15 min" in incident.summary
    assert "What to do: Check the input storage" in incident.summary
    assert incident.details["doc_url"].startswith("https://")
    assert incident.details["retry_helps"] is True  # the encoder's hint (RETRY) says so
    assert incident.details["list_query"]["code"] == "2001"
    assert [event.kind for event in incident.events.all()] == [IncidentEvent.Kind.OPENED]


def test_the_list_filter_of_an_incident_shows_exactly_its_encodings(client, world):
    counted = failed_encodings(world.acme, 3, code=2001, minutes_ago=2)
    failed_encodings(world.acme, 2, code=2001, minutes_ago=60)  # before the window
    failed_encodings(world.acme, 2, code=2016, minutes_ago=2)  # another cause
    alerts_evaluate(organization=world.acme)
    query = Incident.objects.get(cause="failed:code:2001").details["list_query"]

    client.force_login(world.viewer)
    response = client.get(f"/o/{world.acme.slug}/encodings/", query)

    assert {encoding.pk for encoding in response.context["page"].object_list} == {e.pk for e in counted}


def test_more_failures_update_the_same_incident_without_a_new_event(organization):
    failed_encodings(organization, 3, code=2001)
    alerts_evaluate(organization=organization)
    failed_encodings(organization, 2, code=2001)

    outcome = alerts_evaluate(organization=organization)

    assert outcome.opened == [] and [i.cause for i in outcome.updated] == ["failed:code:2001"]
    incident = Incident.objects.get(organization=organization)
    assert incident.count == 5 and incident.title.startswith("5 encodings failed")
    assert IncidentEvent.objects.count() == 1


def test_failures_that_age_out_of_the_window_resolve_the_incident_with_an_event(organization):
    failed_encodings(organization, 4, code=2001, minutes_ago=10)
    alerts_evaluate(organization=organization)

    outcome = alerts_evaluate(organization=organization, now=timezone.now() + timedelta(minutes=6))

    assert [incident.cause for incident in outcome.resolved] == ["failed:code:2001"]
    incident = Incident.objects.get(organization=organization, cause="failed:code:2001")
    assert incident.resolved_at is not None
    assert sorted(incident.events.values_list("kind", flat=True)) == ["opened", "resolved"]


def test_a_cause_that_returns_after_resolving_opens_a_new_incident(organization):
    failed_encodings(organization, 1, code=2001, minutes_ago=20)
    alerts_evaluate(organization=organization, now=timezone.now() - timedelta(minutes=10))
    alerts_evaluate(organization=organization)
    failed_encodings(organization, 1, code=2001)

    alerts_evaluate(organization=organization)

    assert organization.incidents.count() == 2
    assert list(open_incidents(organization)) == ["failed:code:2001"]


def test_two_codes_are_two_incidents(organization):
    failed_encodings(organization, 5, code=2001)
    failed_encodings(organization, 7, code=2016)

    alerts_evaluate(organization=organization)

    incidents = open_incidents(organization)
    assert set(incidents) == {"failed:code:2001", "failed:code:2016"}
    assert (incidents["failed:code:2001"].count, incidents["failed:code:2016"].count) == (5, 7)


def test_task_errors_unknown_to_the_catalogue_are_grouped_by_category_and_code(organization):
    failed_encodings(organization, 2, code=987654, error_category="Muxing", error_text="The muxer gave up")
    failed_encodings(organization, 1, code=987654, error_category="Input", error_text="No input")

    alerts_evaluate(organization=organization)

    incidents = open_incidents(organization)
    assert set(incidents) == {"failed:task:Muxing:987654", "failed:task:Input:987654"}
    assert incidents["failed:task:Muxing:987654"].title == "2 encodings failed: Muxing (error 987654)"


def test_evaluating_twice_changes_nothing(organization):
    failed_encodings(organization, 3, code=2001)
    alerts_evaluate(organization=organization)
    before = list(Incident.objects.values("pk", "title", "count", "details", "resolved_at"))

    outcome = alerts_evaluate(organization=organization)

    assert not outcome.changed
    assert list(Incident.objects.values("pk", "title", "count", "details", "resolved_at")) == before
    assert IncidentEvent.objects.count() == 1


def test_a_spike_across_codes_opens_its_own_incident(organization):
    AlertRule.objects.create(organization=organization, kind=AlertKind.SPIKE, threshold=10)
    failed_encodings(organization, 6, code=2001)
    failed_encodings(organization, 5, code=2016)

    alerts_evaluate(organization=organization)

    spike = open_incidents(organization)["spike"]
    assert spike.kind == AlertKind.SPIKE and spike.count == 11
    assert spike.title == "Failure spike: 11 encodings failed in 10 min"
    assert "with 2 different causes" in spike.summary


def test_many_failures_of_one_cause_are_its_incident_and_no_spike(organization):
    failed_encodings(organization, 300, code=2001)

    alerts_evaluate(organization=organization)

    assert list(open_incidents(organization)) == ["failed:code:2001"]


def test_below_the_spike_threshold_there_is_no_spike(organization):
    failed_encodings(organization, 12, code=2001)
    failed_encodings(organization, 12, code=2016)

    alerts_evaluate(organization=organization)

    assert "spike" not in open_incidents(organization)


def test_a_disabled_rule_opens_nothing_and_resolves_what_it_opened(organization):
    failed_encodings(organization, 3, code=2001)
    alerts_evaluate(organization=organization)
    AlertRule.objects.create(organization=organization, kind=AlertKind.FAILED, enabled=False)

    outcome = alerts_evaluate(organization=organization)

    assert [incident.cause for incident in outcome.resolved] == ["failed:code:2001"]
    assert open_incidents(organization) == {}


def test_an_organizations_failures_open_nothing_in_another(organization):
    other = make_organization("other")
    failed_encodings(other, 3, code=2001)

    alerts_evaluate(organization=organization)

    assert open_incidents(organization) == {}


@pytest.mark.parametrize("failures", [3, 300])
def test_an_evaluation_takes_the_same_few_queries_whatever_the_number_of_failures(
    organization, django_assert_num_queries, failures
):
    failed_encodings(organization, failures, code=2001)
    failed_encodings(organization, failures, code=2016)
    alerts_evaluate(organization=organization)

    # Its rules, the failures grouped by cause, the stuck counts, the open incidents, their last_seen_at.
    with django_assert_num_queries(5):
        alerts_evaluate(organization=organization)
