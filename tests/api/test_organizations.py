"""Organizations: only the caller's, with the caller's role, never any key material; failures grouped."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.api.helpers import ApiCaller, error_of, result_of, token_for
from tests.factories import TEST_API_KEY, failed_encoding, make_encoding


def test_the_list_holds_only_the_callers_organizations_with_their_role(world, api_for):
    result = result_of(api_for(world.outsider).get("/organizations"))
    assert [(item["slug"], item["role"]) for item in result["items"]] == [("globex", "admin")]
    assert result["offset"] == 0 and result["limit"] == 25
    assert result["previous"] is None and result["next"] is None
    assert "totalCount" not in result


def test_an_account_admin_sees_every_organization_as_admin(world):
    root = get_user_model().objects.create_superuser("root", password="correct-horse-battery")
    result = result_of(ApiCaller(token_for(root)).get("/organizations", {"includeTotalCount": "true"}))
    assert [(item["slug"], item["role"]) for item in result["items"]] == [
        ("acme", "admin"),
        ("globex", "admin"),
    ]
    assert result["totalCount"] == 2


def test_detail_counts_encodings_by_status_and_reports_health(world, api_for):
    make_encoding(world.acme, status="RUNNING")
    make_encoding(world.acme, status="RUNNING")
    failed_encoding(world.acme)
    make_encoding(world.acme, status="FINISHED", deleted_at=timezone.now())

    result = result_of(api_for(world.viewer).get("/organizations/acme"))

    assert result["countsByStatus"]["RUNNING"] == 2
    assert result["countsByStatus"]["ERROR"] == 1
    assert result["countsByStatus"]["FINISHED"] == 0, "encodings gone from Bitmovin are not counted"
    assert result["failedLast24h"] == 1
    assert result["role"] == "viewer"
    assert {"level": "warn", "text": "1 failed in 24 h"} in result["health"]["problems"]
    assert result["sync"]["hasApiKey"] is True


def test_no_response_holds_any_key_material(world, api_for):
    failed_encoding(world.acme)
    world.acme.ensure_webhook_secret()
    world.acme.save()
    api = api_for(world.admin)
    bodies = [
        api.get("/organizations").content.decode(),
        api.get("/organizations/acme").content.decode(),
        api.get("/organizations/acme/failures").content.decode(),
    ]
    for body in bodies:
        assert TEST_API_KEY not in body
        assert world.acme.connection.api_key_encrypted not in body
        assert world.acme.webhook_secret_encrypted not in body
        assert 'apiKey"' not in body and "last4" not in body.lower()


def test_another_organizations_slug_is_indistinguishable_from_a_missing_one(world, api_for):
    api = api_for(world.viewer)
    foreign = error_of(api.get("/organizations/globex"), 404, 1005)
    missing = error_of(api.get("/organizations/no-such-org"), 404, 1005)
    foreign.pop("details"), missing.pop("details")
    assert foreign == missing
    for path in ("/encodings", "/failures", "/encodings/enc-1", "/encodings/enc-1/status"):
        assert error_of(api.get(f"/organizations/globex{path}"), 404, 1005) == error_of(
            api.get(f"/organizations/no-such-org{path}"), 404, 1005
        )


def test_failures_are_grouped_by_error_code_with_first_and_last_seen(world, api_for):
    failed_encoding(world.acme, 2100, minutes_ago=50)
    failed_encoding(world.acme, 2100, minutes_ago=10)
    failed_encoding(world.acme, 2016, minutes_ago=30)
    failed_encoding(world.acme, 2016, minutes_ago=60 * 24 * 9)  # older than the default week
    failed_encoding(world.globex, 2100)  # another organization's

    items = result_of(api_for(world.viewer).get("/organizations/acme/failures"))["items"]

    assert [(item["errorCode"], item["count"]) for item in items] == [(2100, 2), (2016, 1)]
    input_missing = items[0]
    assert input_missing["title"] == "Input file not found"
    assert input_missing["firstSeenAt"] < input_missing["lastSeenAt"]
    assert input_missing["whatToDo"]
    assert input_missing["docUrl"].startswith("https://")


def test_failures_window_can_be_widened(world, api_for):
    failed_encoding(world.acme, 2016, minutes_ago=60 * 24 * 9)
    since = (timezone.now() - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    items = result_of(
        api_for(world.viewer).get("/organizations/acme/failures", {"finishedAtNewerThan": since})
    )["items"]
    assert [item["errorCode"] for item in items] == [2016]


def test_failures_without_details_read_yet_are_explained_as_such(world, api_for):
    failed_encoding(world.acme, None, error_category="", error_text="")
    items = result_of(api_for(world.viewer).get("/organizations/acme/failures"))["items"]
    assert items[0]["errorCode"] is None
    assert items[0]["title"] == "No error details read yet"


def test_a_bad_failures_window_names_the_parameter(world, api_for):
    data = error_of(
        api_for(world.viewer).get("/organizations/acme/failures", {"finishedAtNewerThan": "yesterday"}),
        400,
        1001,
    )
    assert [detail["field"] for detail in data["details"]] == ["finishedAtNewerThan"]
