"""Builders for the page tests: the personas, and organizations with a realistic spread of encodings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from encodings_app.models import (
    Encoding,
    EncodingLabel,
    EncodingStatus,
    Organization,
    Role,
    SyncRun,
    WebhookDelivery,
)
from tests.factories import (
    TEST_API_KEY,
    make_encoding,
    make_member,
    make_message,
    make_organization,
    make_user,
)


@dataclass
class World:
    acme: Organization
    globex: Organization
    admin: object
    operator: object
    viewer: object
    outsider: object


def make_world() -> World:
    acme = make_organization("acme", name="Acme Media", colour="#b3261e")
    globex = make_organization("globex", name="Globex Broadcasting", colour="#1e6b34")
    return World(
        acme=acme,
        globex=globex,
        admin=make_member(acme, Role.ADMIN, user=make_user("ada")),
        operator=make_member(acme, Role.OPERATOR, user=make_user("otto")),
        viewer=make_member(acme, Role.VIEWER, user=make_user("vera")),
        outsider=make_member(globex, Role.ADMIN, user=make_user("gus")),
    )


def labelled_encoding(organization: Organization, labels: list[str] = (), **fields) -> Encoding:
    encoding = make_encoding(organization, labels=list(labels), **fields)
    EncodingLabel.objects.bulk_create(
        [EncodingLabel(encoding=encoding, organization=organization, label=label) for label in labels]
    )
    return encoding


def failed_encoding(organization: Organization, code: int = 2016, **fields) -> Encoding:
    now = timezone.now()
    defaults = {
        "name": "Broken ladder",
        "status": EncodingStatus.ERROR,
        "progress": 42,
        "started_at": now - timedelta(minutes=30),
        "queued_at": now - timedelta(minutes=30),
        "running_at": now - timedelta(minutes=28),
        "finished_at": now - timedelta(minutes=5),
        "error_at": now - timedelta(minutes=5),
        "error_code": code,
        "error_category": "Encoding",
        "error_text": "The encoder could not write segment 17 of stream video-1080p",
        "error_retry_hint": "RETRY",
        "status_synced_at": now,
    }
    defaults.update(fields)
    encoding = make_encoding(organization, **defaults)
    make_message(
        encoding,
        type="ERROR",
        text="Writing segment 17 failed: access denied",
        field="outputs[0].outputId",
        links=[
            {"href": "https://developer.bitmovin.com/encoding/docs/outputs", "title": "Output permissions"},
            {"href": "javascript:alert(1)", "title": "Bad link"},
        ],
    )
    return encoding


def running_encoding(organization: Organization, **fields) -> Encoding:
    now = timezone.now()
    defaults = {
        "name": "Live match ladder",
        "status": EncodingStatus.RUNNING,
        "progress": 37,
        "eta_seconds": 252.0,
        "started_at": now - timedelta(minutes=12),
        "queued_at": now - timedelta(minutes=12),
        "running_at": now - timedelta(minutes=10),
        "progress_changed_at": now - timedelta(seconds=20),
        "cloud_region": "AWS_EU_WEST_1",
        "selected_cloud_region": "AWS_EU_WEST_1",
        "encoder_version": "2.190.0",
        "subtasks": [
            {"name": "ANALYSIS", "status": "FINISHED", "progress": 100, "message_count": 1},
            {"name": "ENCODING", "status": "RUNNING", "progress": 37, "message_count": 2},
        ],
    }
    defaults.update(fields)
    return make_encoding(organization, **defaults)


STATUS_CYCLE = [
    EncodingStatus.FINISHED,
    EncodingStatus.RUNNING,
    EncodingStatus.QUEUED,
    EncodingStatus.ERROR,
    EncodingStatus.CREATED,
    EncodingStatus.CANCELED,
    EncodingStatus.TRANSFER_ERROR,
]


def populate(organization: Organization, *, encodings: int, messages: int = 0) -> list[Encoding]:
    """Encodings in every status (some stuck, some failed, all labelled), and messages on the first one."""
    now = timezone.now()
    made = []
    for index in range(encodings):
        status = STATUS_CYCLE[index % len(STATUS_CYCLE)]
        started = now - timedelta(hours=index % 48, minutes=5)
        fields = {
            "name": f"Episode {index:03d} master",
            "status": status,
            "progress": {EncodingStatus.FINISHED: 100, EncodingStatus.CREATED: 0}.get(status, 40),
            "created_at": started - timedelta(minutes=2),
            "started_at": started if status != EncodingStatus.CREATED else None,
            "queued_at": started if status != EncodingStatus.CREATED else None,
            "running_at": started + timedelta(minutes=1)
            if status not in (EncodingStatus.CREATED, EncodingStatus.QUEUED)
            else None,
            "progress_changed_at": now - timedelta(hours=2) if index % 3 else now,
            "type": "LIVE" if index % 5 == 0 else "VOD",
            "cloud_region": "AWS_EU_WEST_1" if index % 2 else "AUTO",
            "selected_cloud_region": "AWS_EU_WEST_1",
            "encoder_version": "2.190.0",
        }
        if status in (EncodingStatus.FINISHED, EncodingStatus.ERROR, EncodingStatus.TRANSFER_ERROR):
            fields["finished_at"] = started + timedelta(minutes=20)
        if status in (EncodingStatus.ERROR, EncodingStatus.TRANSFER_ERROR):
            fields.update(
                error_code=(2016, 2100, 1000)[index % 3], error_category="Encoding", error_text="failed"
            )
        made.append(labelled_encoding(organization, ["customer-stark", f"batch-{index % 4}"], **fields))
    if made and messages:
        target = made[0]
        types = ["INFO", "WARNING", "ERROR", "DEBUG", "TRACE"]
        for index in range(messages):
            make_message(
                target,
                type=types[index % len(types)],
                subtask="" if index % 2 else "ENCODING",
                date=now - timedelta(seconds=messages - index),
                links=[{"href": "https://example.com/doc", "title": "doc"}] if index % 7 == 0 else [],
            )
    for index in range(min(encodings, 30)):
        SyncRun.objects.create(
            organization=organization,
            outcome=SyncRun.Outcome.OK if index % 4 else SyncRun.Outcome.FAILED,
            finished_at=now,
            api_calls={"GET /encoding/encodings": 3},
            error_message="" if index % 4 else "boom",
            error_request_id="" if index % 4 else f"req-{index}",
        )
        WebhookDelivery.objects.create(
            organization=organization,
            verdict=WebhookDelivery.Verdict.VALID if index % 3 else WebhookDelivery.Verdict.INVALID,
            event_type="ENCODING_FINISHED",
            encoding_bitmovin_id=made[index].bitmovin_id if made else "",
            triggered="refresh",
        )
    return made


__all__ = [
    "TEST_API_KEY",
    "World",
    "failed_encoding",
    "labelled_encoding",
    "make_world",
    "populate",
    "running_encoding",
]
