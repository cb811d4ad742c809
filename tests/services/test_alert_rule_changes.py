"""An admin's changes to alert rules: saved over the defaults, refused with plain words (nothing saved),
reset, audited; and the evaluation follows them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from encodings_app.models import AlertKind, AlertRule, AuditEvent
from encodings_app.services.alerts import alerts_evaluate
from encodings_app.services.alerts.rule_changes import (
    THRESHOLD_MAX,
    WINDOW_MINUTES_MAX,
    RuleRefused,
    rule_change,
    rule_reset,
)
from encodings_app.services.alerts.rules import default_rules, rule_settings, rules_for
from tests.factories import failed_encodings, make_member, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(organization):
    return make_member(organization, "admin", user=make_user("ana"))


def change(
    organization, kind=AlertKind.SPIKE, *, enabled=True, threshold=None, window_minutes=None, user=None
):
    return rule_change(
        organization=organization,
        kind=kind,
        enabled=enabled,
        threshold=threshold,
        window_minutes=window_minutes,
        user=user,
    )


def test_a_change_applies_over_the_defaults_and_an_empty_value_keeps_the_default(organization):
    rule = change(organization, threshold=40)

    assert (rule.threshold, rule.window) == (40, timedelta(minutes=10))
    assert rules_for(organization)[AlertKind.SPIKE] == rule
    saved = AlertRule.objects.get(organization=organization, kind=AlertKind.SPIKE)
    assert (saved.enabled, saved.threshold, saved.window_seconds) == (True, 40, None)
    assert rules_for(organization)[AlertKind.FAILED] == default_rules()[AlertKind.FAILED]


def test_the_evaluation_follows_a_changed_threshold(organization):
    failed_encodings(organization, 2, code=2001)
    change(organization, AlertKind.FAILED, threshold=3)
    alerts_evaluate(organization=organization)
    assert not organization.incidents.exists()
    change(organization, AlertKind.FAILED, threshold=2, window_minutes=30)
    alerts_evaluate(organization=organization)
    assert organization.incidents.get().cause == "failed:code:2001"


def test_a_rule_turned_off_opens_nothing(organization):
    failed_encodings(organization, 1, code=2001)
    rule = change(organization, AlertKind.FAILED, enabled=False)
    alerts_evaluate(organization=organization)
    assert rule.enabled is False
    assert not organization.incidents.exists()


def test_values_equal_to_the_defaults_follow_the_defaults_and_leave_no_row(organization):
    change(organization, threshold=40)
    rule = change(organization, threshold=25, window_minutes=10)
    assert rule == default_rules()[AlertKind.SPIKE]
    assert not AlertRule.objects.exists()
    change(organization, AlertKind.SYNC, threshold=3, window_minutes=60)
    assert AlertRule.objects.get().threshold is None and AlertRule.objects.get().window_seconds == 3600


@pytest.mark.parametrize(
    ("kind", "threshold", "window", "errors"),
    [
        (AlertKind.SPIKE, 0, None, {"threshold": "The threshold must be a whole number of at least 1."}),
        (AlertKind.SPIKE, -5, None, {"threshold": "The threshold must be a whole number of at least 1."}),
        (AlertKind.SPIKE, THRESHOLD_MAX + 1, None, {"threshold": "The threshold can be at most 10,000."}),
        (AlertKind.FAILED, None, 0, {"window_minutes": "The window must be at least 1 minute."}),
        (
            AlertKind.SYNC,
            None,
            WINDOW_MINUTES_MAX + 1,
            {"window_minutes": "The window can be at most 7 days (10,080 minutes)."},
        ),
        (
            AlertKind.FAILED,
            0,
            -1,
            {
                "threshold": "The threshold must be a whole number of at least 1.",
                "window_minutes": "The window must be at least 1 minute.",
            },
        ),
        ("everything", 1, None, {"kind": "There is no such alert rule."}),
    ],
)
def test_out_of_bounds_values_are_refused_all_at_once_and_nothing_is_saved(
    organization, kind, threshold, window, errors
):
    change(organization, AlertKind.SPIKE, threshold=40)
    with pytest.raises(RuleRefused) as refused:
        change(organization, kind, threshold=threshold, window_minutes=window, enabled=False)
    assert refused.value.errors == errors
    assert rules_for(organization)[AlertKind.SPIKE].threshold == 40
    assert AlertRule.objects.count() == 1
    assert AuditEvent.objects.count() == 1


@pytest.mark.parametrize("kind", [AlertKind.STUCK, AlertKind.STUCK_LIVE])
def test_stuck_rules_have_no_window(organization, kind):
    with pytest.raises(RuleRefused) as refused:
        change(organization, kind, window_minutes=30)
    assert refused.value.errors["window_minutes"].startswith("This rule has no window")
    assert rule_settings(organization)[2].uses_window is False


def test_the_largest_values_are_accepted(organization):
    rule = change(organization, AlertKind.FAILED, threshold=THRESHOLD_MAX, window_minutes=WINDOW_MINUTES_MAX)
    assert (rule.threshold, rule.window) == (THRESHOLD_MAX, timedelta(days=7))


def test_reset_removes_the_change(organization):
    change(organization, AlertKind.SYNC, enabled=False, threshold=9)
    assert rule_reset(organization=organization, kind=AlertKind.SYNC) is True
    assert rules_for(organization)[AlertKind.SYNC] == default_rules()[AlertKind.SYNC]
    assert not AlertRule.objects.exists()
    assert rule_reset(organization=organization, kind=AlertKind.SYNC) is False


def test_changes_and_resets_are_audited_with_what_changed(organization, ana):
    change(organization, threshold=40, window_minutes=30, user=ana)
    change(organization, threshold=40, window_minutes=30, user=ana)  # nothing changes: nothing recorded
    change(organization, enabled=False, threshold=40, window_minutes=30, user=ana)
    rule_reset(organization=organization, kind=AlertKind.SPIKE, user=ana)

    entries = list(AuditEvent.objects.order_by("pk").values_list("action", "username", "target", "detail"))
    assert entries == [
        ("alert_rule.change", "ana", "Failure spike", "Threshold 25 → 40; window 10 min → 30 min."),
        ("alert_rule.change", "ana", "Failure spike", "Turned off."),
        ("alert_rule.reset", "ana", "Failure spike", "Now on, threshold 25, window 10 min."),
    ]


def test_the_settings_list_every_rule_with_its_default_and_its_change(
    organization, django_assert_num_queries
):
    change(organization, AlertKind.FAILED, threshold=5)
    with django_assert_num_queries(1):
        settings = rule_settings(organization)
    assert [setting.kind for setting in settings] == list(AlertKind.values)
    failed = settings[0]
    assert (failed.effective.threshold, failed.default.threshold, failed.saved.threshold) == (5, 1, 5)
    assert failed.effective_words == "on, threshold 5, window 15 min"
    assert settings[2].effective_words == "on, threshold 1"
    assert settings[1].saved is None
