"""What the CSV exports read: every encoding that passes the list's filters, in the list's order, and the
failures grouped by error code as the overview shows them. Rows are read as tuples in chunks from the
database (a server-side cursor on PostgreSQL), never as one list, so an export of any size takes the same
memory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from encodings_app.models import Organization
from encodings_app.selectors.encodings import EncodingFilters, filtered_encodings, ordering
from encodings_app.selectors.failures import failure_rows

# Rows fetched from the database at a time: large enough that the round trips do not dominate, small
# enough that a chunk is a few hundred kilobytes.
EXPORT_CHUNK_ROWS = 2000

# The encoding's columns an export reads, in the order csv_export.py expects them.
EXPORT_FIELDS = (
    "bitmovin_id",
    "name",
    "status",
    "error_code",
    "error_category",
    "progress",
    "type",
    "cloud_region",
    "selected_cloud_region",
    "encoder_version",
    "selected_encoder_version",
    "labels",
    "created_at",
    "queued_at",
    "started_at",
    "running_at",
    "finished_at",
    "error_at",
)


def encoding_export_rows(organization: Organization, filters: EncodingFilters) -> Iterator[tuple]:
    """Every encoding the list shows with these filters, all pages of it, as tuples of EXPORT_FIELDS."""
    queryset = filtered_encodings(organization, filters).order_by(*ordering(filters.sort))
    return queryset.values_list(*EXPORT_FIELDS).iterator(chunk_size=EXPORT_CHUNK_ROWS)


def failure_export_rows(organization: Organization, *, since: datetime) -> Iterator[dict]:
    """Every error code's group of failures since then (the overview shows the first few)."""
    return failure_rows(organization, since=since).iterator(chunk_size=EXPORT_CHUNK_ROWS)
