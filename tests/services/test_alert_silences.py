"""Silences: which one mutes a rule, until when (run out, ended early), reads in one query, refusals in plain
words, the audit trail, and that incidents still open under a silence."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from encodings_app.models import AlertKind, AlertSilence, AuditEvent
from encodings_app.services.alerts import alerts_evaluate
from encodings_app.services.alerts.silences import (
    MAX_SILENCE,
    SilenceRefused,
    active_silences,
    active_silences_by_org,
    silence_add,
    silence_covering,
    silence_end,
    silences_ended,
)
from tests.factories import failed_encodings, make_member, make_organization, make_silence, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def ana(organization):
    return make_member(organization, "admin", user=make_user("ana"))


def mute(organization, now, kind="", hours=1, reason="maintenance window", user=None) -> AlertSilence:
    return make_silence(organization, kind=kind, hours=hours, reason=reason, user=user, now=now)


def test_an_organization_wide_silence_mutes_every_rule(organization, now):
    everything = mute(organization, now)
    silences = active_silences(organization, now)
    for kind in AlertKind.values:
        assert silence_covering(silences, kind) == everything


def test_a_silence_of_one_rule_mutes_that_rule_only(organization, now):
    spike = mute(organization, now, kind=AlertKind.SPIKE)
    silences = active_silences(organization, now)
    assert silence_covering(silences, AlertKind.SPIKE) == spike
    assert silence_covering(silences, AlertKind.FAILED) is None
    assert silence_covering(silences, AlertKind.SYNC) is None
    assert silence_covering([], AlertKind.SPIKE) is None


def test_of_several_silences_the_one_lasting_longest_is_the_one_that_covers(organization, now):
    mute(organization, now, hours=1)
    long_spike = mute(organization, now, kind=AlertKind.SPIKE, hours=8)
    silences = active_silences(organization, now)
    assert silence_covering(silences, AlertKind.SPIKE) == long_spike
    assert silence_covering(silences, AlertKind.FAILED).ends_at == now + timedelta(hours=1)


def test_a_silence_runs_out_at_its_end(organization, now):
    silence = mute(organization, now, hours=1)
    assert active_silences(organization, now + timedelta(minutes=59)) == [silence]
    assert active_silences(organization, now + timedelta(hours=1)) == []
    assert silence_covering(active_silences(organization, now + timedelta(hours=2)), AlertKind.FAILED) is None
    assert silences_ended(organization, now + timedelta(hours=2)) == [silence]


def test_a_silence_ended_early_stops_muting_then_and_keeps_its_planned_end(organization, now, ana):
    silence = mute(organization, now, kind=AlertKind.STUCK, hours=4)
    later = now + timedelta(minutes=30)

    assert silence_end(silence=silence, user=ana, now=later) is True

    assert active_silences(organization, later) == []
    assert silence_covering(active_silences(organization, later), AlertKind.STUCK) is None
    # Before it was ended, it muted: the history reads right.
    assert active_silences(organization, now + timedelta(minutes=10)) == [silence]
    stored = AlertSilence.objects.get(pk=silence.pk)
    assert (stored.ended_at, stored.ends_at, stored.ended_early) == (later, now + timedelta(hours=4), True)
    assert stored.until == later
    assert silences_ended(organization, later) == [stored]


def test_ending_a_silence_that_is_over_changes_nothing(organization, now):
    silence = mute(organization, now, hours=1)
    assert silence_end(silence=silence, now=now + timedelta(minutes=5)) is True
    assert silence_end(silence=silence, now=now + timedelta(minutes=6)) is False
    ran_out = mute(organization, now, hours=1)
    assert silence_end(silence=ran_out, now=now + timedelta(hours=2)) is False
    assert AlertSilence.objects.get(pk=ran_out.pk).ended_at is None
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SILENCE_END).count() == 1


def test_recently_over_lists_the_latest_stopped_first(organization, now):
    ran_out = mute(organization, now - timedelta(hours=3), hours=1)  # over at now - 2 h
    ended = mute(organization, now - timedelta(hours=3), hours=24)
    silence_end(silence=ended, now=now - timedelta(minutes=10))
    mute(organization, now, hours=1)  # still active: not listed
    assert silences_ended(organization, now) == [AlertSilence.objects.get(pk=ended.pk), ran_out]


def test_the_reads_cost_one_query_whatever_the_silences(organization, now, django_assert_num_queries):
    other = make_organization("globex")
    for kind in ("", AlertKind.FAILED, AlertKind.SYNC):
        mute(organization, now, kind=kind)
    mute(other, now, kind=AlertKind.SPIKE)
    third = make_organization("initech")
    over = mute(third, now - timedelta(hours=2), hours=1)

    with django_assert_num_queries(1):
        silences = active_silences(organization, now)
        assert [silence.created_by for silence in silences] == [None, None, None]
    with django_assert_num_queries(1):
        by_org = active_silences_by_org([organization.pk, other.pk, third.pk], now)
        assert {org_id: len(rows) for org_id, rows in by_org.items()} == {organization.pk: 3, other.pk: 1}
    assert over.pk not in [silence.pk for rows in by_org.values() for silence in rows]
    assert silence_covering(by_org[other.pk], AlertKind.SPIKE).organization_id == other.pk


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"ends_at": timedelta(minutes=-1)}, "ends_at", "The end must be in the future."),
        ({"ends_at": timedelta(0)}, "ends_at", "The end must be in the future."),
        ({"ends_at": MAX_SILENCE + timedelta(minutes=1)}, "ends_at", "A silence lasts at most 30 days"),
        ({"reason": "   "}, "reason", "Say why"),
        ({"reason": "x" * 301}, "reason", "At most 300 characters."),
        ({"kind": "everything"}, "kind", "Choose a rule, or every rule."),
    ],
)
def test_a_silence_that_cannot_be_is_refused_in_plain_words(organization, now, values, field, words):
    arguments = {"kind": "", "reason": "maintenance", "ends_at": timedelta(hours=1)} | values
    arguments["ends_at"] = now + arguments["ends_at"]
    with pytest.raises(SilenceRefused, match=words) as refused:
        silence_add(organization=organization, now=now, **arguments)
    assert refused.value.field == field
    assert not AlertSilence.objects.exists()
    assert not AuditEvent.objects.exists()


def test_adding_and_ending_are_audited_with_who_what_and_why(organization, now, ana):
    silence = mute(organization, now, kind=AlertKind.SPIKE, hours=4, reason="  provider   outage ", user=ana)
    silence_end(silence=silence, user=ana, now=now + timedelta(hours=1))

    added, ended = AuditEvent.objects.order_by("pk")
    assert silence.reason == "provider outage"
    assert (added.action, added.username, added.organization_slug) == ("silence.add", "ana", "acme")
    assert added.target == "Failure spike"
    ends = (now + timedelta(hours=4)).astimezone(UTC)
    assert added.detail == f"Until {ends:%Y-%m-%d %H:%M} UTC: provider outage"
    assert (ended.action, ended.username, ended.target) == ("silence.end", "ana", "Failure spike")


def test_incidents_still_open_under_a_silence(organization, now):
    mute(organization, now, hours=4)
    failed_encodings(organization, 2, code=2001)
    alerts_evaluate(organization=organization)
    assert organization.incidents.filter(resolved_at__isnull=True, cause="failed:code:2001").exists()
