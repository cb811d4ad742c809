"""Times, durations and ETAs read the same way on every page."""

from datetime import UTC, datetime, timedelta

import pytest

from encodings_app.templatetags.dashboard_format import (
    ago,
    ago_short,
    duration,
    duration_between,
    duration_text,
    eta,
    when,
)
from encodings_app.templatetags.dashboard_ui import status_badge, wrap_after_underscores


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (12.4, "12 s"),
        (60, "1 min"),
        (252, "4 min 12 s"),
        (3600, "1 h"),
        (7500, "2 h 5 min"),
        (90000, "1 d 1 h"),
        (172800, "2 d"),
        (-5, "0 s"),
        (None, "—"),
        ("x", "—"),
        (timedelta(minutes=3), "3 min"),
    ],
)
def test_durations_read_like_speech(seconds, text):
    assert duration(seconds) == text


def test_times_are_utc_and_machine_readable():
    moment = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert when(moment) == '<time class="ts" datetime="2026-03-04T05:06:07Z">2026-03-04 05:06:07 UTC</time>'
    assert when(None) == "—"


def test_duration_between_an_open_end_means_until_now():
    start = datetime.now(UTC) - timedelta(minutes=2, seconds=3)
    assert duration_between(start, None) in ("2 min 3 s", "2 min 4 s")
    assert duration_between(start, start + timedelta(seconds=42)) == "42 s"
    assert duration_between(None, start) == "—"


def test_eta_and_relative_times():
    assert eta(252) == "about 4 min 12 s left"
    assert eta(0) == "finishing"
    assert eta(None) == ""
    assert ago(None) == "never"
    assert ">just now<" in ago(datetime.now(UTC))


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(12, "12 s"), (252, "4 min"), (7500, "2 h"), (90000, "1 d"), (None, "—")],
)
def test_dense_tables_read_the_largest_unit_only(seconds, text):
    assert duration_text(seconds, units=1) == text


def test_short_relative_times_keep_the_exact_time_on_hover():
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2, minutes=5)
    assert ago_short(moment) == (
        f'<time datetime="{moment:%Y-%m-%dT%H:%M:%SZ}" title="{moment:%Y-%m-%d %H:%M:%S} UTC">2 h ago</time>'
    )
    assert ">2 h 5 min ago<" in ago(moment)
    assert ">just now<" in ago_short(datetime.now(UTC))
    assert ago_short(None) == "—"


def test_identifiers_wrap_after_underscores_and_stay_escaped():
    assert wrap_after_underscores("AWS_EU_WEST_1") == "AWS_<wbr>EU_<wbr>WEST_<wbr>1"
    assert wrap_after_underscores("<b>_x") == "&lt;b&gt;_<wbr>x"
    assert wrap_after_underscores("STABLE") == "STABLE"


def test_status_badges_have_icon_text_and_class_even_for_unknown_statuses():
    badge = status_badge("TRANSFER_ERROR")
    assert 'class="status status-transfer-error"' in badge and "<svg" in badge and "Transfer error" in badge
    unknown = status_badge("PAUSED_BY_OPS")
    assert "Paused by ops" in unknown and "<svg" in unknown
