"""CSV exports: the list with its filters (every matching row, not one page) and the failures by error
code, streamed, with times in UTC and no cell a spreadsheet would evaluate."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from encodings_app.csv_export import ENCODING_HEADER, FAILURE_HEADER
from tests.factories import failed_encoding, failed_encodings, labelled_encoding, make_encoding

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[dict[str, str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_export_holds_the_list_columns_with_ids_and_utc_times(world, login):
    labelled_encoding(
        world.acme,
        ["Customer1", "premium"],
        bitmovin_id="b6c1e4f0-0000-4000-8000-000000000001",
        name="Alpha test",
        status="FINISHED",
        created_at=datetime(2026, 12, 7, 9, 58, tzinfo=UTC),
        started_at=datetime(2026, 12, 7, 10, 0, tzinfo=UTC),
        finished_at=datetime(2026, 12, 7, 10, 4, 12, tzinfo=UTC),
        cloud_region="AUTO",
        selected_cloud_region="AWS_EU_WEST_1",
        encoder_version="STABLE",
        selected_encoder_version="2.190.0",
    )
    response = login(world.viewer).get("/o/acme/export/encodings.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="acme-encodings-')
    (row,) = rows_of(response)
    assert list(row) == list(ENCODING_HEADER)
    assert row["organization"] == "acme"
    assert row["bitmovin_id"] == "b6c1e4f0-0000-4000-8000-000000000001"
    assert row["name"] == "Alpha test"
    assert row["status"] == "FINISHED"
    assert row["labels"] == "Customer1; premium"
    assert row["region"] == "AWS_EU_WEST_1"
    assert row["requested_region"] == "AUTO"
    assert row["encoder"] == "2.190.0"
    assert row["requested_encoder"] == "STABLE"
    assert row["created_at"] == "2026-12-07T09:58:00Z"
    assert row["started_at"] == "2026-12-07T10:00:00Z"
    assert row["finished_at"] == "2026-12-07T10:04:12Z"
    assert row["duration_seconds"] == "252"
    assert row["running_at"] == ""


def test_the_export_honours_the_filters_and_the_order_of_the_list(world, login):
    now = timezone.now()
    for index in range(3):
        make_encoding(world.acme, name=f"done {index}", created_at=now - timedelta(minutes=index))
    failed_encoding(world.acme, 2016, name="broken one")
    failed_encoding(world.acme, 2100, name="broken other")

    client = login(world.viewer)
    failed = rows_of(client.get("/o/acme/export/encodings.csv?status=ERROR&code=2016"))
    by_name = rows_of(client.get("/o/acme/export/encodings.csv?status=FINISHED&sort=-name"))

    assert [(row["name"], row["error_code"]) for row in failed] == [("broken one", "2016")]
    assert [row["name"] for row in by_name] == ["done 2", "done 1", "done 0"]


def test_the_export_holds_every_matching_row_not_only_one_page(world, login):
    failed_encodings(world.acme, 260, 2016)
    make_encoding(world.acme, name="finished")

    response = login(world.viewer).get("/o/acme/export/encodings.csv?status=ERROR&per_page=25&page=3")

    rows = rows_of(response)
    assert len(rows) == 260
    assert len({row["bitmovin_id"] for row in rows}) == 260


def test_cells_that_would_start_a_formula_are_neutralised(world, login):
    labelled_encoding(world.acme, ["@SUM(A1)"], name='=HYPERLINK("http://evil")', error_category="+cmd")
    labelled_encoding(world.acme, [], name="-2+3")

    rows = rows_of(login(world.viewer).get("/o/acme/export/encodings.csv?sort=name"))

    assert [row["name"] for row in rows] == ["'-2+3", '\'=HYPERLINK("http://evil")']
    assert rows[1]["labels"] == "'@SUM(A1)"
    assert rows[1]["error_category"] == "'+cmd"


def test_a_refused_filter_shows_the_list_with_its_note_and_exports_nothing(world, login):
    make_encoding(world.acme, name="anything")

    response = login(world.viewer).get("/o/acme/export/encodings.csv?code=not-a-number")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Nothing was exported" in html
    assert "Error code" in html


def test_the_list_offers_its_filters_as_a_download(world, login):
    make_encoding(world.acme, name="anything")

    html = login(world.viewer).get("/o/acme/encodings/?status=ERROR&sort=name&page=2&per_page=25").content

    assert b'href="/o/acme/export/encodings.csv?status=ERROR&amp;sort=name"' in html


def test_another_organizations_export_is_not_found(world, login):
    failed_encoding(world.acme)
    client = login(world.outsider)

    assert client.get("/o/acme/export/encodings.csv").status_code == 404
    assert client.get("/o/acme/export/failures.csv").status_code == 404


def test_the_export_leaves_out_other_organizations_and_deleted_encodings(world, login):
    make_encoding(world.acme, name="ours")
    make_encoding(world.acme, name="gone", deleted_at=timezone.now())
    make_encoding(world.globex, name="theirs")

    rows = rows_of(login(world.viewer).get("/o/acme/export/encodings.csv"))

    assert [row["name"] for row in rows] == ["ours"]


def test_the_failures_export_groups_the_overviews_week_by_error_code(world, login):
    failed_encodings(world.acme, 3, 2016, minutes_ago=60)
    failed_encodings(world.acme, 2, 9999, minutes_ago=30, error_category="Input")
    failed_encodings(world.acme, 4, 2016, minutes_ago=60 * 24 * 8)  # before the window

    response = login(world.viewer).get("/o/acme/export/failures.csv")

    assert response["Content-Disposition"].startswith('attachment; filename="acme-failures-')
    rows = rows_of(response)
    assert list(rows[0]) == list(FAILURE_HEADER)
    assert [(row["error_code"], row["encodings"]) for row in rows] == [("9999", "2"), ("2016", "3")]
    assert rows[1]["title"]
    assert rows[1]["first_failed_at"].endswith("Z")
    assert rows[1]["organization"] == "acme"


def test_the_overview_offers_its_failures_as_a_download(world, login):
    failed_encoding(world.acme)

    html = login(world.viewer).get("/o/acme/").content.decode()

    assert 'href="/o/acme/export/failures.csv"' in html
