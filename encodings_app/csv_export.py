"""CSV files of the encodings list and of the failures by error code, for the pages and the API alike.

A file is written while its rows are read (a StreamingHttpResponse over the selectors' iterators), a few
hundred rows per chunk, so that an export of a million encodings takes the memory of one chunk. Times are
ISO 8601 in UTC (2026-12-07T10:00:00Z), durations whole seconds, and no cell can start a spreadsheet
formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime

from django.http import StreamingHttpResponse
from django.utils import timezone

from encodings_app.models import Organization, explain_failure

# Rows written per chunk of the response.
ROWS_PER_CHUNK = 500
# A cell starting with one of these is read as a formula by spreadsheets (or, for tab and carriage return,
# lets one start after them): a quote in front makes it text, as OWASP's CSV-injection advice says.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

ENCODING_HEADER = (
    "organization",
    "bitmovin_id",
    "name",
    "status",
    "error_code",
    "error_category",
    "progress",
    "type",
    "region",
    "requested_region",
    "encoder",
    "requested_encoder",
    "labels",
    "created_at",
    "queued_at",
    "started_at",
    "running_at",
    "finished_at",
    "error_at",
    "duration_seconds",
)
FAILURE_HEADER = (
    "organization",
    "error_code",
    "title",
    "category",
    "encodings",
    "first_failed_at",
    "last_failed_at",
    "meaning",
    "what_to_do",
    "retry_helps",
    "doc_url",
)


def text_cell(value: object) -> str:
    """Text from the mirror (names, labels, what Bitmovin reported) as a cell no spreadsheet evaluates."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def time_cell(value: datetime | None) -> str:
    if value is None:
        return ""
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def number_cell(value: int | float | None) -> str:
    return "" if value is None else str(value)


def seconds_between(start: datetime | None, end: datetime | None) -> str:
    """What the list's Duration column shows (started to finished), in whole seconds; empty until both."""
    if start is None or end is None:
        return ""
    return str(round((end - start).total_seconds()))


def encoding_cells(organization: Organization, row: Sequence) -> list[str]:
    """One encoding's cells from a tuple of selectors/export.py's EXPORT_FIELDS."""
    (
        bitmovin_id,
        name,
        status,
        error_code,
        error_category,
        progress,
        type_,
        cloud_region,
        selected_cloud_region,
        encoder_version,
        selected_encoder_version,
        labels,
        created_at,
        queued_at,
        started_at,
        running_at,
        finished_at,
        error_at,
    ) = row
    return [
        organization.slug,
        text_cell(bitmovin_id),
        text_cell(name),
        status,
        number_cell(error_code),
        text_cell(error_category),
        number_cell(progress),
        text_cell(type_),
        # The region and encoder the list shows: the one Bitmovin chose, else the one asked for.
        text_cell(selected_cloud_region or cloud_region),
        text_cell(cloud_region),
        text_cell(selected_encoder_version or encoder_version),
        text_cell(encoder_version),
        text_cell("; ".join(str(label) for label in labels or ())),
        time_cell(created_at),
        time_cell(queued_at),
        time_cell(started_at),
        time_cell(running_at),
        time_cell(finished_at),
        time_cell(error_at),
        seconds_between(started_at, finished_at),
    ]


def failure_cells(organization: Organization, row: dict) -> list[str]:
    """One error code's group, from a row of selectors/failures.py's failure_rows."""
    explanation = explain_failure(row["error_code"], row["category"], row["text"], row["hint"])
    retry = {True: "yes", False: "no", None: ""}[explanation.retry_helps]
    return [
        organization.slug,
        number_cell(row["error_code"]),
        text_cell(explanation.title),
        text_cell(explanation.category),
        str(row["n"]),
        time_cell(row["first"]),
        time_cell(row["last"]),
        text_cell(explanation.meaning),
        text_cell(explanation.what_to_do),
        retry,
        text_cell(explanation.doc_url),
    ]


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[str]]) -> Iterator[str]:
    """The file as text chunks of ROWS_PER_CHUNK rows; only one chunk is ever held."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for written, cells in enumerate(rows, 1):
        writer.writerow(cells)
        if written % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_filename(organization: Organization, what: str, *, now: datetime | None = None) -> str:
    """``acme-encodings-20261207T100000Z.csv``: a slug is letters, digits, hyphens and underscores only, so
    the name needs no quoting beyond its quotes."""
    stamp = (now or timezone.now()).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{organization.slug}-{what}-{stamp}.csv"


def csv_response(chunks: Iterator[str], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A proxy that buffers (nginx by default) would hold the whole file before sending any of it.
    response["X-Accel-Buffering"] = "no"
    return response


def encodings_csv(organization: Organization, rows: Iterable[Sequence]) -> StreamingHttpResponse:
    cells = (encoding_cells(organization, row) for row in rows)
    return csv_response(csv_chunks(ENCODING_HEADER, cells), export_filename(organization, "encodings"))


def failures_csv(organization: Organization, rows: Iterable[dict]) -> StreamingHttpResponse:
    cells = (failure_cells(organization, row) for row in rows)
    return csv_response(csv_chunks(FAILURE_HEADER, cells), export_filename(organization, "failures"))
