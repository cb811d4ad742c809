"""Test data builders: small functions with sensible defaults, overridden by keyword, and the personas every
test folder shares (`World`, built by the root conftest's `world` fixture)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from encodings_app.models import (
    DEFAULT_API_BASE_URL,
    AccountConnection,
    AccountMembership,
    AlertKind,
    AlertSilence,
    Encoding,
    EncodingLabel,
    EncodingStatus,
    Incident,
    IncidentEvent,
    Membership,
    Message,
    Organization,
    Role,
    SyncRun,
    WebhookDelivery,
)
from encodings_app.services.alerts.silences import silence_add

_sequence = itertools.count(1)

TEST_API_KEY = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
PASSWORD = "correct-horse-battery"


# --- people and organizations ------------------------------------------------------------------------------


def make_user(username: str | None = None, **fields):
    username = username or f"user{next(_sequence)}"
    return get_user_model().objects.create_user(username=username, password=PASSWORD, **fields)


def make_connection(
    *, api_key: str = TEST_API_KEY, api_base_url: str = DEFAULT_API_BASE_URL, name: str | None = None
) -> AccountConnection:
    connection = AccountConnection(name=name or f"Account {next(_sequence)}", api_base_url=api_base_url)
    connection.set_api_key(api_key)
    connection.save()
    return connection


def make_organization(
    slug: str | None = None,
    *,
    api_key: str | None = TEST_API_KEY,
    api_base_url: str = DEFAULT_API_BASE_URL,
    connection: AccountConnection | None = None,
    **fields,
) -> Organization:
    """An organization reading through `connection`, or through a connection of its own holding `api_key`
    at `api_base_url` (none when api_key is None)."""
    number = next(_sequence)
    slug = slug or f"org-{number}"
    name = fields.pop("name", f"Organization {number}")
    if connection is None and api_key:
        connection = make_connection(api_key=api_key, api_base_url=api_base_url, name=name)
    organization = Organization(slug=slug, name=name, connection=connection, **fields)
    organization.save()
    return organization


def make_account_admin(connection: AccountConnection, user=None):
    """An account admin of `connection`: an admin of each of its organizations, who may change what they
    read through (its key, its API base URL, their tenant ids)."""
    user = user or make_user()
    AccountMembership.objects.create(user=user, connection=connection, role=Role.ADMIN)
    return user


def make_member(organization: Organization, role: str = Role.OPERATOR, user=None):
    user = user or make_user()
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


@dataclass
class World:
    """Two organizations and one person of each kind: acme's admin, operator and viewer, and globex's admin,
    who is an outsider to acme."""

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


# --- encodings in each state, and their messages -----------------------------------------------------------


def make_encoding(organization: Organization, **fields) -> Encoding:
    number = next(_sequence)
    now = timezone.now()
    defaults = {
        "bitmovin_id": f"enc-{number:06d}",
        "name": f"encoding {number}",
        "type": "VOD",
        "status": "FINISHED",
        "progress": 100,
        "created_at": now - timedelta(hours=1),
        "modified_at": now,
    }
    defaults.update(fields)
    return Encoding.objects.create(organization=organization, **defaults)


def make_message(encoding: Encoding, **fields) -> Message:
    number = next(_sequence)
    defaults = {
        "bitmovin_id": f"msg-{number}",
        "type": "INFO",
        "text": f"message {number}",
        "date": timezone.now(),
    }
    defaults.update(fields)
    return Message.objects.create(encoding=encoding, **defaults)


def message_history(
    encoding: Encoding,
    count: int,
    *,
    seed: int = 1,
    undated_every: int = 200,
    within_seconds: int | None = None,
) -> None:
    """`count` messages of the encoding in one insert, of random types (INFO most) and subtasks: every
    `undated_every`-th one undated, the others 7 s apart, or at random seconds of the first `within_seconds`
    (so that several share a time, and the id decides)."""
    rng = random.Random(seed)
    start = timezone.now() - timedelta(days=1)
    Message.objects.bulk_create(
        Message(
            encoding=encoding,
            bitmovin_id=f"m{number}",
            type=rng.choice(["INFO"] * 6 + ["DEBUG", "TRACE", "WARNING", "ERROR"]),
            date=None
            if number % undated_every == 0
            else start + timedelta(seconds=rng.randrange(within_seconds) if within_seconds else 7 * number),
            text=f"Step {number}",
            subtask=rng.choice(["", "ENCODING", "MUXING"]),
        )
        for number in range(count)
    )


def labelled_encoding(organization: Organization, labels: Sequence[str] = (), **fields) -> Encoding:
    """An encoding with its labels, also as the label rows the list filters on."""
    encoding = make_encoding(organization, labels=list(labels), **fields)
    EncodingLabel.objects.bulk_create(
        [EncodingLabel(encoding=encoding, organization=organization, label=label) for label in labels]
    )
    return encoding


def numbered_encodings(organization: Organization, count: int) -> None:
    """`count` encodings named "encoding 00", "encoding 01" ..., every second one labelled "news"."""
    for number in range(count):
        labelled_encoding(organization, ["news"] if number % 2 else [], name=f"encoding {number:02d}")


def search_catalogue(organization: Organization) -> list[str]:
    """Three encodings for the search tests, one with a colon in its name; their names, sorted."""
    labelled_encoding(organization, ["news", "Customer1"], name="Evening news")
    labelled_encoding(organization, ["sport"], name="Match of the day")
    labelled_encoding(organization, [], name="Recap:Finale")
    return ["Evening news", "Match of the day", "Recap:Finale"]


def failed_encoding(
    organization: Organization, code: int | None = 2016, *, minutes_ago: int = 5, **fields
) -> Encoding:
    """An encoding that failed `minutes_ago` minutes ago, with the status Task's error and one ERROR message
    whose links hold a documentation page and a `javascript:` link no page may turn into a link."""
    now = timezone.now()
    failed_at = now - timedelta(minutes=minutes_ago)
    defaults = {
        "name": "Broken ladder",
        "status": EncodingStatus.ERROR,
        "progress": 42,
        "started_at": failed_at - timedelta(minutes=25),
        "queued_at": failed_at - timedelta(minutes=25),
        "running_at": failed_at - timedelta(minutes=23),
        "finished_at": failed_at,
        "error_at": failed_at,
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


def failed_encodings(
    organization: Organization, count: int, code: int | None = 2016, *, minutes_ago: float = 1, **fields
) -> list[Encoding]:
    """`count` encodings that failed with `code` `minutes_ago` minutes ago, in one insert (no messages)."""
    now = timezone.now()
    failed_at = now - timedelta(minutes=minutes_ago)
    rows = []
    for _ in range(count):
        number = next(_sequence)
        values = {
            "bitmovin_id": f"enc-{number:06d}",
            "name": f"encoding {number}",
            "type": "VOD",
            "status": EncodingStatus.ERROR,
            "created_at": failed_at - timedelta(minutes=20),
            "finished_at": failed_at,
            "error_at": failed_at,
            "error_code": code,
            "error_category": "Encoding",
            "error_text": "The encoder could not write segment 17",
            "error_retry_hint": "RETRY",
            "status_synced_at": now,
        }
        values.update(fields)
        rows.append(Encoding(organization=organization, **values))
    return Encoding.objects.bulk_create(rows)


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


def live_encoding(
    organization: Organization, *, last_read: timedelta, name: str = "Main stage live"
) -> Encoding:
    """A live stream RUNNING for an hour at 0 %, whose status was last read ``last_read`` ago."""
    now = timezone.now()
    return make_encoding(
        organization,
        name=name,
        type="LIVE",
        status="RUNNING",
        progress=0,
        eta_seconds=None,
        started_at=now - timedelta(hours=1, minutes=13),
        queued_at=now - timedelta(hours=1, minutes=13),
        running_at=now - timedelta(hours=1, minutes=12),
        modified_at=now - timedelta(hours=1, minutes=12),
        progress_changed_at=now - timedelta(hours=1, minutes=12),
        status_synced_at=now - last_read,
    )


# --- bookkeeping: sync runs and webhook deliveries ---------------------------------------------------------


def make_sync_run(organization: Organization, **fields) -> SyncRun:
    defaults = {"outcome": SyncRun.Outcome.OK}
    defaults.update(fields)
    return SyncRun.objects.create(organization=organization, **defaults)


def make_delivery(organization: Organization | None, **fields) -> WebhookDelivery:
    defaults = {"verdict": WebhookDelivery.Verdict.VALID}
    defaults.update(fields)
    return WebhookDelivery.objects.create(organization=organization, **defaults)


# --- alert incidents --------------------------------------------------------------------------------------


def make_incident(
    organization: Organization,
    kind: str = AlertKind.FAILED,
    *,
    minutes_ago: float = 10,
    resolved_minutes_ago: float | None = None,
    **fields,
) -> Incident:
    """An incident opened `minutes_ago`, resolved `resolved_minutes_ago` when given, with its events as the
    evaluation writes them (services/alerts/incidents.py)."""
    number = next(_sequence)
    now = timezone.now()
    opened = now - timedelta(minutes=minutes_ago)
    resolved = now - timedelta(minutes=resolved_minutes_ago) if resolved_minutes_ago is not None else None
    defaults = {
        "cause": f"{kind}:{number}",
        "title": f"Incident {number}",
        "summary": f"What incident {number} is about.",
        "count": 3,
        "opened_at": opened,
        "last_seen_at": resolved or now,
        "resolved_at": resolved,
    }
    defaults.update(fields)
    incident = Incident.objects.create(organization=organization, kind=kind, **defaults)
    IncidentEvent.objects.create(incident=incident, kind=IncidentEvent.Kind.OPENED, at=incident.opened_at)
    if incident.resolved_at:
        IncidentEvent.objects.create(
            incident=incident, kind=IncidentEvent.Kind.RESOLVED, at=incident.resolved_at
        )
    return incident


# --- alerts ----------------------------------------------------------------------------------------------


def make_silence(
    organization: Organization,
    *,
    kind: str = "",
    hours: float = 4,
    reason: str = "maintenance window",
    user=None,
    now: datetime | None = None,
) -> AlertSilence:
    """A silence of `kind` ("" for every rule) from `now` for `hours`, added as an admin would."""
    now = now or timezone.now()
    return silence_add(
        organization=organization,
        kind=kind,
        reason=reason,
        ends_at=now + timedelta(hours=hours),
        user=user,
        now=now,
    )


# --- a realistic spread, for query counts and the pages' worst cases ---------------------------------------

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
    """Encodings in every status (some stuck, some failed, all labelled), messages on the first one, and
    sync runs and webhook deliveries, some of them failed."""
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
        failed = index % 4 == 0
        make_sync_run(
            organization,
            outcome=SyncRun.Outcome.FAILED if failed else SyncRun.Outcome.OK,
            finished_at=now,
            api_calls={"GET /encoding/encodings": 3},
            error_message="boom" if failed else "",
            error_request_id=f"req-{index}" if failed else "",
        )
        make_delivery(
            organization,
            verdict=WebhookDelivery.Verdict.VALID if index % 3 else WebhookDelivery.Verdict.INVALID,
            event_type="ENCODING_FINISHED",
            encoding_bitmovin_id=made[index].bitmovin_id if made else "",
            triggered="refresh",
        )
    return made


# --- usage ------------------------------------------------------------------------------------------------


def make_usage_day(
    organization: Organization,
    day,
    kind: str = "VOD",
    label: str = "",
    *,
    minutes: str | float = "0",
    seconds: int = 0,
    size: int = 0,
):
    """One mirrored day of usage: of one encoding type (label ""), or of one label (kind "ALL")."""
    from decimal import Decimal

    from encodings_app.models import UsageDay

    return UsageDay.objects.create(
        organization=organization,
        day=day,
        kind=kind,
        label=label,
        billable_minutes=Decimal(str(minutes)),
        encoded_seconds=seconds,
        bytes_encoded=size,
        synced_at=timezone.now(),
    )
