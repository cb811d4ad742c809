"""What the channels are told about incidents: each opening once, at most one message per cause and window, a
new cause at once, resolutions of what was told, and a digest for a flood. The evaluation runs on the clock
the tests give it; messages are read from the deliveries queued for one channel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from encodings_app import tasks
from encodings_app.models import AlertChannel, AlertDelivery, AlertKind, AlertRule, Incident, Organization
from encodings_app.services.alerts import alerts_run
from encodings_app.services.alerts.notify import MIN_WINDOW, NO_DETAILS_GRACE, incidents_notify
from encodings_app.services.alerts.rules import rules_for
from encodings_app.services.alerts.silences import silence_add
from tests.factories import failed_encodings, make_organization
from tests.services.alert_channel_support import add_channel

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def channel(organization, settings, monkeypatch) -> AlertChannel:
    settings.ALERT_CHANNELS_ALLOW_LOOPBACK = True
    # These tests move the clock by minutes; an organization that never synced would also be "sync broken".
    AlertRule.objects.create(organization=organization, kind=AlertKind.SYNC, enabled=False)
    Organization.objects.filter(pk=organization.pk).update(name="Acme")
    organization.name = "Acme"
    monkeypatch.setattr(tasks, "alerts_deliver_nudge", lambda: True)
    return add_channel(organization, AlertChannel.Kind.WEBHOOK, "http://127.0.0.1:9/hook").channel


def told(channel: AlertChannel) -> list[tuple[str, str]]:
    return list(channel.deliveries.order_by("pk").values_list("kind", "subject"))


def test_three_hundred_failures_of_one_code_are_one_message_naming_the_code_and_the_count(
    organization, channel
):
    failed_encodings(organization, 300, code=2001)

    alerts_run(organization=organization)
    alerts_run(organization=organization)

    [delivery] = channel.deliveries.all()
    assert delivery.kind == "opened"
    assert delivery.subject == "Acme: 300 encodings failed: Input configuration not usable (error 2001)"
    assert delivery.message_key == f"incident-{Incident.objects.get().pk}-opened"
    assert "300 encodings failed in the last 15 min" in delivery.body
    assert "What to do:" in delivery.body
    assert "Retrying helps." in delivery.body or "Retrying does not help." in delivery.body


def test_a_new_cause_is_told_at_once_while_another_is_open(organization, channel):
    now = timezone.now()
    failed_encodings(organization, 2, code=2001)
    alerts_run(organization=organization, now=now)
    failed_encodings(organization, 1, code=2016, minutes_ago=-1)

    alerts_run(organization=organization, now=now + timedelta(minutes=2))

    assert [kind for kind, _ in told(channel)] == ["opened", "opened"]
    assert "(error 2016)" in told(channel)[1][1]


def test_a_growing_count_is_told_again_once_per_window(organization, channel):
    now = timezone.now()
    failed_encodings(organization, 2, code=2001)
    alerts_run(organization=organization, now=now)
    failed_encodings(organization, 5, code=2001, minutes_ago=-1)
    alerts_run(organization=organization, now=now + timedelta(minutes=5))
    assert len(told(channel)) == 1, "within the window the growth waits"

    # A window later the failures keep coming: one reminder with the new count, and only one.
    failed_encodings(organization, 3, code=2001, minutes_ago=-15)
    later = now + MIN_WINDOW + timedelta(minutes=1)
    alerts_run(organization=organization, now=later)
    alerts_run(organization=organization, now=later + timedelta(seconds=30))

    kinds = told(channel)
    assert [kind for kind, _ in kinds] == ["opened", "update"]
    update = channel.deliveries.get(kind="update")
    assert update.subject.startswith("Still open: Acme: ")
    assert "2 when last told" in update.body


def test_a_resolution_is_told_for_what_was_told(organization, channel):
    now = timezone.now()
    failed_encodings(organization, 2, code=2001)
    alerts_run(organization=organization, now=now)

    alerts_run(organization=organization, now=now + timedelta(minutes=20))

    assert [kind for kind, _ in told(channel)] == ["opened", "resolved"]
    resolved = channel.deliveries.get(kind="resolved")
    assert resolved.severity == "info"
    assert resolved.subject.startswith("Resolved: Acme: 2 encodings failed")
    assert Incident.objects.get().notice_settled_at is not None


def test_a_cause_that_comes_back_within_its_window_is_held_then_told_if_still_open(organization, channel):
    now = timezone.now()
    failed_encodings(organization, 1, code=2001)
    alerts_run(organization=organization, now=now)
    alerts_run(organization=organization, now=now + timedelta(minutes=16))  # resolved: told
    failed_encodings(organization, 1, code=2001, minutes_ago=-17)

    alerts_run(organization=organization, now=now + timedelta(minutes=18))  # back: held
    assert [kind for kind, _ in told(channel)] == ["opened", "resolved"]

    alerts_run(organization=organization, now=now + timedelta(minutes=16) + MIN_WINDOW)
    assert [kind for kind, _ in told(channel)] == ["opened", "resolved", "opened"]


def test_a_cause_back_before_its_resolution_was_told_continues_the_story_silently(organization, channel):
    now = timezone.now()
    failed_encodings(organization, 1, code=2001)
    alerts_run(organization=organization, now=now)
    first = Incident.objects.get()
    # Resolved and reopened by evaluations that told nothing (a run that only evaluates, then a failure).
    Incident.objects.filter(pk=first.pk).update(resolved_at=now + timedelta(minutes=16))
    failed_encodings(organization, 1, code=2001, minutes_ago=-17)

    alerts_run(organization=organization, now=now + timedelta(minutes=18))

    assert [kind for kind, _ in told(channel)] == ["opened"]
    second = Incident.objects.get(resolved_at__isnull=True)
    assert second.notified_at is not None, "the new incident carries the story the team knows"


def test_failures_without_details_wait_for_them(organization, channel):
    now = timezone.now()
    [encoding] = failed_encodings(organization, 1, code=None, error_category="", error_text="")
    alerts_run(organization=organization, now=now)
    assert told(channel) == []

    # The status read brings the code: the "no details" incident resolves untold, the code's is told.
    encoding.error_code, encoding.error_category = 2001, "Encoding"
    encoding.save()
    alerts_run(organization=organization, now=now + timedelta(seconds=30))

    assert [kind for kind, _ in told(channel)] == ["opened"]
    assert "(error 2001)" in told(channel)[0][1]


def test_failures_whose_details_never_come_are_told_after_the_grace(organization, channel):
    now = timezone.now()
    failed_encodings(organization, 1, code=None, error_category="", error_text="")
    alerts_run(organization=organization, now=now)

    alerts_run(organization=organization, now=now + NO_DETAILS_GRACE)

    assert [kind for kind, _ in told(channel)] == ["opened"]


def test_a_flood_of_causes_is_one_digest(organization, channel):
    for code in (2001, 2016, 2020, 2022, 2031):
        failed_encodings(organization, 2, code=code)

    outcome = alerts_run(organization=organization).notified

    [digest] = channel.deliveries.all()
    assert outcome.digest and len(outcome.told) >= 5
    assert digest.kind == "digest"
    assert digest.subject.startswith(f"Acme: {len(outcome.told)} alerts (")
    assert digest.body.count("\n- ") + 1 == len(outcome.told)
    assert Incident.objects.filter(resolved_at__isnull=True, notified_at__isnull=True).count() == 0


def test_a_muted_kind_is_told_when_its_silence_ends_if_still_open(organization, channel):
    now = timezone.now()
    failed_encodings(organization, 1, code=2001)
    alerts_run(organization=organization, now=now)
    Incident.objects.all().delete()
    channel.deliveries.all().delete()
    failed_encodings(organization, 1, code=2016)
    from encodings_app.services.alerts import alerts_evaluate

    alerts_evaluate(organization=organization, now=now)
    rules = rules_for(organization)

    muted = incidents_notify(organization=organization, rules=rules, now=now, muted=lambda kind: True)
    assert (muted.muted, told(channel)) == (2, [])

    incidents_notify(organization=organization, rules=rules, now=now + timedelta(minutes=1))
    assert len(told(channel)) == 2


def test_organizations_are_told_apart(organization, channel):
    other = make_organization("other")
    AlertRule.objects.create(organization=other, kind=AlertKind.SYNC, enabled=False)
    failed_encodings(other, 4, code=2001)

    alerts_run(organization=other)
    alerts_run(organization=organization)

    assert told(channel) == []
    assert AlertDelivery.objects.count() == 0, "the other organization has no channel"
    assert Incident.objects.get(organization=other).notified_at is not None


def test_a_silenced_rule_opens_its_incident_untold_and_tells_it_when_the_silence_ends(organization, channel):
    now = timezone.now()
    silence_add(
        organization=organization,
        kind=AlertKind.FAILED,
        reason="maintenance of the input bucket",
        ends_at=now + timedelta(hours=1),
        now=now,
    )
    failed_encodings(organization, 3, code=2001, minutes_ago=-1)

    muted = alerts_run(organization=organization, now=now + timedelta(minutes=2)).notified
    assert (muted.muted, told(channel)) == (1, [])
    assert Incident.objects.get().is_open, "the pages still show it"

    # The silence is over and the cause still fails: now it is told.
    failed_encodings(organization, 3, code=2001, minutes_ago=-61)
    after = alerts_run(organization=organization, now=now + timedelta(hours=1, minutes=2)).notified
    assert [kind for kind, _ in told(channel)] == ["opened"]
    assert after.muted == 0


def test_a_silence_of_the_whole_organization_mutes_every_rule_but_resolutions_of_what_was_told(
    organization, channel
):
    now = timezone.now()
    failed_encodings(organization, 1, code=2001)
    alerts_run(organization=organization, now=now)
    silence_add(
        organization=organization, kind="", reason="migration", ends_at=now + timedelta(hours=2), now=now
    )
    failed_encodings(organization, 1, code=2016, minutes_ago=-5)

    alerts_run(organization=organization, now=now + timedelta(minutes=20))

    # 2001 aged out: its resolution closes what the team heard; 2016 is muted.
    assert [kind for kind, _ in told(channel)] == ["opened", "resolved"]
