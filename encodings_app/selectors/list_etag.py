"""The ETag of the encodings list's live part: its polled fragment, encodings/_results.html (the total, the
rows, the pages).

What the fragment shows comes from:

- the organization's encodings, as filtered, sorted and paged: every write of the mirror bumps the
  organization's data_version, labels and encodings gone from Bitmovin included (services/mirror.py,
  services/sync.py), and so does an accepted action's pending mark (services/actions.py);
- the list's parameters as validated (EncodingFilterForm.query, with the page size whenever it is not the
  product's default): every link of the fragment is built from them, never from the request's own query
  string;
- the viewer's saved view: the optional columns (the page size is in the parameters above);
- whether the organization ever synced: what an empty list says;
- the time, through etag_of's minute: "3 min ago", "12 min so far", stuck, "created in the last 24 hours",
  an ETA given up, a pending mark that ran out, and, past LIST_EXACT_COUNT_LIMIT, the planner's estimate of
  the total, which follows the statistics autovacuum keeps.

The fragment's clock ("updated 07:51:32 UTC") is stamped by a 304 (static/js/app.js).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from encodings_app.models import Organization
from encodings_app.selectors.etags import etag_of
from encodings_app.selectors.health import never_synced


def list_live_etag(organization: Organization, *, view: str, columns: Sequence[str], now: datetime) -> str:
    """The tag of the list's live part for the list parameters ``view`` (a query string built from validated
    values) and the optional ``columns`` shown; ``organization`` as read for this request. Reads nothing."""
    return etag_of((organization.data_version, never_synced(organization), view, tuple(columns)), now=now)
