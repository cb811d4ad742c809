"""The ETag of an encoding's live part: the detail page's polled fragment, encodings/_detail_live.html.

What the fragment shows comes from: the encoding's row (status, progress, phase times, subtasks, error
fields, the pending mark), its messages (only ever added, so their number changes with each new one), the
viewer's role (the actions offered), the page's own parameters (message types, order, page, the way back)
and the time: an ETA given up on a stalled encoding, a pending mark's expiry and, through etag_of, the
minute.

The mirror's own bookkeeping is left out (MIRROR_BOOKKEEPING): every status read and every full pass writes
it, also when Bitmovin said nothing new, and the fragment shows of it only whether the status was ever read
("No subtasks reported yet"). Its request id and read time show in the error panel, with the audit log's,
but that panel shows only for a failed encoding, which is final and no longer polled.
"""

from __future__ import annotations

from datetime import datetime

from encodings_app.models import Encoding, Message
from encodings_app.selectors.etags import etag_of

# Columns of the mirror's reads themselves (models/encodings.py, "Sync bookkeeping") that the live part does
# not show; status_synced_at stands in the tag as whether it is set.
MIRROR_BOOKKEEPING = frozenset(
    {"first_seen_at", "last_seen_at", "status_synced_at", "status_request_id", "status_synced_for"}
)
_SHOWN_COLUMNS = tuple(
    field.attname for field in Encoding._meta.concrete_fields if field.attname not in MIRROR_BOOKKEEPING
)


def message_total(encoding: Encoding) -> int:
    """How many messages the encoding has: the sum of the counts kept with its row, or (never kept) one
    COUNT from an index, the only read a conditional poll then adds."""
    if encoding.message_counts is not None:
        return sum(encoding.message_counts.values())
    return Message.objects.filter(encoding=encoding).count()


def live_part_etag(encoding: Encoding, *, role: str, view: str, messages: int, now: datetime) -> str:
    """The tag of the live part as ``role`` sees it with the page parameters ``view`` (a query string built
    from validated values) and ``messages`` messages."""
    row = tuple(getattr(encoding, name) for name in _SHOWN_COLUMNS)
    status_read = encoding.status_synced_at is not None
    shown_by_time = (encoding.pending_mark(now=now) is not None, encoding.eta_is_frozen(now=now))
    return etag_of((row, status_read, messages, role, view, shown_by_time), now=now)
