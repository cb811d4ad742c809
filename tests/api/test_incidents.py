"""Open incidents of an organization: only for its members, in plain words, with the filtered list."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from encodings_app.models import Organization
from encodings_app.services.alerts import alerts_evaluate
from tests.api.helpers import error_of, result_of
from tests.factories import failed_encodings

pytestmark = pytest.mark.django_db


def later(**delta):
    return timezone.now() + timedelta(**delta)


def test_members_see_the_open_incidents_with_the_list_of_their_encodings(world, api_for):
    failed_encodings(world.acme, 4, code=2001)
    Organization.objects.filter(pk=world.acme.pk).update(key_rejected=True)
    alerts_evaluate(organization=Organization.objects.get(pk=world.acme.pk))

    result = result_of(api_for(world.viewer).get("/organizations/acme/incidents"))

    items = {item["cause"]: item for item in result["items"]}
    assert set(items) == {"failed:code:2001", "sync:key_rejected"}
    failed = items["failed:code:2001"]
    assert (failed["kind"], failed["count"]) == ("failed", 4)
    assert failed["title"] == "4 encodings failed: Input configuration not usable (error 2001)"
    assert failed["details"]["errorCode"] == 2001 and failed["details"]["docUrl"].startswith("https://")
    url = urlsplit(failed["listUrl"])
    assert url.path == "/o/acme/encodings/"
    assert parse_qs(url.query)["code"] == ["2001"] and "failed_from" in parse_qs(url.query)
    assert items["sync:key_rejected"]["listUrl"] is None


def test_resolved_incidents_are_not_listed(world, api_for):
    failed_encodings(world.acme, 1, code=2001, minutes_ago=10)
    alerts_evaluate(organization=world.acme)
    Organization.objects.filter(pk=world.acme.pk).update(last_sync_succeeded_at=later(minutes=5))
    # Six minutes on, the failure has left the 15 min window.
    alerts_evaluate(organization=Organization.objects.get(pk=world.acme.pk), now=later(minutes=6))
    assert world.acme.incidents.filter(resolved_at__isnull=False).count() == 1

    assert result_of(api_for(world.viewer).get("/organizations/acme/incidents"))["items"] == []


def test_a_stranger_gets_404(world, api_for):
    failed_encodings(world.acme, 1, code=2001)
    alerts_evaluate(organization=world.acme)

    error_of(api_for(world.outsider).get("/organizations/acme/incidents"), 404, 1005)


def test_a_muted_incident_names_its_silence_and_an_unmuted_one_says_null(world, api_for):
    from tests.factories import make_silence

    failed_encodings(world.acme, 4, code=2001)
    Organization.objects.filter(pk=world.acme.pk).update(key_rejected=True)
    alerts_evaluate(organization=Organization.objects.get(pk=world.acme.pk))
    silence = make_silence(world.acme, kind="failed", reason="maintenance window", user=world.admin)

    result = result_of(api_for(world.viewer).get("/organizations/acme/incidents"))

    items = {item["cause"]: item for item in result["items"]}
    muted = items["failed:code:2001"]["muted"]
    assert muted == {
        "until": silence.ends_at.isoformat().replace("+00:00", "Z"),
        "reason": "maintenance window",
        "kind": "failed",
    }
    assert items["sync:key_rejected"]["muted"] is None

    make_silence(world.acme, reason="planned outage", hours=1)
    result = result_of(api_for(world.viewer).get("/organizations/acme/incidents"))
    items = {item["cause"]: item for item in result["items"]}
    assert items["sync:key_rejected"]["muted"]["kind"] is None
    assert items["sync:key_rejected"]["muted"]["reason"] == "planned outage"
    assert items["failed:code:2001"]["muted"]["reason"] == "maintenance window", "it lasts longest"
