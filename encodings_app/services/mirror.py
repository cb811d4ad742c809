"""Writing what the API said into the mirror: encodings from lists, status Tasks and their messages.

Every write is an upsert keyed on Bitmovin ids and happens only when a value differs, so applying the same
answer twice changes nothing, and two writers racing on one encoding (a sync and a webhook refresh) end with
one row holding the newer answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from encodings_app.bitmovin import types as api
from encodings_app.models import Encoding, EncodingLabel, Message, Organization

# Fields copied from the API's Encoding resource (list items and GET /encodings/{id}).
LIST_FIELDS = (
    "name",
    "description",
    "type",
    "status",
    "progress",
    "cloud_region",
    "selected_cloud_region",
    "fallback_cloud_regions",
    "selected_fallback_cloud_regions",
    "encoder_version",
    "selected_encoder_version",
    "selected_encoding_mode",
    "infrastructure",
    "static_ip_id",
    "live_options_type",
    "labels",
    "custom_data",
    "created_at",
    "modified_at",
    "started_at",
    "queued_at",
    "running_at",
    "finished_at",
    "error_at",
)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def encoding_values(item: api.Encoding) -> dict[str, Any]:
    """The model's field values for one API Encoding (enums stored as their raw strings)."""
    infrastructure = None
    if item.infrastructure is not None:
        infrastructure = {
            "infrastructureId": item.infrastructure.infrastructure_id,
            "cloudRegion": _text(item.infrastructure.cloud_region) or None,
        }
    return {
        "name": _text(item.name)[:500],
        "description": _text(item.description),
        "type": _text(item.type),
        "status": _text(item.status),
        "progress": item.progress,
        "cloud_region": _text(item.cloud_region),
        "selected_cloud_region": _text(item.selected_cloud_region),
        "fallback_cloud_regions": [str(region) for region in item.fallback_cloud_regions],
        "selected_fallback_cloud_regions": [str(region) for region in item.selected_fallback_cloud_regions],
        "encoder_version": _text(item.encoder_version),
        "selected_encoder_version": _text(item.selected_encoder_version),
        "selected_encoding_mode": _text(item.selected_encoding_mode),
        "infrastructure": infrastructure,
        "static_ip_id": _text(item.static_ip_id),
        "live_options_type": _text(item.live_options_type),
        "labels": [str(label)[:200] for label in item.labels],
        "custom_data": item.custom_data,
        "created_at": item.created_at,
        "modified_at": item.modified_at,
        "started_at": item.started_at,
        "queued_at": item.queued_at,
        "running_at": item.running_at,
        "finished_at": item.finished_at,
        "error_at": item.error_at,
    }


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    newest_created_at: datetime | None = None
    newest_finished_at: datetime | None = None


def upsert_encodings(organization: Organization, items: Sequence[api.Encoding]) -> UpsertResult:
    """Write one page of list items; returns how many were created and updated, and the newest times seen."""
    result = UpsertResult()
    if not items:
        return result
    now = timezone.now()
    by_id = {item.id: item for item in items}
    existing = {
        row["bitmovin_id"]: row
        for row in Encoding.objects.filter(organization=organization, bitmovin_id__in=by_id).values(
            "bitmovin_id", "progress", *LIST_FIELDS
        )
    }
    rows, label_changes = [], {}
    for bitmovin_id, item in by_id.items():
        values = encoding_values(item)
        result.newest_created_at = latest(result.newest_created_at, item.created_at)
        result.newest_finished_at = latest(result.newest_finished_at, item.finished_at)
        old = existing.get(bitmovin_id)
        if old is not None and all(old[name] == value for name, value in values.items()):
            continue
        if old is None:
            result.created += 1
        else:
            result.updated += 1
        progressed = old is None or old["progress"] != values["progress"]
        if progressed:
            values["progress_changed_at"] = now
        if old is None or old["labels"] != values["labels"]:
            label_changes[bitmovin_id] = values["labels"]
        rows.append((bitmovin_id, values, progressed))
    if rows:
        _write_rows(organization, rows, now)
        bump_data_version(organization.pk)
    if label_changes:
        _write_labels(organization, label_changes)
    return result


def bump_data_version(organization_id: int) -> None:
    Organization.objects.filter(pk=organization_id).update(data_version=F("data_version") + 1)


def latest(current: datetime | None, candidate: datetime | None) -> datetime | None:
    if candidate is None:
        return current
    return candidate if current is None or candidate > current else current


def _write_rows(organization: Organization, rows: list[tuple[str, dict, bool]], now: datetime) -> None:
    # Two bulk upserts: rows whose progress moved also move progress_changed_at; the others keep theirs.
    common = {"update_conflicts": True, "unique_fields": ["organization", "bitmovin_id"]}
    for progressed, extra_fields in ((True, ["progress_changed_at"]), (False, [])):
        instances = [
            Encoding(
                organization=organization,
                bitmovin_id=bitmovin_id,
                first_seen_at=now,
                last_seen_at=now,
                **values,
            )
            for bitmovin_id, values, moved in rows
            if moved is progressed
        ]
        if instances:
            Encoding.objects.bulk_create(
                instances, update_fields=[*LIST_FIELDS, *extra_fields, "last_seen_at"], **common
            )


def _write_labels(organization: Organization, changes: dict[str, list[str]]) -> None:
    ids = dict(
        Encoding.objects.filter(organization=organization, bitmovin_id__in=changes).values_list(
            "bitmovin_id", "pk"
        )
    )
    EncodingLabel.objects.filter(encoding_id__in=ids.values()).delete()
    EncodingLabel.objects.bulk_create(
        [
            EncodingLabel(encoding_id=ids[bitmovin_id], organization=organization, label=label)
            for bitmovin_id, labels in changes.items()
            for label in dict.fromkeys(labels)
        ],
        ignore_conflicts=True,
    )


def mark_seen(organization: Organization, bitmovin_ids: Iterable[str]) -> None:
    """Bookkeeping for the full reconciliation: these encodings are still in the API. One that was taken for
    gone is back on every page: a change of the mirror, which moves the data version; the stamp alone is
    not."""
    now = timezone.now()
    seen = Encoding.objects.filter(organization=organization, bitmovin_id__in=list(bitmovin_ids))
    if seen.filter(deleted_at__isnull=False).update(deleted_at=None, last_seen_at=now):
        bump_data_version(organization.pk)
    seen.update(last_seen_at=now)


# --- status Tasks ------------------------------------------------------------------------------------------


def message_key(message: api.Message, subtask: str) -> str:
    """The API's message id, or a stable hash of the message's content when the API gave none.

    A message whose id is unusable (see bitmovin.ids) reaches here without one: the client keeps such a
    message, because its text may be the only word on why an encoding failed, and drops only the id, which is
    nothing but this key. It is then keyed by its content like any message that came without an id.
    """
    if message.id:
        return message.id[:64]
    content = "\x1f".join(
        [
            subtask,
            _text(message.type),
            message.date.isoformat() if message.date else "",
            _text(message.text),
            _text(message.field),
        ]
    )
    return "sha1-" + hashlib.sha1(content.encode(), usedforsecurity=False).hexdigest()


def _subtask_json(subtask: api.Subtask) -> dict[str, Any]:
    return {
        "id": subtask.id,
        "name": subtask.name,
        "status": _text(subtask.status),
        "progress": subtask.progress,
        "created_at": _iso(subtask.created_at),
        "queued_at": _iso(subtask.queued_at),
        "running_at": _iso(subtask.running_at),
        "started_at": _iso(subtask.started_at),
        "finished_at": _iso(subtask.finished_at),
        "updated_at": _iso(subtask.updated_at),
        "message_count": len(subtask.messages),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def task_values(task: api.Task) -> dict[str, Any]:
    error = task.error
    values = {
        "status": _text(task.status),
        "progress": task.progress,
        "eta_seconds": task.eta,
        "error_code": error.code if error else None,
        "error_category": _text(error.category)[:120] if error else "",
        "error_text": _text(error.text) if error else "",
        "error_retry_hint": _text(error.retry_hint)[:40] if error else "",
        "subtasks": [_subtask_json(subtask) for subtask in task.subtasks],
    }
    # The Task repeats the phase timestamps; keep the list's values when the Task leaves them out.
    for name in ("queued_at", "running_at", "finished_at", "error_at"):
        if getattr(task, name) is not None:
            values[name] = getattr(task, name)
    if not values["status"]:
        del values["status"]
    return values


def task_messages(task: api.Task) -> list[tuple[str, api.Message]]:
    pairs = [("", message) for message in task.messages]
    for subtask in task.subtasks:
        pairs.extend((_text(subtask.name)[:200], message) for message in subtask.messages)
    return pairs


@transaction.atomic
def apply_task(encoding: Encoding, task: api.Task) -> int:
    """Write a status Task onto its encoding; returns how many messages were new."""
    now = timezone.now()
    values = task_values(task)
    changed = [name for name, value in values.items() if getattr(encoding, name) != value]
    if "progress" in changed:
        encoding.progress_changed_at = now
        changed.append("progress_changed_at")
    for name in changed:
        if name in values:
            setattr(encoding, name, values[name])

    encoding.status_synced_for = values.get("status", encoding.status)
    encoding.status_synced_at = now
    encoding.status_request_id = (task.request_id or "")[:100]
    Encoding.objects.filter(pk=encoding.pk).update(
        status_synced_at=now,
        status_request_id=encoding.status_request_id,
        status_synced_for=encoding.status_synced_for,
        **{name: getattr(encoding, name) for name in changed},
    )
    added = add_messages(encoding, task_messages(task))
    settled = _pending_settle(encoding, now)
    if changed or added or settled:
        bump_data_version(encoding.organization_id)
    return added


# What a settled pending mark is written back to.
NO_PENDING = {"pending_action": "", "pending_status": "", "pending_from": "", "pending_since": None}


def _pending_settle(encoding: Encoding, now: datetime) -> bool:
    """Clear an accepted action's mark once this read settles it (Encoding.pending_mark says when). The
    update is conditional on the mark read with the row, so that a newer action's mark is never cleared."""
    if not encoding.pending_action or encoding.pending_mark(now=now) is not None:
        return False
    cleared = Encoding.objects.filter(
        pk=encoding.pk, pending_action=encoding.pending_action, pending_since=encoding.pending_since
    ).update(**NO_PENDING)
    for name, value in NO_PENDING.items():
        setattr(encoding, name, value)
    return bool(cleared)


def add_messages(encoding: Encoding, pairs: Sequence[tuple[str, api.Message]]) -> int:
    """Store the messages the encoding does not have yet, and its counts by type with them. Called by
    apply_task, whose update of the encoding's row holds that row's lock until it commits: two reads of one
    encoding write their messages and counts one after the other, and neither counts the other's out."""
    if not pairs:
        return 0
    keyed = {message_key(message, subtask): (subtask, message) for subtask, message in pairs}
    known = set(
        Message.objects.filter(encoding=encoding, bitmovin_id__in=keyed).values_list("bitmovin_id", flat=True)
    )
    new = [
        Message(
            encoding=encoding,
            bitmovin_id=key,
            type=_text(message.type)[:16] or "INFO",
            date=message.date,
            text=_text(message.text),
            field=_text(message.field)[:300],
            links=[{"href": link.href, "title": link.title} for link in message.links if link.href],
            more=message.more,
            subtask=subtask,
        )
        for key, (subtask, message) in keyed.items()
        if key not in known
    ]
    # ignore_conflicts: a concurrent refresh of the same encoding may have inserted some of them meanwhile.
    Message.objects.bulk_create(new, ignore_conflicts=True)
    if new or encoding.message_counts is None:
        message_counts_store(encoding=encoding)
    return len(new)


def message_counts_store(*, encoding: Encoding) -> dict[str, int]:
    """Count the encoding's messages by type (from an index, once per write that adds some) and keep the
    counts on its row, where every view and poll of the encoding reads them (Encoding.message_counts)."""
    counts = Message.objects.filter(encoding=encoding).counts_by_type()
    Encoding.objects.filter(pk=encoding.pk).update(message_counts=counts)
    encoding.message_counts = counts
    return counts
