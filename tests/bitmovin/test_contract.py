"""Contract tests: the recorded fixtures, served over (mocked) HTTP to both our client and the official SDK,
must give the same values field by field."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from enum import Enum
from typing import Any

import bitmovin_api_sdk.models as sdk_models
import pytest
from bitmovin_api_sdk import BitmovinApi
from bitmovin_api_sdk.common.bitmovin_error import BitmovinError as SdkError

from encodings_app.bitmovin import (
    Encoding,
    ErrorDetails,
    InfrastructureSettings,
    Link,
    Message,
    Page,
    Subtask,
    SubtaskMetadata,
    SubtaskMetadataData,
    Task,
    ValidationError,
)
from encodings_app.bitmovin._convert import as_datetime
from encodings_app.bitmovin.redact import mask_secret

from .conftest import API_KEY, BASE_URL, load_fixture, url

# `skipped` is evidence about the answer (items left out for unusable ids), not a field of the model.
META_FIELDS = {"raw", "request_id", "response_messages", "skipped"}
# Our fields that are derived from the SDK's rather than named like them.
DERIVED = {
    "masked_value": lambda sdk: mask_secret(sdk.value),
    "ingest_status": lambda sdk: sdk.ingest.status,
    "ingest_healthy": lambda sdk: sdk.ingest.healthy,
    "signature_type": lambda sdk: sdk.signature.type,
    "event_type": lambda sdk: getattr(sdk, "event_type", None),
    "resource_id": lambda sdk: getattr(sdk, "resource_id", None),
}


def assert_same(ours: Any, theirs: Any, path: str = "result") -> None:
    """Compare one of our values with the SDK's, recursively; the path names the field that differs."""
    if dataclasses.is_dataclass(ours):
        for field in dataclasses.fields(ours):
            if field.name in META_FIELDS:
                continue
            expected = DERIVED[field.name](theirs) if field.name in DERIVED else getattr(theirs, field.name)
            assert_same(getattr(ours, field.name), expected, f"{path}.{field.name}")
    elif isinstance(theirs, Enum):
        assert ours == theirs.value, path
    elif isinstance(theirs, list):
        assert isinstance(ours, tuple | list), path
        assert len(ours) == len(theirs), path
        for index, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
            assert_same(mine, other, f"{path}[{index}]")
    elif hasattr(theirs, "attribute_map"):
        # We keep this part as decoded JSON: compare it key by key with the SDK's model.
        assert isinstance(ours, dict), path
        for attribute, key in theirs.attribute_map.items():
            value = getattr(theirs, attribute)
            if value is None:
                assert ours.get(key) is None, f"{path}.{key}"
            else:
                assert_same(ours[key], value, f"{path}.{key}")
    elif isinstance(theirs, datetime):
        mine = as_datetime(ours) if isinstance(ours, str) else ours
        assert mine == theirs, path
    elif isinstance(theirs, date):
        assert ours == theirs, path
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict), path
        assert set(ours) == set(theirs), path
        for key in theirs:
            assert_same(ours[key], theirs[key], f"{path}.{key}")
    else:
        assert ours == theirs, f"{path}: {ours!r} != {theirs!r}"


@pytest.fixture
def sdk() -> BitmovinApi:
    return BitmovinApi(api_key=API_KEY, base_url=BASE_URL)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (Encoding, sdk_models.Encoding),
        (Task, sdk_models.Task),
        (Subtask, sdk_models.Subtask),
        (SubtaskMetadata, sdk_models.SubtaskMetadata),
        (SubtaskMetadataData, sdk_models.SubtaskMetadataData),
        (Message, sdk_models.Message),
        (Link, sdk_models.Link),
        (ErrorDetails, sdk_models.ErrorDetails),
        (InfrastructureSettings, sdk_models.InfrastructureSettings),
        (Page, sdk_models.PaginationResponse),
    ],
)
def test_core_types_carry_every_key_of_the_official_model(ours, theirs):
    our_fields = {field.name for field in dataclasses.fields(ours)} - META_FIELDS
    assert our_fields == set(theirs().attribute_map)


CASES = {
    "encoding": (
        "GET",
        "/encoding/encodings/enc-1",
        "encoding.json",
        lambda c: c.get_encoding("enc-1"),
        lambda s: s.encoding.encodings.get("enc-1"),
    ),
    "task_with_subtasks": (
        "GET",
        "/encoding/encodings/enc-1/status",
        "task_with_subtasks.json",
        lambda c: c.get_encoding_status("enc-1"),
        lambda s: s.encoding.encodings.status("enc-1"),
    ),
    "encodings_page": (
        "GET",
        "/encoding/encodings",
        "encodings_page.json",
        lambda c: c.list_encodings(),
        lambda s: s.encoding.encodings.list(),
    ),
    "account_information": (
        "GET",
        "/account/information",
        "account_information.json",
        lambda c: c.get_account_information(),
        lambda s: s.account.information.get(),
    ),
    "organizations_page": (
        "GET",
        "/account/organizations",
        "organizations_page.json",
        lambda c: c.list_organizations(),
        lambda s: s.account.organizations.list(),
    ),
    "encoding_statistics": (
        "GET",
        "/encoding/statistics/encodings/enc-1",
        "encoding_statistics.json",
        lambda c: c.get_encoding_statistics("enc-1"),
        lambda s: s.encoding.statistics.encodings.get("enc-1"),
    ),
    "daily_statistics_page": (
        "GET",
        "/encoding/statistics/daily/2026-03-01/2026-03-02",
        "daily_statistics_page.json",
        lambda c: c.list_daily_statistics("2026-03-01", "2026-03-02"),
        lambda s: s.encoding.statistics.daily.list_by_date_range(date(2026, 3, 1), date(2026, 3, 2)),
    ),
    "webhooks_page": (
        "GET",
        "/notifications/webhooks/encoding/encodings/finished",
        "webhooks_page.json",
        lambda c: c.list_webhooks("finished"),
        lambda s: s.notifications.webhooks.encoding.encodings.finished.list(),
    ),
    "action": (
        "POST",
        "/encoding/encodings/enc-1/stop",
        "action_start.json",
        lambda c: c.stop_encoding("enc-1"),
        lambda s: s.encoding.encodings.stop("enc-1"),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_fixture_parses_to_the_same_values_as_the_official_sdk(client, sdk, api, case):
    method, path, fixture, ours_call, sdk_call = CASES[case]
    api.add(method, url(path), json=load_fixture(fixture))
    api.add(method, url(path), json=load_fixture(fixture))

    ours = ours_call(client)
    theirs = sdk_call(sdk)

    if case == "action":
        assert ours == theirs.id
    else:
        assert_same(ours, theirs)
    assert ours.request_id == load_fixture(fixture)["requestId"]


def test_error_envelope_gives_the_same_evidence_as_the_official_sdk(client, sdk, api):
    api.get(url("/encoding/encodings/enc-1"), status=400, json=load_fixture("error_envelope.json"))
    api.get(url("/encoding/encodings/enc-1"), status=400, json=load_fixture("error_envelope.json"))

    with pytest.raises(ValidationError) as ours:
        client.get_encoding("enc-1")
    with pytest.raises(SdkError) as theirs:
        sdk.encoding.encodings.get("enc-1")

    assert ours.value.http_status == theirs.value.http_status_code
    assert ours.value.code == theirs.value.error_code
    assert ours.value.message == theirs.value.short_message
    assert ours.value.developer_message == theirs.value.developer_message
    assert_same(ours.value.details, theirs.value.details, "details")
    assert_same(ours.value.links, theirs.value.links, "links")
    # The SDK drops the request id; we keep it.
    assert ours.value.request_id == "5a1c2f0e-err"
