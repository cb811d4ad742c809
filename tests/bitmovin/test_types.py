"""Parsing: lenient datetimes, tolerant enums, wrong-typed fields, and the small helpers on the types."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, date, datetime

import pytest

from encodings_app.bitmovin import (
    CloudRegion,
    Encoding,
    ErrorDetails,
    MessageType,
    ResourceId,
    RetryHint,
    Status,
    Task,
)
from encodings_app.bitmovin._convert import as_date, as_datetime, as_float, as_int

from .conftest import load_fixture


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2016-06-25T20:09:23Z", datetime(2016, 6, 25, 20, 9, 23, tzinfo=UTC)),
        ("2016-06-25T20:09:23.69Z", datetime(2016, 6, 25, 20, 9, 23, 690000, tzinfo=UTC)),
        ("2016-06-25T20:09:23.123456789Z", datetime(2016, 6, 25, 20, 9, 23, 123456, tzinfo=UTC)),
        ("2016-06-25T22:09:23+02:00", datetime(2016, 6, 25, 20, 9, 23, tzinfo=UTC)),
        ("2016-06-25T15:39:23-0430", datetime(2016, 6, 25, 20, 9, 23, tzinfo=UTC)),
        ("2016-06-25T20:09:23", datetime(2016, 6, 25, 20, 9, 23, tzinfo=UTC)),
        ("2016-06-25 20:09", datetime(2016, 6, 25, 20, 9, tzinfo=UTC)),
        ("2016-06-25", datetime(2016, 6, 25, tzinfo=UTC)),
        ("2016-12-31T23:59:60Z", datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)),
        (1466885363, datetime(2016, 6, 25, 20, 9, 23, tzinfo=UTC)),
        (1466885363000, datetime(2016, 6, 25, 20, 9, 23, tzinfo=UTC)),
    ],
)
def test_datetimes_parse_leniently_into_aware_utc(text, expected):
    parsed = as_datetime(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "garbage",
    ["", "yesterday", "2016-13-01T00:00:00Z", "2016-02-30", "20160625", None, True, [], {}, float("nan")],
)
def test_unparseable_datetimes_become_none(garbage):
    assert as_datetime(garbage) is None


def test_dates_keep_the_calendar_day_as_written():
    assert as_date("2026-03-01") == date(2026, 3, 1)
    assert as_date("2026-03-01T23:30:00-05:00") == date(2026, 3, 2)
    assert as_date("March") is None


@pytest.mark.parametrize(
    ("value", "as_integer", "as_real"),
    [(5, 5, 5.0), (5.9, 5, 5.9), ("7", 7, 7.0), (True, None, None), ("x", None, None), (None, None, None)],
)
def test_numbers_are_read_leniently(value, as_integer, as_real):
    assert as_int(value) == as_integer
    assert as_float(value) == as_real


def test_unknown_enum_values_keep_their_raw_string():
    encoding = Encoding.from_json(
        {
            "id": "e",
            "status": "PAUSED",
            "cloudRegion": "MARS_NORTH_1",
            "type": "HYBRID",
            "selectedEncodingMode": "X",
        }
    )
    details = ErrorDetails.from_json({"code": 1, "retryHint": "MAYBE_LATER"})

    assert encoding.status == "PAUSED"
    assert not isinstance(encoding.status, Status)
    assert encoding.cloud_region == "MARS_NORTH_1"
    assert encoding.type == "HYBRID"
    assert details.retry_hint == "MAYBE_LATER"


def test_known_enum_values_are_members_that_compare_to_plain_strings():
    encoding = Encoding.from_json({"id": "e", "status": "RUNNING", "cloudRegion": "AWS_EU_WEST_1"})

    assert encoding.status is Status.RUNNING
    assert encoding.status == "RUNNING"
    assert f"{encoding.status}" == "RUNNING"
    assert encoding.cloud_region is CloudRegion.AWS_EU_WEST_1
    assert RetryHint("NO_RETRY") == "NO_RETRY"


def test_fields_of_the_wrong_type_degrade_to_none_instead_of_failing():
    encoding = Encoding.from_json(
        {
            "id": "e",
            "name": {"not": "a string"},
            "progress": "lots",
            "createdAt": 12.5e30,
            "labels": ["ok", 3, None],
            "fallbackCloudRegions": "AUTO",
            "infrastructure": "cloud",
            "customData": [1, 2],
            "status": 7,
        }
    )

    assert encoding.name is None
    assert encoding.progress is None
    assert encoding.created_at is None
    assert encoding.labels == ("ok",)
    assert encoding.fallback_cloud_regions == ()
    assert encoding.infrastructure is None
    assert encoding.custom_data is None
    assert encoding.status is None


def test_task_offers_terminal_state_and_error_messages():
    task = Task.from_json(load_fixture("task_with_subtasks.json")["data"]["result"])

    assert task.is_terminal
    assert [m.type for m in task.error_messages] == [MessageType.ERROR]
    assert task.subtasks[1].messages[0].field == "outputs[0]"
    assert task.subtasks[0].metadata[0].data.frames_encoded == 1190
    assert task.subtasks[1].updated_at == datetime(2026, 3, 1, 9, 19, 59, tzinfo=UTC)
    assert task.eta == 12.5


def test_request_evidence_takes_no_part_in_equality():
    data = {"id": "e", "status": "QUEUED"}
    first = dataclasses.replace(Encoding.from_json(data), request_id="r1")
    second = dataclasses.replace(Encoding.from_json(data), request_id="r2")

    assert first == second
    assert "raw" not in repr(first)


def test_resource_id_is_a_string_that_keeps_its_evidence_through_pickle():
    value = ResourceId("enc-1", request_id="req-1", verified_by_status=True)

    copy = pickle.loads(pickle.dumps(value))  # noqa: S301 - our own object, round-tripped

    assert copy == "enc-1"
    assert isinstance(copy, str)
    assert (copy.request_id, copy.verified_by_status) == ("req-1", True)


def test_parsed_results_are_immutable():
    encoding = Encoding.from_json({"id": "e"})

    with pytest.raises(dataclasses.FrozenInstanceError):
        encoding.status = "RUNNING"  # type: ignore[misc]
