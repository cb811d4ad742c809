"""Reads behind the overview: stuck detection in SQL, failures by code, the daily chart, health verdicts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from encodings_app.models import Encoding, Organization
from encodings_app.selectors.failures import failure_groups
from encodings_app.selectors.health import problems_of
from encodings_app.selectors.organizations import organizations_with_health
from encodings_app.selectors.overview import daily_counts
from tests.factories import make_encoding, make_member, make_organization, make_user

pytestmark = pytest.mark.django_db


def test_stuck_in_sql_agrees_with_the_model_for_every_case(settings):
    settings.STUCK_QUEUED_SECONDS = 900
    settings.STUCK_NO_PROGRESS_SECONDS = 600
    settings.STUCK_LIVE_NO_UPDATE_SECONDS = 720
    organization = make_organization()
    now = timezone.now()
    minutes = [None, 1, 9, 11, 13, 16, 60]
    for kind in ("VOD", "LIVE"):
        for status in ("CREATED", "QUEUED", "RUNNING", "FINISHED", "ERROR"):
            for queued in minutes:
                for progressed in minutes:
                    make_encoding(
                        organization,
                        type=kind,
                        status=status,
                        created_at=now - timedelta(minutes=90),
                        started_at=now - timedelta(minutes=queued) if queued else None,
                        queued_at=now - timedelta(minutes=queued) if queued and queued > 9 else None,
                        running_at=now - timedelta(minutes=queued) if queued else None,
                        progress_changed_at=now - timedelta(minutes=progressed) if progressed else None,
                        # A different clock than progress, so that a rule reading the wrong one disagrees.
                        status_synced_at=now - timedelta(minutes=61 - progressed) if progressed else None,
                    )
    everything = Encoding.objects.filter(organization=organization)
    in_sql = set(everything.stuck(now).values_list("pk", flat=True))
    in_python = {e.pk for e in everything if e.is_stuck(now=now)}
    assert in_sql == in_python
    assert 0 < len(in_sql) < everything.count()
    live_stuck = everything.filter(pk__in=in_sql, type="LIVE", status="RUNNING")
    assert live_stuck.exists() and everything.filter(type="LIVE", status="RUNNING").exclude(pk__in=in_sql)


def test_a_live_encoding_at_zero_percent_for_an_hour_is_stuck_only_once_status_reads_stop(settings):
    settings.STUCK_NO_PROGRESS_SECONDS = 600
    settings.STUCK_LIVE_NO_UPDATE_SECONDS = 900
    organization = make_organization()
    now = timezone.now()
    an_hour_ago = now - timedelta(hours=1)
    fields = {
        "type": "LIVE",
        "status": "RUNNING",
        "progress": 0,
        "running_at": an_hour_ago,
        "modified_at": an_hour_ago,
        "progress_changed_at": an_hour_ago,
    }
    healthy = make_encoding(organization, status_synced_at=now - timedelta(seconds=30), **fields)
    silent = make_encoding(organization, status_synced_at=now - timedelta(minutes=16), **fields)
    never_read = make_encoding(organization, status_synced_at=None, **fields)
    in_sql = set(Encoding.objects.stuck(now).values_list("pk", flat=True))
    assert in_sql == {silent.pk, never_read.pk}
    assert {e.pk for e in Encoding.objects.all() if e.is_stuck(now=now)} == in_sql
    assert not healthy.is_stuck(now=now)


def test_failures_are_grouped_by_code_newest_group_first():
    organization = make_organization()
    now = timezone.now()
    for hours, code in ((1, 2016), (30, 2016), (2, 1000), (3, None)):
        make_encoding(
            organization,
            status="ERROR",
            error_code=code,
            finished_at=now - timedelta(hours=hours),
            error_category="Encoding" if code else "",
            error_text="boom" if code else "",
        )
    groups = failure_groups(organization, since=now - timedelta(days=7))
    assert [(g.error_code, g.count) for g in groups] == [(2016, 2), (1000, 1), (None, 1)]
    assert groups[0].first_seen_at < groups[0].last_seen_at
    assert groups[0].explanation.title == "Encoding step failed"
    assert groups[2].explanation.title == "No error details read yet"


def test_daily_counts_cover_fourteen_days_including_empty_ones():
    organization = make_organization()
    now = timezone.now()
    make_encoding(organization, status="FINISHED", finished_at=now)
    make_encoding(organization, status="TRANSFER_ERROR", finished_at=now - timedelta(days=2))
    make_encoding(organization, status="CANCELED", finished_at=now)
    make_encoding(organization, status="FINISHED", finished_at=now - timedelta(days=15))
    days = daily_counts(organization, now=now)
    assert len(days) == 14
    assert days[-1].day == now.date() and (days[-1].finished, days[-1].failed) == (1, 0)
    assert (days[-3].finished, days[-3].failed) == (0, 1)
    assert sum(d.finished + d.failed for d in days) == 2


def test_health_verdicts_and_worst_first_order():
    user = make_user()
    fine = make_organization(name="Fine", last_sync_succeeded_at=timezone.now())
    rejected = make_organization(name="Rejected", last_sync_succeeded_at=timezone.now())
    failing = make_organization(name="Failing", last_sync_succeeded_at=timezone.now())
    # Set after creation: storing a key clears these verdicts.
    Organization.objects.filter(pk=rejected.pk).update(key_rejected=True)
    Organization.objects.filter(pk=failing.pk).update(consecutive_failures=3)
    behind = make_organization(name="Behind", last_sync_succeeded_at=timezone.now() - timedelta(hours=2))
    keyless = make_organization(name="Keyless", api_key=None)
    for organization in (fine, rejected, failing, behind, keyless):
        make_member(organization, user=user)
    make_encoding(behind, status="ERROR", finished_at=timezone.now())
    healths = organizations_with_health(user)
    names = [h.organization.name for h in healths]
    assert names[-1] == "Fine" and names[-2] == "Behind"
    assert set(names[:3]) == {"Rejected", "Failing", "Keyless"}
    by_name = {h.organization.name: h for h in healths}
    assert by_name["Behind"].summary == "Sync behind" and by_name["Behind"].failed_recently == 1
    assert by_name["Fine"].level == "ok"
    assert problems_of(keyless, 0)[0].text == "No API key"
    assert by_name["Rejected"].summary == "Key rejected"
    assert by_name["Failing"].summary == "Sync failing (3 in a row)"


def test_other_users_organizations_are_not_in_the_health_list():
    user = make_user()
    mine = make_organization(name="Mine")
    make_organization(name="Theirs")
    make_member(mine, user=user)
    assert [h.organization.name for h in organizations_with_health(user)] == ["Mine"]
