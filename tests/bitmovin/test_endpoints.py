"""The account, organization, statistics and webhook endpoints: paths, bodies and parsed results."""

from __future__ import annotations

import json
from datetime import date

import pytest

from encodings_app.bitmovin import (
    AccountInformation,
    DailyStatistics,
    EncodingStats,
    InvalidArgumentError,
    Organization,
    OrganizationType,
    Page,
    Webhook,
)

from .conftest import load_fixture, success, url

ENCODING = "/encoding/encodings/enc-1"


@pytest.mark.parametrize(
    ("call", "method", "path", "fixture", "result_type"),
    [
        (
            lambda c: c.get_account_information(),
            "GET",
            "/account/information",
            "account_information.json",
            AccountInformation,
        ),
        (lambda c: c.list_organizations(), "GET", "/account/organizations", "organizations_page.json", Page),
        (
            lambda c: c.list_sub_organizations("org-root"),
            "GET",
            "/account/organizations/org-root/sub-organizations",
            "organizations_page.json",
            Page,
        ),
        (
            lambda c: c.get_encoding_statistics("enc-1"),
            "GET",
            "/encoding/statistics/encodings/enc-1",
            "encoding_statistics.json",
            EncodingStats,
        ),
        (
            lambda c: c.list_daily_statistics(date(2026, 3, 1), "2026-03-31"),
            "GET",
            "/encoding/statistics/daily/2026-03-01/2026-03-31",
            "daily_statistics_page.json",
            Page,
        ),
        (
            lambda c: c.list_webhooks("finished"),
            "GET",
            "/notifications/webhooks/encoding/encodings/finished",
            "webhooks_page.json",
            Page,
        ),
        (
            lambda c: c.list_webhooks("transfer-error", encoding_id="enc-1"),
            "GET",
            "/notifications/webhooks/encoding/encodings/enc-1/transfer-error",
            "webhooks_page.json",
            Page,
        ),
    ],
)
def test_endpoint_calls_its_documented_path_and_returns_its_type(
    client, api, call, method, path, fixture, result_type
):
    api.add(method, url(path), json=load_fixture(fixture))

    result = call(client)

    assert isinstance(result, result_type)
    assert result.request_id == load_fixture(fixture)["requestId"]
    assert api.calls[0].request.method == method


def test_organizations_are_parsed_with_their_hierarchy(client, api):
    api.get(url("/account/organizations"), json=load_fixture("organizations_page.json"))

    root, sub = client.list_organizations().items

    assert isinstance(root, Organization)
    assert root.type == OrganizationType.ROOT_ORGANIZATION
    assert sub.parent_id == "org-root"
    assert root.limits_per_resource[0]["limits"][0]["value"] == "10"


def test_daily_statistics_are_parsed_per_day(client, api):
    api.get(
        url("/encoding/statistics/daily/2026-03-01/2026-03-02"),
        json=load_fixture("daily_statistics_page.json"),
    )

    days = client.list_daily_statistics("2026-03-01", "2026-03-02").items

    assert all(isinstance(day, DailyStatistics) for day in days)
    assert [day.date for day in days] == [date(2026, 3, 1), date(2026, 3, 2)]
    assert days[0].billable_minutes == 12.5


@pytest.mark.parametrize(
    ("start", "end"), [("2026-03-02", "2026-03-01"), ("yesterday", "2026-03-01"), (1, 2)]
)
def test_daily_statistics_refuse_unusable_dates(client, api, start, end):
    with pytest.raises(InvalidArgumentError):
        client.list_daily_statistics(start, end)


def test_create_webhook_sends_an_hmac_signed_post_webhook(client, api):
    api.post(
        url("/notifications/webhooks/encoding/encodings/enc-1/error"),
        json=success(load_fixture("webhooks_page.json")["data"]["result"]["items"][0], "req-wh"),
    )

    webhook = client.create_webhook(
        "error", "https://dash.example/hooks/1", "s3cr3t-signing-key", encoding_id="enc-1"
    )

    assert json.loads(api.calls[0].request.body) == {
        "url": "https://dash.example/hooks/1",
        "method": "POST",
        "signature": {"type": "HMAC", "key": "s3cr3t-signing-key"},
    }
    assert isinstance(webhook, Webhook)
    assert webhook.request_id == "req-wh"
    assert webhook.signature_type == "HMAC"


def test_created_status_changed_webhook_goes_to_its_own_path(client, api):
    api.post(
        url("/notifications/webhooks/encoding/encodings/encoding-status-changed"),
        json=success({"id": "n-1", "url": "https://dash.example/h", "eventType": "ENCODING_STATUS_CHANGED"}),
    )

    webhook = client.create_webhook("status-changed", "https://dash.example/h", "key-key-key")

    assert webhook.id == "n-1"
    assert webhook.event_type == "ENCODING_STATUS_CHANGED"


def test_webhook_signing_key_is_never_kept_on_the_result(client, api):
    api.get(
        url("/notifications/webhooks/encoding/encodings/finished"), json=load_fixture("webhooks_page.json")
    )

    webhook = client.list_webhooks("finished").items[0]

    assert "whsec-signing-key-000111222" not in repr(webhook)
    assert "whsec-signing-key-000111222" not in json.dumps(webhook.raw)
    assert webhook.raw["signature"]["type"] == "HMAC"


@pytest.mark.parametrize(
    ("event", "encoding_id", "path"),
    [
        ("finished", None, "/notifications/webhooks/encoding/encodings/finished/wh-1"),
        ("error", "enc-1", "/notifications/webhooks/encoding/encodings/enc-1/error/wh-1"),
        ("transfer-error", None, "/notifications/webhooks/encoding/encodings/transfer-error/wh-1"),
        ("status-changed", None, "/notifications/webhooks/encoding/encodings/encoding-status-changed/wh-1"),
        (
            "status-changed",
            "enc-1",
            "/notifications/webhooks/encoding/encodings/encoding-status-changed/wh-1",
        ),
    ],
)
def test_delete_webhook_uses_the_path_of_its_family(client, api, event, encoding_id, path):
    api.delete(url(path), json=success({"id": "wh-1"}))

    assert client.delete_webhook(event, "wh-1", encoding_id=encoding_id) == "wh-1"


def test_listing_status_changed_webhooks_is_refused_because_the_api_has_no_such_list(client, api):
    with pytest.raises(InvalidArgumentError):
        client.list_webhooks("status-changed")


@pytest.mark.parametrize("event", ["finish", "ERROR", "", None])
def test_unknown_webhook_events_are_refused(client, api, event):
    with pytest.raises(InvalidArgumentError):
        client.list_webhooks(event)
    with pytest.raises(InvalidArgumentError):
        client.delete_webhook(event, "wh-1")
