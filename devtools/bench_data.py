"""The large mirror bench_pages measures: made once, kept between runs if asked, dropped when done.

A dataset is a benchmark organization of N encodings and M messages, one "heavy" encoding among them with a
long history (the detail page's worst case: a live stream running for a day), and a few smaller
organizations beside it so that the start page shows several. One user is a member of them all. The
organizations' alert rules are evaluated once, so that the incident pages have what a real mirror of this
size would give them.

On PostgreSQL the rows are made by the database itself (INSERT ... SELECT over generate_series, in chunks
that keep each encoding's messages together as a sync writes them), so that a million encodings and ten
million messages take minutes; elsewhere (SQLite, small sizes) through the ORM in batches. Both draw from the
same distributions (below). Either way the tables are then vacuumed and analyzed, as autovacuum would have.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from encodings_app.models import Encoding, EncodingLabel, Membership, Message, Organization, Role
from encodings_app.services.alerts.evaluate import alerts_evaluate
from encodings_app.services.mirror import message_counts_store
from encodings_app.services.tallies import tallies_fold_all

STATUSES = ["FINISHED"] * 80 + ["ERROR"] * 8 + ["CANCELED"] * 4 + ["TRANSFER_ERROR"] * 2 + ["CREATED"] * 2
# The first encodings made are the active ones: 40 RUNNING, then 20 QUEUED.
RUNNING, QUEUED = 40, 60
ERROR_CODES = [2100, 2103, 2104, 2200, 2202, 2016, 2008, 8004]
LABELS = ["news", "sports", "vod", "trailer", "customer-a", "customer-b", "4k", "archive"]
NAME_WORDS = ["Episode", "Trailer", "Match", "News"]
REGIONS = ["AWS_EU_WEST_1", "GOOGLE_EUROPE_WEST_1", "AUTO"]
ENCODER_VERSIONS = ["STABLE", "2.190.0", "2.185.1"]
MESSAGE_TYPES = ["INFO"] * 6 + ["DEBUG", "TRACE", "WARNING", "ERROR"]
SUBTASKS = ["", "", "ENCODING", "MUXING"]
CREATED_WITHIN = 90 * 86400  # seconds: encodings were created over the last 90 days
HEAVY_ID = "bench-heavy"  # the Bitmovin id of the encoding with the long history
NAME = "Page benchmark"
# Encodings per generated chunk on PostgreSQL. Each chunk's messages follow in one statement, then a share of
# the heavy encoding's: its history lies in bursts across the table, as reads over its lifetime leave it.
CHUNK = 20_000
ORM_BATCH = 5000
# The tables the benchmark fills, vacuumed and analyzed afterwards.
TABLES = (
    "encodings_app_encoding",
    "encodings_app_message",
    "encodings_app_encodinglabel",
    "encodings_app_encodingtally",
)


@dataclass(frozen=True)
class Dataset:
    organization: Organization
    others: list[Organization]
    user: object
    heavy: str  # Bitmovin ids of: the heavy encoding,
    failed: str  # an encoding that failed (the detail page's error panel),
    typical: str  # and a finished one with a handful of messages
    encodings: int
    messages: int
    heavy_messages: int


def dataset_create(
    *,
    encodings: int,
    messages: int,
    heavy_messages: int,
    other_organizations: int,
    seed: int,
    say: Callable[[str], None],
) -> Dataset:
    slug = f"bench-{uuid.uuid4().hex[:8]}"
    user = get_user_model().objects.create_user(username=slug, password=None)
    organization = _organization(slug, NAME, user)
    # The others: a hundredth of the size each, enough to give the start page something to add up.
    others = [_organization(f"{slug}-{n}", f"{NAME} {n}", user) for n in range(2, other_organizations + 2)]
    heavy_messages = min(heavy_messages, messages)
    fill = _fill_postgresql if connection.vendor == "postgresql" else _fill_orm
    with _no_time_limits():
        fill(organization, encodings, messages, heavy_messages, seed, say)
        for number, other in enumerate(others, 1):
            fill(other, max(1, encodings // 100), messages // 100, 0, seed + number, say)
        # As the first sync of each organization would: its count changes, added batch by batch, folded.
        tallies_fold_all()
        if connection.vendor == "postgresql":
            say("vacuum analyze")
            with connection.cursor() as cursor:
                for table in TABLES:
                    cursor.execute(f"VACUUM ANALYZE {table}")
        for each in (organization, *others):
            alerts_evaluate(organization=Organization.objects.get(pk=each.pk))
        return dataset_reuse(slug)


@contextmanager
def _no_time_limits() -> Iterator[None]:
    """Making, counting or dropping millions of rows outlasts the limit a statement of a page has
    (DATABASE_STATEMENT_TIMEOUT_MS), and so the client's deadline that follows it (dashboard/postgres): both
    are lifted for this connection meanwhile, and the pages are then measured under them again."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    deadline = getattr(connection, "client_deadline", None)
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        limit = cursor.fetchone()[0]
        cursor.execute("SET statement_timeout = 0")
    connection.client_deadline = None
    try:
        yield
    finally:
        connection.client_deadline = deadline
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [limit])


def _organization(slug: str, name: str, user) -> Organization:
    organization = Organization.objects.create(slug=slug, name=name)
    Membership.objects.create(user=user, organization=organization, role=Role.ADMIN)
    return organization


def dataset_reuse(slug: str) -> Dataset:
    """A dataset an earlier run kept (--keep), found by its organization's slug; its sizes are counted."""
    organization = Organization.objects.filter(slug=slug, name=NAME).first()
    user = get_user_model().objects.filter(username=slug).first()
    if organization is None or user is None:
        raise LookupError(f"no benchmark dataset {slug!r} (only what bench_pages --keep left can be reused)")
    others = list(
        Organization.objects.filter(memberships__user=user).exclude(pk=organization.pk).order_by("slug")
    )
    with _no_time_limits():
        return _counted(organization, others, user)


def _counted(organization: Organization, others: list[Organization], user) -> Dataset:
    encodings = organization.encodings.all()
    failed = encodings.filter(status="ERROR").order_by("pk").values_list("bitmovin_id", flat=True).first()
    typical = (
        encodings.filter(status="FINISHED", messages__isnull=False)
        .exclude(bitmovin_id=HEAVY_ID)
        .order_by("pk")
        .values_list("bitmovin_id", flat=True)
        .first()
    )
    # The encodings the detail pages open carry the counts by type a sync keeps with the messages it writes
    # (message_counts_store); the dataset's others are counted when shown, as one last read before counts
    # were kept is. Keeping them for a million encodings would rewrite every row of the table.
    shown = encodings.filter(bitmovin_id__in=[HEAVY_ID, failed, typical], message_counts__isnull=True)
    for encoding in shown:
        message_counts_store(encoding=encoding)
    return Dataset(
        organization=organization,
        others=others,
        user=user,
        heavy=HEAVY_ID,
        failed=failed or HEAVY_ID,
        typical=typical or HEAVY_ID,
        encodings=encodings.count(),
        messages=Message.objects.filter(encoding__organization=organization).count(),
        heavy_messages=Message.objects.filter(
            encoding__organization=organization, encoding__bitmovin_id=HEAVY_ID
        ).count(),
    )


def dataset_drop(slug: str) -> int:
    """The dataset's organizations with everything in them, and its user; returns how many organizations
    went. On PostgreSQL the large tables are emptied of them in plain DELETEs first: the ORM's cascade would
    fetch every id into Python."""
    user = get_user_model().objects.filter(username=slug).first()
    # Only what dataset_create made: its name, its slug and the others' slugs after it.
    organizations = Organization.objects.filter(slug__startswith=slug, name__startswith=NAME)
    if user is not None:
        organizations = organizations.filter(memberships__user=user)
    ids = list(organizations.values_list("pk", flat=True))
    with _no_time_limits():
        _drop(ids)
    if user is not None:
        user.delete()
    return len(ids)


def _drop(ids: list[int]) -> None:
    if connection.vendor == "postgresql" and ids:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM encodings_app_message m USING encodings_app_encoding e "
                "WHERE m.encoding_id = e.id AND e.organization_id = ANY(%s)",
                [ids],
            )
            cursor.execute("DELETE FROM encodings_app_encodinglabel WHERE organization_id = ANY(%s)", [ids])
            cursor.execute("DELETE FROM encodings_app_encoding WHERE organization_id = ANY(%s)", [ids])
    Organization.objects.filter(pk__in=ids).delete()


# --- PostgreSQL: the database makes the rows ----------------------------------------------------------------

# One chunk of encodings: numbers [%(first)s, %(last)s) of the organization. The inner query draws each row's
# random values once (MATERIALIZED: a volatile value used in several columns must be one draw).
ENCODINGS_SQL = """
WITH drawn AS MATERIALIZED (
    SELECT n,
           CASE WHEN n < %(running)s THEN 'RUNNING' WHEN n < %(queued)s THEN 'QUEUED'
                ELSE (%(statuses)s::text[])[1 + floor(random() * %(status_count)s)::int] END AS status,
           %(now)s - (60 + floor(random() * %(within)s)) * interval '1 second' AS created,
           (2 + floor(random() * 89)) * interval '1 minute' AS took,
           floor(random() * 3)::int AS label_count,
           floor(random() * 8)::int AS label_a,
           floor(random() * 7)::int AS label_step,
           random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
    FROM generate_series(%(first)s, %(last)s - 1) AS n
)
INSERT INTO encodings_app_encoding (
    organization_id, bitmovin_id, name, description, type, status, progress, cloud_region,
    selected_cloud_region, fallback_cloud_regions, selected_fallback_cloud_regions, encoder_version,
    selected_encoder_version, selected_encoding_mode, static_ip_id, live_options_type, labels, created_at,
    modified_at, started_at, queued_at, running_at, finished_at, error_code, error_category, error_text,
    error_retry_hint, subtasks, first_seen_at, last_seen_at, status_synced_for, status_request_id,
    pending_action, pending_from, pending_status)
SELECT %(organization)s,
       left(lpad(n::text, 8, '0') || '-bench-' || md5(%(seed)s || ':' || n)::uuid::text, 64),
       (%(words)s::text[])[1 + floor(r1 * 4)::int] || ' ' || lpad(n::text, greatest(6, length(n::text)), '0')
           || ' master',
       '', CASE WHEN n %% 50 = 0 THEN 'LIVE' ELSE 'VOD' END, status,
       CASE WHEN status = 'FINISHED' THEN 100 ELSE floor(r2 * 100)::int END,
       (%(regions)s::text[])[1 + floor(r3 * 3)::int], '', '[]', '[]',
       (%(versions)s::text[])[1 + floor(r4 * 3)::int], '', '', '', '',
       CASE label_count
           WHEN 0 THEN '[]'::jsonb
           WHEN 1 THEN jsonb_build_array((%(labels)s::text[])[1 + label_a])
           ELSE jsonb_build_array((%(labels)s::text[])[1 + label_a],
                                  (%(labels)s::text[])[1 + (label_a + 1 + label_step) %% 8])
       END,
       created,
       CASE WHEN status = 'CREATED' THEN created ELSE created + took END,
       CASE WHEN status <> 'CREATED' THEN created + interval '5 seconds' END,
       CASE WHEN status <> 'CREATED' THEN created + interval '5 seconds' END,
       CASE WHEN status NOT IN ('CREATED', 'QUEUED') THEN created + interval '1 minute' END,
       CASE WHEN status NOT IN ('CREATED', 'RUNNING', 'QUEUED') THEN created + took END,
       CASE WHEN status IN ('ERROR', 'TRANSFER_ERROR') THEN (%(codes)s::int[])[1 + floor(r5 * 8)::int] END,
       CASE WHEN status IN ('ERROR', 'TRANSFER_ERROR') THEN 'Input' ELSE '' END, '',
       CASE WHEN status IN ('ERROR', 'TRANSFER_ERROR') THEN 'NO_RETRY' ELSE '' END,
       '[]', %(now)s, %(now)s, status, '', '', '', ''
FROM drawn
"""

# The messages of the encodings with ids in [%(low)s, %(high)s]: each gets 0 to 2 * mean of them (the term
# in e.id makes PostgreSQL draw the count once per encoding, not once for all), up to %(limit)s in all, with
# ids %(prefix)s1, %(prefix)s2 ...
MESSAGES_SQL = """
INSERT INTO encodings_app_message (encoding_id, bitmovin_id, type, date, text, field, links, subtask,
                                   first_seen_at)
SELECT e.id, %(prefix)s || j, (%(types)s::text[])[1 + floor(random() * 10)::int],
       e.created_at + j * interval '7 seconds', 'Step ' || j || ' of the workflow', '', '[]',
       (%(subtasks)s::text[])[1 + floor(random() * 4)::int], %(now)s
FROM encodings_app_encoding e
CROSS JOIN LATERAL generate_series(1, floor(random() * (2 * %(mean)s + 1) + e.id * 0)::int) AS j
WHERE e.organization_id = %(organization)s AND e.id BETWEEN %(low)s AND %(high)s
  AND e.bitmovin_id <> %(heavy)s
ORDER BY e.id, j
LIMIT %(limit)s
"""

# %(count)s more messages of one encoding, numbered from %(first)s.
HEAVY_SQL = """
INSERT INTO encodings_app_message (encoding_id, bitmovin_id, type, date, text, field, links, subtask,
                                   first_seen_at)
SELECT %(encoding)s, 'm' || j, (%(types)s::text[])[1 + floor(random() * 10)::int],
       %(started)s + j * interval '7 seconds', 'Step ' || j || ' of the workflow', '', '[]',
       (%(subtasks)s::text[])[1 + floor(random() * 4)::int], %(now)s
FROM generate_series(%(first)s, %(first)s + %(count)s - 1) AS j
"""


def _fill_postgresql(
    organization: Organization, count: int, messages: int, heavy: int, seed: int, say: Callable[[str], None]
) -> None:
    now = timezone.now()
    common = {
        "organization": organization.pk,
        "now": now,
        "types": MESSAGE_TYPES,
        "subtasks": SUBTASKS,
        "heavy": HEAVY_ID,
    }
    started = time.monotonic()
    # Each statement commits on its own: an interrupted run leaves what it made, for --drop.
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [random.Random(seed).uniform(-1, 1)])  # noqa: S311 - test data
        for first in range(0, count, CHUNK):
            cursor.execute(
                ENCODINGS_SQL,
                {
                    **common,
                    "first": first,
                    "last": min(count, first + CHUNK),
                    "running": RUNNING,
                    "queued": QUEUED,
                    "statuses": STATUSES,
                    "status_count": len(STATUSES),
                    "within": CREATED_WITHIN - 60,
                    "seed": seed,
                    "words": NAME_WORDS,
                    "regions": REGIONS,
                    "versions": ENCODER_VERSIONS,
                    "labels": LABELS,
                    "codes": ERROR_CODES,
                },
            )
        cursor.execute(
            "INSERT INTO encodings_app_encodinglabel (encoding_id, organization_id, label) "
            "SELECT id, organization_id, jsonb_array_elements_text(labels) FROM encodings_app_encoding "
            "WHERE organization_id = %s",
            [organization.pk],
        )
        cursor.execute(
            "SELECT id FROM encodings_app_encoding WHERE organization_id = %s ORDER BY id", [organization.pk]
        )
        ids = [row[0] for row in cursor.fetchall()]
        heavy_encoding = None
        if heavy and ids:
            # The long history is a live stream's, running for a day: the first encoding (RUNNING, LIVE),
            # under a name a later run can find.
            heavy_encoding = ids[0]
            cursor.execute(
                "UPDATE encodings_app_encoding SET bitmovin_id = %s WHERE id = %s", [HEAVY_ID, heavy_encoding]
            )
        say(f"{organization.slug}: {count} encodings in {time.monotonic() - started:.0f} s")
        chunks = [ids[first : first + CHUNK] for first in range(0, len(ids), CHUNK)]
        spread = messages - heavy
        left, heavy_left = spread, heavy
        for number, chunk in enumerate(chunks):
            share = spread * len(chunk) // len(ids)
            cursor.execute(
                MESSAGES_SQL,
                {
                    **common,
                    "prefix": "m",
                    "low": chunk[0],
                    "high": chunk[-1],
                    "mean": share / len(chunk),
                    "limit": max(left, 0),
                },
            )
            left -= cursor.rowcount
            if heavy_encoding is not None:
                burst = heavy_left // (len(chunks) - number)
                _heavy_burst(cursor, common, heavy_encoding, heavy - heavy_left, burst, now)
                heavy_left -= burst
        rounds = 0
        while left > 0 and len(ids) > (heavy_encoding is not None):
            # The draws came out short of the total asked for: the rest spread over all, under other ids.
            rounds += 1
            cursor.execute(
                MESSAGES_SQL,
                {
                    **common,
                    "prefix": f"t{rounds}-",
                    "low": ids[0],
                    "high": ids[-1],
                    "mean": left / len(ids) + 1,
                    "limit": left,
                },
            )
            left -= cursor.rowcount
    say(f"{organization.slug}: {messages - max(left, 0)} messages in {time.monotonic() - started:.0f} s")


def _heavy_burst(cursor, common: dict, encoding: int, first: int, count: int, now) -> None:
    if count <= 0:
        return
    cursor.execute(
        HEAVY_SQL,
        {**common, "encoding": encoding, "first": first, "count": count, "started": now - timedelta(days=1)},
    )


# --- Elsewhere: the ORM in batches --------------------------------------------------------------------------


def _fill_orm(
    organization: Organization, count: int, messages: int, heavy: int, seed: int, say: Callable[[str], None]
) -> None:
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    now = timezone.now()
    rows = []
    for number in range(count):
        rows.append(_encoding(organization, number, rng, now))
        if len(rows) == ORM_BATCH:
            _write(organization, rows)
            rows = []
    _write(organization, rows)
    ids = list(Encoding.objects.filter(organization=organization).order_by("pk").values_list("pk", flat=True))
    if not ids:
        return
    heavy_id = ids[0]  # as on PostgreSQL: the live stream running for a day
    if heavy:
        Encoding.objects.filter(pk=heavy_id).update(bitmovin_id=HEAVY_ID)
    # The heavy encoding has its history and no more, as on PostgreSQL.
    spread = ids[1:] if heavy and len(ids) > 1 else ids
    batch = []
    for number in range(messages):
        encoding_id = heavy_id if number < heavy else spread[rng.randrange(len(spread))]
        batch.append(
            Message(
                encoding_id=encoding_id,
                bitmovin_id=f"m{number}",
                type=rng.choice(MESSAGE_TYPES),
                date=now - timedelta(seconds=number),
                text=f"Step {number} of the workflow",
                subtask=rng.choice(SUBTASKS),
            )
        )
        if len(batch) == ORM_BATCH * 2:
            Message.objects.bulk_create(batch)
            batch = []
    Message.objects.bulk_create(batch)
    say(f"{organization.slug}: {count} encodings, {messages} messages")


def _encoding(organization: Organization, number: int, rng: random.Random, now) -> Encoding:
    status = rng.choice(STATUSES)
    if number < QUEUED:
        status = "RUNNING" if number < RUNNING else "QUEUED"
    created = now - timedelta(seconds=rng.randint(60, CREATED_WITHIN))
    finished = created + timedelta(minutes=rng.randint(2, 90)) if status != "CREATED" else None
    failed = status in ("ERROR", "TRANSFER_ERROR")
    return Encoding(
        organization=organization,
        bitmovin_id=f"{number:08d}-bench-{uuid.UUID(int=rng.getrandbits(128))}"[:64],
        name=f"{rng.choice(NAME_WORDS)} {number:06d} master",
        type="LIVE" if number % 50 == 0 else "VOD",
        status=status,
        progress=100 if status == "FINISHED" else rng.randint(0, 99),
        cloud_region=rng.choice(REGIONS),
        encoder_version=rng.choice(ENCODER_VERSIONS),
        labels=rng.sample(LABELS, rng.randint(0, 2)),
        created_at=created,
        modified_at=finished or created,
        started_at=created + timedelta(seconds=5) if status != "CREATED" else None,
        queued_at=created + timedelta(seconds=5) if status != "CREATED" else None,
        running_at=created + timedelta(minutes=1) if status not in ("CREATED", "QUEUED") else None,
        finished_at=finished if status not in ("RUNNING", "QUEUED") else None,
        error_code=rng.choice(ERROR_CODES) if failed else None,
        error_category="Input" if failed else "",
        error_retry_hint="NO_RETRY" if failed else "",
        status_synced_for=status,
    )


def _write(organization: Organization, rows: list[Encoding]) -> None:
    created = Encoding.objects.bulk_create(rows)
    EncodingLabel.objects.bulk_create(
        [
            EncodingLabel(encoding_id=encoding.pk, organization=organization, label=label)
            for encoding in created
            for label in encoding.labels
        ]
    )
