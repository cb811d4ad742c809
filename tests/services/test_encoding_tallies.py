"""The counts the database keeps of live encodings (models/tallies.py, tally_triggers.py) agree with counting
the encodings, whatever wrote them, and folding them (services/tallies.py) changes no count."""

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import OperationalError
from django.db.models import Count
from django.db.models.functions import TruncDate

from encodings_app.models import Encoding, EncodingTally, Organization
from encodings_app.services import tallies
from encodings_app.services.tallies import (
    FOLD_AFTER_ROWS,
    tallies_fold,
    tallies_fold_all,
    tallies_fold_if_long,
)
from tests.factories import make_encoding, make_organization

pytestmark = pytest.mark.django_db

STATUSES = ("CREATED", "QUEUED", "RUNNING", "FINISHED", "ERROR", "TRANSFER_ERROR", "CANCELED", "")
MONDAY_EVENING = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)


def counted(organization: Organization) -> dict[tuple, int]:
    """The tallies' sums, by status and day, without zeros."""
    sums: Counter = Counter()
    for row in EncodingTally.objects.filter(organization=organization):
        sums[(row.status, row.day)] += row.n
    return {key: n for key, n in sums.items() if n}


def recounted(organization: Organization) -> dict[tuple, int]:
    """What the tallies must say: the live encodings counted by status and UTC day of finishing."""
    rows = (
        Encoding.objects.filter(organization=organization, deleted_at__isnull=True)
        .annotate(day=TruncDate("finished_at"))
        .values("status", "day")
        .annotate(n=Count("*"))
    )
    return {(row["status"], row["day"]): row["n"] for row in rows}


def test_created_encodings_count_by_status_and_the_utc_day_they_finished():
    acme = make_organization("acme")
    make_encoding(acme, status="FINISHED", finished_at=MONDAY_EVENING)
    make_encoding(acme, status="FINISHED", finished_at=MONDAY_EVENING + timedelta(hours=1))
    make_encoding(acme, status="RUNNING")
    make_encoding(acme, status="ERROR", finished_at=MONDAY_EVENING, deleted_at=MONDAY_EVENING)

    monday, tuesday = MONDAY_EVENING.date(), (MONDAY_EVENING + timedelta(hours=1)).date()
    assert counted(acme) == {("FINISHED", monday): 1, ("FINISHED", tuesday): 1, ("RUNNING", None): 1}
    assert EncodingTally.objects.filter(organization=acme).counts_by_status() == {"FINISHED": 2, "RUNNING": 1}


def test_a_status_change_a_deletion_and_a_return_move_the_counts():
    acme = make_organization("acme")
    encoding = make_encoding(acme, status="RUNNING")

    Encoding.objects.filter(pk=encoding.pk).update(status="FINISHED", finished_at=MONDAY_EVENING)
    assert counted(acme) == {("FINISHED", MONDAY_EVENING.date()): 1}

    Encoding.objects.filter(pk=encoding.pk).update(deleted_at=MONDAY_EVENING)
    assert counted(acme) == {}

    Encoding.objects.filter(pk=encoding.pk).update(deleted_at=None)
    assert counted(acme) == {("FINISHED", MONDAY_EVENING.date()): 1}


def test_writes_that_change_nothing_counted_add_no_rows():
    acme = make_organization("acme")
    encoding = make_encoding(acme, status="RUNNING", progress=10)
    rows = EncodingTally.objects.filter(organization=acme).count()

    Encoding.objects.filter(pk=encoding.pk).update(progress=50, name="renamed")
    encoding.refresh_from_db()
    encoding.save()

    assert EncodingTally.objects.filter(organization=acme).count() == rows


def test_the_mirrors_bulk_upsert_counts_what_it_inserts_and_what_it_updates():
    acme = make_organization("acme")
    make_encoding(acme, bitmovin_id="old", status="QUEUED")
    upsert = {"update_conflicts": True, "unique_fields": ["organization", "bitmovin_id"]}

    Encoding.objects.bulk_create(
        [
            Encoding(organization=acme, bitmovin_id="old", status="RUNNING"),
            Encoding(organization=acme, bitmovin_id="new-1", status="QUEUED"),
            Encoding(organization=acme, bitmovin_id="new-2", status="FINISHED", finished_at=MONDAY_EVENING),
        ],
        update_fields=["status", "finished_at"],
        **upsert,
    )

    assert counted(acme) == {
        ("RUNNING", None): 1,
        ("QUEUED", None): 1,
        ("FINISHED", MONDAY_EVENING.date()): 1,
    }


def test_deleting_encodings_or_their_organization_leaves_nothing_counted():
    acme, globex = make_organization("acme"), make_organization("globex")
    for status in ("RUNNING", "FINISHED", "ERROR"):
        make_encoding(acme, status=status)
        make_encoding(globex, status=status)

    Encoding.objects.filter(organization=acme, status="ERROR").delete()
    assert counted(acme) == {("RUNNING", None): 1, ("FINISHED", None): 1}

    acme_id = acme.pk
    acme.delete()
    assert not EncodingTally.objects.filter(organization_id=acme_id).exists()
    assert counted(globex) == recounted(globex)


def test_counts_stay_exact_through_any_mix_of_writes_and_folds():
    random_writes = random.Random(17)  # a repeatable mix
    acme, globex = make_organization("acme"), make_organization("globex")
    encodings = [make_encoding(random_writes.choice((acme, globex))) for _ in range(30)]
    days = [MONDAY_EVENING - timedelta(days=d) for d in range(3)] + [None]

    for step in range(300):
        encoding = random_writes.choice(encodings)
        write = random_writes.randrange(6)
        if write == 0:
            encodings.append(
                make_encoding(random_writes.choice((acme, globex)), status=random_writes.choice(STATUSES))
            )
        elif write == 1:
            Encoding.objects.filter(pk=encoding.pk).update(status=random_writes.choice(STATUSES))
        elif write == 2:
            Encoding.objects.filter(pk=encoding.pk).update(finished_at=random_writes.choice(days))
        elif write == 3:
            gone = None if random_writes.random() < 0.5 else MONDAY_EVENING
            Encoding.objects.filter(organization=encoding.organization_id, status=encoding.status).update(
                deleted_at=gone
            )
        elif write == 4 and len(encodings) > 10:
            encodings.remove(encoding)
            Encoding.objects.filter(pk=encoding.pk).delete()
        else:
            tallies_fold(encoding.organization_id)
        if step % 50 == 0:
            for organization in (acme, globex):
                assert counted(organization) == recounted(organization)

    for organization in (acme, globex):
        assert counted(organization) == recounted(organization)


def test_folding_keeps_every_count_in_one_row_per_group():
    acme = make_organization("acme")
    encoding = make_encoding(acme, status="CREATED")
    for status in ("QUEUED", "RUNNING", "FINISHED") * 30:
        Encoding.objects.filter(pk=encoding.pk).update(status=status)
    make_encoding(acme, status="RUNNING")
    before = counted(acme)
    assert EncodingTally.objects.filter(organization=acme).count() > FOLD_AFTER_ROWS

    tallies_fold_if_long(acme.pk)

    assert counted(acme) == before == {("FINISHED", None): 1, ("RUNNING", None): 1}
    assert EncodingTally.objects.filter(organization=acme).count() == 2


def test_fold_all_folds_only_the_organizations_with_long_tallies():
    acme, globex = make_organization("acme"), make_organization("globex")
    busy = make_encoding(acme, status="CREATED")
    for status in ("QUEUED", "RUNNING") * 40:
        Encoding.objects.filter(pk=busy.pk).update(status=status)
    make_encoding(globex, status="RUNNING")
    make_encoding(globex, status="RUNNING")
    globex_rows = EncodingTally.objects.filter(organization=globex).count()

    assert tallies_fold_all() == 1

    assert EncodingTally.objects.filter(organization=acme).count() == 1
    assert EncodingTally.objects.filter(organization=globex).count() == globex_rows
    assert counted(globex) == {("RUNNING", None): 2}


def test_a_fold_that_fails_is_logged_and_the_other_organizations_are_still_folded(monkeypatch, caplog):
    acme, globex = make_organization("acme"), make_organization("globex")
    for organization in (acme, globex):
        busy = make_encoding(organization, status="CREATED")
        for status in ("QUEUED", "RUNNING") * 40:
            Encoding.objects.filter(pk=busy.pk).update(status=status)
    fold = tallies.tallies_fold

    def fold_failing_for_acme(organization_id: int) -> None:
        if organization_id == acme.pk:
            raise OperationalError("canceling statement due to statement timeout")
        fold(organization_id)

    monkeypatch.setattr(tallies, "tallies_fold", fold_failing_for_acme)

    assert tallies_fold_all() == 1

    assert EncodingTally.objects.filter(organization=globex).count() == 1
    assert counted(acme) == recounted(acme), "acme's rows are as they were: still right, only longer"
    assert f"folding the encoding counts of organization {acme.pk} failed" in caplog.text
