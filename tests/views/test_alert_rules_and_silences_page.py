"""Settings → Alerts, the rules and the silences: admins only, tenant-safe, a bad value explained next to
its field with nothing else lost, the silence's note wherever a muted rule shows."""

from __future__ import annotations

import re
from datetime import UTC, timedelta

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from encodings_app.models import AlertKind, AlertRule, AlertSilence, AuditEvent
from encodings_app.services.alert_channels.targets import channel_add
from encodings_app.services.alerts.rule_changes import rule_change
from tests.factories import make_silence

pytestmark = pytest.mark.django_db

PAGE = "/o/acme/settings/alerts/"
RULES = "/o/acme/settings/alerts/rules/"
SILENCES = "/o/acme/settings/alerts/silences/"


def mute(world, *, kind="", hours=4, reason="maintenance window", organization=None):
    return make_silence(organization or world.acme, kind=kind, hours=hours, reason=reason, user=world.admin)


def rule_block(html: str, kind: str) -> str:
    match = re.search(rf'<div class="rule" id="rule-{kind}">(.*?)\n  </div>', html, re.S)
    assert match, kind
    return match.group(1)


def field_error(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field_id}_error">(.*?)</p>', html)
    assert match, field_id
    return match.group(1)


# --- rules --------------------------------------------------------------------------------------------------


def test_each_rule_shows_what_applies_and_its_default(world, login):
    rule_change(organization=world.acme, kind="spike", enabled=True, threshold=40, window_minutes=None)
    html = login(world.admin).get(PAGE).content.decode()

    spike = rule_block(html, "spike")
    assert "Now: on, threshold 40, window 10 min." in spike
    assert "Default: on, threshold 25, window 10 min." in spike
    assert "changed" in spike and "Reset to defaults" in spike
    assert 'name="spike-threshold" value="40"' in spike
    assert 'placeholder="25"' in spike
    assert "At least this many failures of every cause within the window open an incident." in spike
    stuck = rule_block(html, "stuck")
    assert "Now: on, threshold 1." in stuck
    assert "window_minutes" not in stuck and "Reset to defaults" not in stuck
    sync = rule_block(html, "sync")
    assert "How long without a successful sync" in sync


def test_an_admin_changes_a_rule_and_the_change_is_audited(world, login):
    client = login(world.admin)
    response = client.post(
        f"{RULES}failed/", {"failed-enabled": "on", "failed-threshold": "3", "failed-window_minutes": "60"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/settings/alerts/#rule-failed"
    saved = AlertRule.objects.get(organization=world.acme, kind="failed")
    assert (saved.enabled, saved.threshold, saved.window_seconds) == (True, 3, 3600)
    page = client.get(PAGE).content.decode()
    assert "“Encodings failed” saved: on, threshold 3, window 1 h." in page
    entry = AuditEvent.objects.get(action="alert_rule.change")
    assert (entry.username, entry.target, entry.detail) == (
        "ada",
        "Encodings failed",
        "Threshold 1 → 3; window 15 min → 1 h.",
    )


def test_an_unticked_box_turns_a_rule_off(world, login):
    login(world.admin).post(f"{RULES}stuck_live/", {"stuck_live-threshold": ""})
    assert AlertRule.objects.get(kind="stuck_live").enabled is False


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"spike-threshold": "many"}, "threshold", "Enter a whole number."),
        ({"spike-threshold": "2.5"}, "threshold", "Enter a whole number."),
        ({"spike-threshold": "0"}, "threshold", "The threshold must be a whole number of at least 1."),
        ({"spike-threshold": "10001"}, "threshold", "The threshold can be at most 10,000."),
        (
            {"spike-window_minutes": "20000"},
            "window_minutes",
            "The window can be at most 7 days (10,080 minutes).",
        ),
        ({"spike-window_minutes": "-3"}, "window_minutes", "The window must be at least 1 minute."),
    ],
)
def test_a_bad_value_is_explained_next_to_its_field_and_nothing_else_is_lost(
    world, login, data, field, words
):
    rule_change(organization=world.acme, kind="spike", enabled=True, threshold=40, window_minutes=None)
    rule_change(organization=world.acme, kind="sync", enabled=False, threshold=None, window_minutes=None)
    silence = mute(world, kind=AlertKind.SPIKE)
    channel_add(organization=world.acme, kind="email", target="ops@example.com", name="ops")
    posted = {"spike-enabled": "on", "spike-threshold": "", "spike-window_minutes": "45", **data}

    response = login(world.admin).post(f"{RULES}spike/", posted)

    html = response.content.decode()
    assert response.status_code == 400
    assert field_error(html, f"id_spike-{field}") == words
    spike = rule_block(html, "spike")
    # What was typed stays in the form; what applies is unchanged.
    typed = posted[f"spike-{field}"]
    assert f'name="spike-{field}" value="{typed}"' in spike
    if field != "window_minutes":
        assert 'name="spike-window_minutes" value="45"' in spike
    assert "Now: on, threshold 40, window 10 min." in spike
    assert "Now: off, threshold 3" in rule_block(html, "sync")
    assert f'id="silence-{silence.pk}"' in html and "maintenance window" in html
    assert "ops@example.com" in html
    saved = AlertRule.objects.get(kind="spike")
    assert (saved.threshold, saved.window_seconds) == (40, None)
    # Only the two changes made before.
    assert AuditEvent.objects.filter(action="alert_rule.change").count() == 2


def test_a_stuck_rule_ignores_no_window_it_does_not_have(world, login):
    response = login(world.admin).post(f"{RULES}stuck/", {"stuck-enabled": "on", "stuck-threshold": "4"})
    assert response.status_code == 302
    assert AlertRule.objects.get(kind="stuck").threshold == 4


def test_reset_to_defaults_removes_the_change(world, login):
    rule_change(organization=world.acme, kind="sync", enabled=False, threshold=9, window_minutes=60)
    client = login(world.admin)
    response = client.post(f"{RULES}sync/reset/", follow=True)
    assert (
        "“Sync broken” is back to its defaults: on, threshold 3, window 5 min." in response.content.decode()
    )
    assert not AlertRule.objects.exists()
    assert AuditEvent.objects.filter(action="alert_rule.reset", target="Sync broken").count() == 1
    again = client.post(f"{RULES}sync/reset/", follow=True)
    assert "“Sync broken” already has its defaults." in again.content.decode()


def test_an_unknown_rule_is_a_404(world, login):
    client = login(world.admin)
    assert client.post(f"{RULES}everything/", {"everything-threshold": "1"}).status_code == 404
    assert client.post(f"{RULES}everything/reset/").status_code == 404


# --- silences -----------------------------------------------------------------------------------------------


def test_an_admin_mutes_a_rule_for_four_hours(world, login):
    before = timezone.now()
    response = login(world.admin).post(
        SILENCES, {"kind": "spike", "duration": "4h", "reason": "provider outage"}, follow=True
    )

    silence = AlertSilence.objects.get()
    assert (silence.kind, silence.reason, silence.created_by) == ("spike", "provider outage", world.admin)
    assert before + timedelta(hours=4) <= silence.ends_at <= timezone.now() + timedelta(hours=4)
    html = response.content.decode()
    assert "Failure spike muted until" in html
    row = re.search(rf'<tr id="silence-{silence.pk}">(.*?)</tr>', html, re.S).group(1)
    assert "Failure spike" in row and "ada" in row and "provider outage" in row and "End now" in row
    assert "Muted until" in rule_block(html, "spike") and "provider outage" in rule_block(html, "spike")
    assert "Muted" not in rule_block(html, "failed")
    assert AuditEvent.objects.get(action="silence.add").target == "Failure spike"


def test_an_admin_mutes_every_rule_until_a_date_and_time(world, login):
    until = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    login(world.admin).post(
        SILENCES,
        {"kind": "", "duration": "until", "until": until.strftime("%Y-%m-%dT%H:%M"), "reason": "move"},
    )
    silence = AlertSilence.objects.get()
    assert (silence.kind, silence.ends_at) == ("", until)
    html = login(world.admin).get(PAGE).content.decode()
    for kind in AlertKind.values:
        assert "Muted (every rule) until" in rule_block(html, kind)


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"duration": "until", "until": ""}, "until", "Choose the date and time the silence ends."),
        ({"duration": "until", "until": "next tuesday"}, "until", "Enter a valid date/time."),
        ({"duration": "until", "until": "2001-01-01T10:00"}, "until", "The end must be in the future."),
        ({"duration": "until", "until": "2999-01-01T10:00"}, "until", "A silence lasts at most 30 days"),
        ({"reason": "   "}, "reason", "Say why, for whoever sees the alert muted."),
        ({"duration": "forever"}, "duration", "Select a valid choice."),
    ],
)
def test_a_silence_that_cannot_be_is_explained_next_to_its_field(world, login, data, field, words):
    rule_change(organization=world.acme, kind="spike", enabled=True, threshold=40, window_minutes=None)
    posted = {"kind": "stuck", "duration": "1h", "reason": "deploying the new packager", **data}
    response = login(world.admin).post(SILENCES, posted)

    html = response.content.decode()
    assert response.status_code == 400
    assert field_error(html, f"id_silence_{field}").startswith(words)
    assert 'value="deploying the new packager"' in html or field == "reason"
    assert '<option value="stuck" selected>' in html
    assert "Now: on, threshold 40, window 10 min." in rule_block(html, "spike")
    assert not AlertSilence.objects.exists()


def test_end_now_ends_a_silence_and_it_shows_as_recently_over(world, login):
    silence = mute(world, kind=AlertKind.SYNC)
    client = login(world.admin)
    response = client.post(f"{SILENCES}{silence.pk}/end/", follow=True)

    html = response.content.decode()
    assert "Silence of “Sync broken” ended: notifications are sent again." in html
    assert f'id="silence-{silence.pk}"' not in html
    recent = html.split("<h3>Recently over</h3>")[1].split("</table>")[0]
    assert "Sync broken" in recent and "ended early" in recent and "maintenance window" in recent
    assert AlertSilence.objects.get().ended_at is not None
    assert AuditEvent.objects.get(action="silence.end").username == "ada"
    again = client.post(f"{SILENCES}{silence.pk}/end/", follow=True)
    assert "The silence of “Sync broken” was already over." in again.content.decode()


def test_the_silence_note_reads_like_a_sentence_with_the_projects_time(world):
    silence = mute(world, kind=AlertKind.FAILED, reason="maintenance window")
    html = render_to_string("includes/_silence_note.html", {"silence": silence})
    ends = silence.ends_at.astimezone(UTC)
    assert re.search(
        r'Muted until <time class="ts" data-precision="minutes" datetime="[0-9T:Z-]+">'
        rf"{ends:%Y-%m-%d %H:%M} UTC</time> by ada: maintenance window</span>",
        html,
    )
    assert '<svg class="chip-icon"' in html
    everything = mute(world, reason="<b>move</b>")
    assert "Muted (every rule) until" in render_to_string(
        "includes/_silence_note.html", {"silence": everything}
    )
    assert "&lt;b&gt;move&lt;/b&gt;" in render_to_string(
        "includes/_silence_note.html", {"silence": everything}
    )


def test_every_id_on_the_page_is_its_own(world, login):
    """Labels find their fields: five rule forms, the silence form and the channel form share no id."""
    mute(world, kind=AlertKind.SPIKE)
    channel_add(organization=world.acme, kind="email", target="ops@example.com", name="ops")
    html = login(world.admin).get(PAGE).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert 'for="id_silence_kind"' in html and 'for="id_kind"' in html


# --- who may ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"{RULES}spike/",
        f"{RULES}spike/reset/",
        SILENCES,
        f"{SILENCES}{{pk}}/end/",
    ],
)
def test_operators_and_viewers_get_the_403_page_and_change_nothing(world, login, path):
    silence = mute(world)
    data = {"spike-threshold": "99", "kind": "", "duration": "1h", "reason": "x"}
    for user in (world.operator, world.viewer):
        response = login(user).post(path.format(pk=silence.pk), data)
        assert response.status_code == 403
        assert "You cannot do this" in response.content.decode()
    assert not AlertRule.objects.exists()
    assert list(AlertSilence.objects.values_list("pk", "ended_at")) == [(silence.pk, None)]


def test_another_organizations_silence_and_rules_are_a_404(world, login):
    theirs = mute(world, organization=world.globex, reason="globex maintenance")
    client = login(world.admin)
    assert client.post(f"{SILENCES}{theirs.pk}/end/").status_code == 404
    assert (
        client.post("/o/globex/settings/alerts/silences/", {"duration": "1h", "reason": "x"}).status_code
        == 404
    )
    assert client.post("/o/globex/settings/alerts/rules/spike/", {"spike-threshold": "2"}).status_code == 404
    assert AlertSilence.objects.get().ended_at is None
    assert AlertSilence.objects.count() == 1 and not AlertRule.objects.exists()
    assert "globex maintenance" not in client.get(PAGE).content.decode()


def test_the_page_costs_the_same_queries_whatever_the_silences_and_rules(world, login):
    client = login(world.admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PAGE).status_code == 200
        return len(captured)

    mute(world)
    few = queries()
    for kind in AlertKind.values:
        mute(world, kind=kind)
        rule_change(organization=world.acme, kind=kind, enabled=True, threshold=7, window_minutes=None)
    for silence in AlertSilence.objects.all()[:3]:
        silence.ended_at = timezone.now()
        silence.save()
    assert queries() == few
