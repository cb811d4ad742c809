"""Active silences of an organization: for its members, in the envelope, paged like every list."""

from datetime import timedelta

import pytest
from django.utils import timezone

from encodings_app.models import AlertKind
from encodings_app.services.alerts.silences import silence_end
from tests.api.helpers import error_of, result_of
from tests.factories import make_silence

pytestmark = pytest.mark.django_db


def test_members_see_the_active_silences_newest_first(world, api_for):
    now = timezone.now()
    everything = make_silence(world.acme, user=world.admin, now=now - timedelta(minutes=5))
    spike = make_silence(world.acme, kind=AlertKind.SPIKE, hours=1, reason="provider outage", now=now)
    ended = make_silence(world.acme, kind=AlertKind.SYNC, now=now - timedelta(minutes=9))
    silence_end(silence=ended)
    make_silence(world.acme, hours=1, now=now - timedelta(hours=2))  # ran out
    make_silence(world.globex, reason="globex only")

    result = result_of(api_for(world.viewer).get("/organizations/acme/silences"))

    assert [item["id"] for item in result["items"]] == [spike.pk, everything.pk]
    first, second = result["items"]
    assert (first["kind"], first["reason"], first["createdBy"]) == ("spike", "provider outage", None)
    assert (second["kind"], second["reason"], second["createdBy"]) == (None, "maintenance window", "ada")
    assert set(first) == {"id", "kind", "reason", "startsAt", "endsAt", "createdBy"}
    assert first["endsAt"].startswith(spike.ends_at.strftime("%Y-%m-%dT%H:%M"))
    assert (result["offset"], result["limit"], result["previous"], result["next"]) == (0, 25, None, None)


def test_silences_are_paged_like_every_list(world, api_for):
    for number in range(3):
        make_silence(world.acme, reason=f"window {number}")
    api = api_for(world.viewer)
    first = result_of(api.get("/organizations/acme/silences", {"limit": 2, "includeTotalCount": "true"}))
    assert (len(first["items"]), first["totalCount"]) == (2, 3)
    assert first["next"].endswith(
        "/api/v1/organizations/acme/silences?limit=2&includeTotalCount=true&offset=2"
    )
    error_of(api.get("/organizations/acme/silences", {"limit": 500}), 400, 1001)


def test_a_stranger_gets_404(world, api_for):
    make_silence(world.acme)
    error_of(api_for(world.outsider).get("/organizations/acme/silences"), 404, 1005)
