"""When the pages warn about a sync: a recent rate limit not yet got over, and "behind" by each
organization's own measure (polling is a safety net where webhooks work)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from encodings_app.models.choices import REGISTERED_WEBHOOK_EVENTS
from encodings_app.selectors import wall
from encodings_app.selectors.health import PARTIAL_SYNCS_WARNING, RATE_LIMIT_WARNING, problems_of
from tests.factories import make_organization

pytestmark = pytest.mark.django_db

WEBHOOKS = {event: f"webhook-{event}" for event in REGISTERED_WEBHOOK_EVENTS}


@pytest.fixture(autouse=True)
def intervals(settings):
    settings.SYNC_INTERVAL_SECONDS = 30
    settings.SYNC_SAFETY_NET_SECONDS = 300


def words(organization) -> list[str]:
    organization.refresh_from_db()
    return [problem.text for problem in problems_of(organization, 0)]


def test_a_rate_limit_warns_until_a_sync_succeeds():
    now = timezone.now()
    organization = make_organization(
        last_sync_succeeded_at=now - timedelta(seconds=40), rate_limited_at=now - timedelta(seconds=5)
    )
    assert words(organization) == ["Sync paused by rate limit"]

    organization.last_sync_succeeded_at = timezone.now()
    organization.save()
    assert words(organization) == [], "got over: it stays in the sync history, the warning goes"


def test_a_rate_limit_warning_does_not_stay_up_for_ever():
    now = timezone.now()
    long_ago = now - RATE_LIMIT_WARNING - timedelta(seconds=1)
    organization = make_organization(
        last_sync_succeeded_at=long_ago - timedelta(seconds=30),
        rate_limited_at=long_ago,
        sync_paused_until=now + timedelta(hours=1),
    )

    assert words(organization) == ["Sync behind"], "no success since: the sync is behind, and says that"


def test_partial_syncs_warn_only_when_they_come_in_a_row():
    now = timezone.now()
    organization = make_organization(
        last_sync_succeeded_at=now, consecutive_partial_syncs=PARTIAL_SYNCS_WARNING - 1
    )
    assert words(organization) == [], "a fault the next run makes good is no news"

    organization.consecutive_partial_syncs = PARTIAL_SYNCS_WARNING
    organization.save()
    assert words(organization) == [f"Sync incomplete ({PARTIAL_SYNCS_WARNING} in a row)"]
    assert problems_of(organization, 0)[0].level == "warn", "the sync works, only not all of it"

    organization.consecutive_failures = 1
    organization.save()
    assert words(organization) == ["Sync failing (1 in a row)"], "the worse news first, and alone"


def test_a_quiet_organization_whose_webhooks_work_is_behind_only_past_the_safety_net():
    now = timezone.now()
    polled = make_organization(last_sync_succeeded_at=now - timedelta(seconds=200))
    notified = make_organization(
        last_sync_succeeded_at=now - timedelta(seconds=200), registered_webhooks=WEBHOOKS
    )
    stale_secret = make_organization(
        last_sync_succeeded_at=now - timedelta(seconds=200),
        registered_webhooks=WEBHOOKS,
        webhooks_secret_stale=True,
    )
    partly = make_organization(
        last_sync_succeeded_at=now - timedelta(seconds=200),
        registered_webhooks={"finished": "webhook-finished"},
    )

    assert words(polled) == ["Sync behind"]
    assert words(notified) == []
    assert words(stale_secret) == ["Sync behind"], "Bitmovin signs with a secret the dashboard no longer has"
    assert words(partly) == ["Sync behind"], "status changes are not announced"

    notified.last_sync_succeeded_at = now - timedelta(seconds=361)
    notified.save()
    assert words(notified) == ["Sync behind"]


def test_a_wall_is_behind_when_one_of_its_organizations_is_by_its_own_measure():
    now = timezone.now()
    notified = make_organization(
        last_sync_succeeded_at=now - timedelta(seconds=200), registered_webhooks=WEBHOOKS
    )
    polled = make_organization(last_sync_succeeded_at=now - timedelta(seconds=20))

    alone = wall.scope_for_organization(notified)
    assert not alone.behind
    assert alone.behind_after_seconds == 360
    assert wall.scope_for_organization(polled).behind_after_seconds == 90

    polled.last_sync_succeeded_at = now - timedelta(seconds=100)
    polled.save()
    assert wall.scope_for_organization(polled).behind


def test_sync_stopped_replaces_what_the_sync_says_of_itself_but_not_the_key_or_sync_off():
    now = timezone.now()
    behind = make_organization(last_sync_succeeded_at=now - timedelta(hours=1))
    limited = make_organization(last_sync_succeeded_at=now - timedelta(seconds=40), rate_limited_at=now)
    failing = make_organization(last_sync_succeeded_at=now, consecutive_failures=3)
    rejected = make_organization(last_sync_succeeded_at=now)
    type(rejected).objects.filter(pk=rejected.pk).update(key_rejected=True)
    off = make_organization(last_sync_succeeded_at=now, sync_enabled=False)

    def stopped(organization) -> list[tuple[str, str]]:
        organization.refresh_from_db()
        return [(problem.level, problem.text) for problem in problems_of(organization, 0, sync_stopped=True)]

    for organization in (behind, limited, failing):
        assert stopped(organization) == [("bad", "Sync stopped")]
    assert stopped(rejected) == [("bad", "Key rejected"), ("bad", "Sync stopped")]
    assert stopped(off) == [("off", "Sync off")], "its sync is off anyway"
    assert words(behind) == ["Sync behind"], "read from the heartbeats when not given: every process runs"
