"""The API's trends and CSV exports: the same figures and filters as the pages, in the envelope (a file on
success, a JSON error in the envelope otherwise)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from encodings_app.models import EncodingStatus
from tests.api.helpers import ApiCaller, error_of, fields_named, result_of, token_for
from tests.factories import failed_encodings, make_encoding

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world) -> ApiCaller:
    return ApiCaller(token_for(world.viewer))


@pytest.fixture
def noon(monkeypatch) -> datetime:
    held = datetime.combine(timezone.now().astimezone(UTC).date(), time(12), tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: held)
    return held


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_trends_come_in_the_envelope_with_known_answers_and_links_to_their_encodings(world, api, noon):
    yesterday = noon - timedelta(days=1)
    make_encoding(
        world.acme,
        name="done",
        status=EncodingStatus.FINISHED,
        queued_at=yesterday - timedelta(minutes=3),
        running_at=yesterday,
        finished_at=yesterday + timedelta(minutes=10),
    )
    failed_encodings(
        world.acme,
        3,
        2016,
        minutes_ago=24 * 60,
        error_category="Output",
        cloud_region="AWS_EU_WEST_1",
        encoder_version="2.190.0",
    )

    result = result_of(api.get("/organizations/acme/trends", {"days": "7"}))

    assert result["days"] == 7
    assert result["since"] == (noon.replace(hour=0) - timedelta(days=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (result["finished"], result["failed"], result["successRate"]) == (1, 3, 0.25)
    (code,) = result["byErrorCode"]
    assert (code["errorCode"], code["count"]) == (2016, 3)
    assert code["title"]
    assert [(group["value"], group["count"]) for group in result["byRegion"]] == [("AWS_EU_WEST_1", 3)]
    assert [(group["value"], group["count"]) for group in result["byEncoderVersion"]] == [("2.190.0", 3)]
    assert [(group["value"], group["count"]) for group in result["byErrorCategory"]] == [("Output", 3)]
    day = next(day for day in result["daily"] if day["day"] == yesterday.date().isoformat())
    assert (day["finished"], day["failed"], day["successRate"]) == (1, 3, 0.25)
    assert (day["medianQueueSeconds"], day["medianRunSeconds"]) == (180.0, 600.0)
    assert len(result["daily"]) == 7
    # The links lead to exactly those encodings, in the API and on the page.
    listed = result_of(api.client.get(code["links"]["encodings"], headers={"X-Api-Key": api.token}))
    assert len(listed["items"]) == 3
    assert code["links"]["page"].startswith("/o/acme/encodings/?code=2016&failed_from=")
    by_day = result_of(api.client.get(day["failedLinks"]["encodings"], headers={"X-Api-Key": api.token}))
    assert len(by_day["items"]) == 3


def test_a_trends_window_other_than_7_30_or_90_days_is_a_400(world, api):
    data = error_of(api.get("/organizations/acme/trends", {"days": "365"}), 400, 1001)

    assert fields_named(data) == ["days"]


def test_the_export_honours_the_lists_filters_and_holds_every_row(world, api):
    failed_encodings(world.acme, 130, 2016)
    failed_encodings(world.acme, 2, 2100)
    make_encoding(world.acme, name="fine")

    rows = csv_rows(api.get("/organizations/acme/export/encodings", {"status": "ERROR", "errorCode": "2016"}))

    assert len(rows) == 130
    assert {row["error_code"] for row in rows} == {"2016"}
    assert all(row["finished_at"].endswith("Z") for row in rows)


def test_a_bad_filter_of_the_export_is_a_400_in_the_envelope(world, api):
    data = error_of(
        api.get("/organizations/acme/export/encodings", {"status": "BROKEN", "errorCode": "x"}), 400, 1001
    )

    assert sorted(fields_named(data)) == ["errorCode", "status"]


def test_the_failures_export_groups_by_error_code(world, api):
    failed_encodings(world.acme, 2, 2016, minutes_ago=10)
    failed_encodings(world.acme, 1, 2100, minutes_ago=60 * 24 * 3)

    week = csv_rows(api.get("/organizations/acme/export/failures"))
    day = csv_rows(
        api.get(
            "/organizations/acme/export/failures",
            {"finishedAtNewerThan": (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")},
        )
    )

    assert [(row["error_code"], row["encodings"]) for row in week] == [("2016", "2"), ("2100", "1")]
    assert [(row["error_code"], row["encodings"]) for row in day] == [("2016", "2")]


def test_another_organizations_trends_and_exports_are_not_found(world):
    outsider = ApiCaller(token_for(world.outsider))

    for path in ("trends", "export/encodings", "export/failures"):
        error_of(outsider.get(f"/organizations/acme/{path}"), 404, 1005)
