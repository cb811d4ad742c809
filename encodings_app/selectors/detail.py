"""One encoding: phases, subtasks, the message timeline (by type; in time order or by subtask) and its error
in plain words.

The page costs the same queries for 10 messages or 100,000: the encoding (which carries its counts by type,
kept where messages are written), one page of messages (the counts give the page total, so no COUNT of its
own) and, for a failed encoding, its first ERROR messages; an encoding whose counts were never kept has them
counted, from an index alone. A page of the timeline is read from an index in time order and stops after it
(the Message model's indexes), so neither the size of the message table nor the length of the encoding's
history is sorted through. What still grows with the history: a deep page skips the entries before it, and
the grouping by subtask sorts the encoding's messages of the types shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from encodings_app.bitmovin import (
    ErrorDetails,
    ErrorExplanation,
    explain,
    explain_retry_hint,
)
from encodings_app.models import Encoding, EncodingStatus, Message, MessageType
from encodings_app.safe_links import api_links
from encodings_app.selectors.error_evidence import RequestIdRow, developer_json, request_ids

MESSAGES_PER_PAGE = 100
ERROR_MESSAGES_SHOWN = 20
MESSAGE_TYPES = [t.value for t in MessageType]
# INFO and up by default; DEBUG and TRACE are noise until someone asks for them.
DEFAULT_MESSAGE_TYPES = [MessageType.ERROR.value, MessageType.WARNING.value, MessageType.INFO.value]
# Time order, the one order of the page and the API. Undated messages come first: they cannot be placed in
# time, and first keeps them on page 1 in view instead of behind every page of dated ones. Said outright
# because the databases differ (SQLite sorts NULL first, PostgreSQL last).
TIME_ORDER = (F("date").asc(nulls_first=True), "pk")


@dataclass(frozen=True)
class Phase:
    name: str
    key: str
    started: datetime | None
    ended: datetime | None
    current: bool = False
    reached: bool = True
    failed: bool = False  # the phase that says the encoding failed: marked apart, not only by its name

    @property
    def seconds(self) -> float | None:
        if self.started is None:
            return None
        end = self.ended or (timezone.now() if self.current else None)
        return None if end is None else max(0.0, (end - self.started).total_seconds())


def phases(encoding: Encoding) -> list[Phase]:
    """Created, queued, running, then how it ended, with the time spent in each."""
    status = encoding.status
    queued = encoding.queued_at or encoding.started_at
    running = encoding.running_at
    ended = encoding.finished_at or encoding.error_at
    terminal = encoding.is_terminal
    end_name = {
        EncodingStatus.ERROR: "Error",
        EncodingStatus.TRANSFER_ERROR: "Transfer error",
        EncodingStatus.CANCELED: "Canceled",
    }.get(status, "Finished")
    return [
        Phase("Created", "created", encoding.created_at, queued or (ended if terminal else None),
              current=status == EncodingStatus.CREATED),
        Phase("Queued", "queued", queued, running or (ended if terminal else None),
              current=status == EncodingStatus.QUEUED, reached=queued is not None),
        Phase("Running", "running", running, ended if terminal else None,
              current=status == EncodingStatus.RUNNING, reached=running is not None),
        Phase(end_name, "ended", ended, None, reached=terminal, failed=encoding.is_failed),
    ]  # fmt: skip


@dataclass(frozen=True)
class SubtaskView:
    name: str
    status: str
    progress: int | None
    started: datetime | None
    finished: datetime | None
    message_count: int


def subtasks(encoding: Encoding) -> list[SubtaskView]:
    views = []
    for raw in encoding.subtasks or []:
        if not isinstance(raw, dict):
            continue
        views.append(
            SubtaskView(
                name=str(raw.get("name") or raw.get("id") or "subtask"),
                status=str(raw.get("status") or ""),
                progress=raw.get("progress") if isinstance(raw.get("progress"), int) else None,
                started=_when(raw.get("running_at") or raw.get("started_at")),
                finished=_when(raw.get("finished_at")),
                message_count=raw.get("message_count") if isinstance(raw.get("message_count"), int) else 0,
            )
        )
    return views


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


@dataclass
class Timeline:
    counts: dict[str, int]
    shown_types: list[str]
    messages: list[Message]
    page: int
    pages: int
    total_shown: int
    by_subtask: bool = False
    # (subtask, its messages) when grouped by subtask; else one group of the whole page in time order.
    grouped: list[tuple[str, list[Message]]] = field(default_factory=list)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def message_counts(encoding: Encoding) -> dict[str, int]:
    """The encoding's messages by type: as kept with its row when its messages were written, else counted."""
    if encoding.message_counts is not None:
        return dict(encoding.message_counts)
    return Message.objects.filter(encoding=encoding).counts_by_type()


def message_timeline(
    encoding: Encoding, *, types: list[str], page: int, by_subtask: bool = False
) -> tuple[Timeline, bool]:
    """One page of messages of the given types in time order, or grouped by subtask (the encoding's own first,
    each group in time order).

    Returns the timeline and whether the page asked for was out of range (the last page is shown instead).
    """
    counts = message_counts(encoding)
    total = sum(counts.get(t, 0) for t in types)
    pages = max(1, math.ceil(total / MESSAGES_PER_PAGE))
    corrected = page > pages
    page = min(max(1, page), pages)
    messages: list[Message] = []
    if total:
        start = (page - 1) * MESSAGES_PER_PAGE
        messages = _page_of_messages(
            encoding, types, by_subtask, start, min(MESSAGES_PER_PAGE, total - start), total
        )
    grouped: list[tuple[str, list[Message]]] = []
    for message in messages:
        if not grouped or (by_subtask and grouped[-1][0] != message.subtask):
            grouped.append((message.subtask if by_subtask else "", []))
        grouped[-1][1].append(message)
    timeline = Timeline(
        counts=counts,
        shown_types=types,
        messages=messages,
        page=page,
        pages=pages,
        total_shown=total,
        by_subtask=by_subtask,
        grouped=grouped,
    )
    return timeline, corrected


def _page_of_messages(
    encoding: Encoding, types: list[str], by_subtask: bool, start: int, size: int, total: int
) -> list[Message]:
    """The `size` messages from position `start` of `total`, read from the nearer end: a page past the middle
    (the last one, a live stream's newest messages, above all) is read backwards from the end of the index
    and turned round, so that it skips the entries after it instead of every one before it."""
    order = ("subtask", *TIME_ORDER) if by_subtask else TIME_ORDER
    rows = Message.objects.filter(encoding=encoding, type__in=types).only(
        "type", "date", "text", "field", "links", "subtask", "more"
    )
    after = total - start - size
    if after >= start:
        return list(rows.order_by(*order)[start : start + size])
    backwards = [_reversed(key) for key in order]
    return list(reversed(rows.order_by(*backwards)[after : after + size]))


def _reversed(key):
    """An ordering key of TIME_ORDER (or the subtask before it) the other way round, undated messages last."""
    if isinstance(key, str):
        return key[1:] if key.startswith("-") else f"-{key}"
    return (
        key.expression.desc(nulls_last=True) if not key.descending else key.expression.asc(nulls_first=True)
    )


@dataclass(frozen=True)
class ErrorPanel:
    explanation: ErrorExplanation
    what_to_do: str
    retry_advice: str
    has_details: bool
    error_messages: list[Message]
    request_ids: list[RequestIdRow] = field(default_factory=list)
    developer_json: str = ""

    @property
    def links(self) -> list[dict[str, str]]:
        """The ERROR messages' web links, each once (see safe_links: only http(s) ones are links at all)."""
        seen, links = set(), []
        for message in self.error_messages:
            for link in api_links(message.links):
                if link["href"] not in seen:
                    seen.add(link["href"])
                    links.append({"href": link["href"], "title": link.get("title") or link["href"]})
        return links


def error_panel(encoding: Encoding) -> ErrorPanel | None:
    """The plain-words explanation of a failed encoding: one query for its first ERROR messages (with every
    field the page and the API show), one for the request ids of the actions on it."""
    if not encoding.is_failed:
        return None
    details = ErrorDetails(
        code=encoding.error_code,
        category=encoding.error_category or None,
        text=encoding.error_text or None,
        retry_hint=encoding.error_retry_hint or None,
    )
    has_details = details.code is not None or bool(details.category or details.text)
    explanation = encoding.failure_explanation
    if not has_details:
        # One encoding, and the page has a button for the fresh read: the group's words, said of it.
        explanation = replace(
            explanation,
            title="Failed, no error details read yet",
            meaning="The encoding failed, but its status with the error details has not been read yet.",
            what_to_do="Ask for a fresh read with “Refresh now”; the explanation appears once it is in.",
        )
    if explanation.known and details.code is not None:
        # The catalogue's advice alone: the retry hint has its own line on the page.
        what_to_do = explain(details.code).what_to_do
    elif has_details:
        what_to_do = (
            "Read the encoder's own words below. If the same error comes back, contact Bitmovin support "
            "with the encoding id."
        )
    else:
        what_to_do = explanation.what_to_do
    error_messages = first_error_messages(encoding)
    ids = request_ids(encoding)
    return ErrorPanel(
        explanation=explanation,
        what_to_do=what_to_do,
        retry_advice=explain_retry_hint(details.retry_hint),
        has_details=has_details,
        error_messages=error_messages,
        request_ids=ids,
        developer_json=developer_json(encoding, error_messages=error_messages, ids=ids),
    )


def first_error_messages(encoding: Encoding, limit: int = ERROR_MESSAGES_SHOWN) -> list[Message]:
    """The encoding's first ERROR messages in the timeline's order, with their ids (the API shows them)."""
    return list(
        Message.objects.filter(encoding=encoding, type=MessageType.ERROR)
        .only("bitmovin_id", "type", "date", "text", "field", "links", "more", "subtask")
        .order_by(*TIME_ORDER)[:limit]
    )


def messages_of(encoding: Encoding, types: list[str]) -> QuerySet[Message]:
    """The encoding's messages of these types (all when none), in time order, undated ones first."""
    queryset = Message.objects.filter(encoding=encoding)
    if types:
        queryset = queryset.filter(type__in=types)
    return queryset.order_by(*TIME_ORDER)
