"""What a failed encoding's developer details hold: every Bitmovin request id the dashboard has for it, and
the error with its ERROR messages as one JSON document to paste into a support ticket.

One query, whatever the size of the audit log: the actions on the encoding that Bitmovin answered with a
request id. The status read's request id is on the encoding row itself. Sync runs are left out: they cover a
whole organization and do not record which encodings they read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from encodings_app.models import AuditEvent, Encoding, Message

# The newest ones; an encoding acted on more often than this is an outlier, and the audit log has the rest.
REQUEST_IDS_SHOWN = 20


@dataclass(frozen=True)
class RequestIdRow:
    request_id: str
    source: str
    at: datetime | None


def request_ids(encoding: Encoding, limit: int = REQUEST_IDS_SHOWN) -> list[RequestIdRow]:
    """The status read's request id first (it gave the error), then the actions', newest first, each once."""
    rows: list[RequestIdRow] = []
    if encoding.status_request_id:
        rows.append(RequestIdRow(encoding.status_request_id, "Status read", encoding.status_synced_at))
    events = (
        AuditEvent.objects.filter(
            organization_id=encoding.organization_id,
            target=encoding.bitmovin_id,
            action__startswith="encoding.",
        )
        .exclude(request_id="")
        .only("action", "outcome", "username", "request_id", "created_at")
        .order_by("-created_at", "-pk")[:limit]
    )
    for event in events:
        who = f" by {event.username}" if event.username else ""
        source = f"{event.get_action_display()}{who} ({event.get_outcome_display().lower()})"
        rows.append(RequestIdRow(event.request_id, source, event.created_at))
    seen: set[str] = set()
    unique = []
    for row in rows:
        if row.request_id not in seen:
            seen.add(row.request_id)
            unique.append(row)
    return unique


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def developer_json(
    encoding: Encoding, *, error_messages: Sequence[Message], ids: Sequence[RequestIdRow]
) -> str:
    """The failure as Bitmovin's field names spell it, indented for reading and pasting. The messages' links
    are left out: the panel lists them, and only there is a link that is not Bitmovin's kept to its URL."""
    document: dict[str, Any] = {
        "encodingId": encoding.bitmovin_id,
        "status": encoding.status,
        "error": {
            "code": encoding.error_code,
            "category": encoding.error_category or None,
            "retryHint": encoding.error_retry_hint or None,
            "text": encoding.error_text or None,
        },
        "requestIds": [
            {"requestId": row.request_id, "source": row.source, "at": _iso(row.at)} for row in ids
        ],
        "errorMessages": [
            {
                "id": message.bitmovin_id,
                "date": _iso(message.date),
                "subtask": message.subtask or None,
                "field": message.field or None,
                "text": message.text,
                "more": message.more,
            }
            for message in error_messages
        ],
    }
    # "more" is stored JSON; default=str keeps a value that is not (written some other way) from breaking the
    # page.
    return json.dumps(document, indent=2, ensure_ascii=False, default=str)
