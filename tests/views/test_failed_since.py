"""What "failed since" means, the same on every screen and in the API: an encoding in a failed status whose
failure time (its error time, else its finish time) is at or after the start of the window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from encodings_app.models import EncodingStatus, Organization, Role
from tests.api.helpers import ApiCaller, result_of, token_for
from tests.factories import make_encoding, make_member, make_user

pytestmark = pytest.mark.django_db


def _failures(organization: Organization) -> None:
    """Three failures within 24 h (one known only by its error time), a fourth within the week, and four
    that count nowhere."""
    now = timezone.now()
    hour = timedelta(hours=1)
    error, transfer = EncodingStatus.ERROR, EncodingStatus.TRANSFER_ERROR
    # status, error code, error time, finish time, deleted
    rows = [
        (error, 2016, now - 2 * hour, None, False),
        (transfer, None, None, now - 3 * hour, False),
        (error, 2100, now - 4 * hour, now - 4 * hour, False),
        (error, 2100, now - 30 * hour, now - 30 * hour, False),
        # Failed ten days ago, its end reported only now: the failure is old.
        (error, 2016, now - timedelta(days=10), now - hour, False),
        (error, None, now - hour, None, True),
        (EncodingStatus.FINISHED, None, None, now - hour, False),
        (EncodingStatus.CANCELED, None, None, now - hour, False),
    ]
    for status, code, error_at, finished_at, deleted in rows:
        make_encoding(
            organization,
            status=status,
            error_code=code,
            error_at=error_at,
            finished_at=finished_at,
            deleted_at=now if deleted else None,
        )


def test_an_encoding_with_an_error_time_and_no_finish_time_counts_the_same_everywhere(world, login):
    Organization.objects.filter(pk=world.acme.pk).update(last_sync_succeeded_at=timezone.now())
    _failures(world.acme)
    user = make_user("both")
    make_member(world.acme, Role.VIEWER, user=user)
    make_member(world.globex, Role.VIEWER, user=user)
    client = login(user)
    api = ApiCaller(token_for(user))

    overview = client.get("/o/acme/")
    week_on_overview = sum(group.count for group in overview.context["overview"].failures)
    day_on_switcher = {h.organization.slug: h.failed_recently for h in overview.context["switcher"]}["acme"]
    home = client.get("/")
    day_on_home = {h.organization.slug: h.failed_recently for h in home.context["healths"]}["acme"]
    wall = client.get("/o/acme/wall/")
    day_on_wall = wall.context["pages"][0].boards[0].failed_total
    organizations = result_of(api.get("/organizations"))["items"]
    day_in_api = {item["slug"]: item["failedLast24h"] for item in organizations}["acme"]
    groups = result_of(api.get("/organizations/acme/failures"))["items"]
    week_in_api = sum(group["count"] for group in groups)

    assert (day_on_switcher, day_on_home, day_on_wall, day_in_api) == (3, 3, 3, 3)
    assert (week_on_overview, week_in_api) == (4, 4)
    assert "3 failed in 24 h" in home.content.decode()
