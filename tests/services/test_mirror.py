"""The mirror fed with the client's typed objects, built directly: no HTTP, no simulator.

What the mirror promises: an answer applied twice changes nothing and stores nothing twice; a later answer
never takes back what an earlier one taught (messages, phase times the Task leaves out); each message is
stored once under the API's id or a stable hash of its content; and the full pass can tell which encodings
the API no longer lists. The simulator-backed tests in test_sync.py check that a real sync converges.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import F
from django.forms.models import model_to_dict
from django.utils import timezone

from encodings_app.bitmovin import types as api
from encodings_app.bitmovin.enums import MessageType, RetryHint, Status
from encodings_app.models import Encoding, EncodingLabel, Message, Organization
from encodings_app.services.mirror import (
    add_messages,
    apply_task,
    latest,
    mark_seen,
    message_key,
    upsert_encodings,
)
from tests.factories import make_organization

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def listed(bitmovin_id: str, **fields) -> api.Encoding:
    """A list item as the client parses it."""
    defaults = {
        "name": f"Episode {bitmovin_id}",
        "type": "VOD",
        "status": Status.RUNNING,
        "progress": 40,
        "created_at": T0,
        "modified_at": T0 + timedelta(minutes=5),
        "started_at": T0 + timedelta(minutes=1),
        "queued_at": T0 + timedelta(minutes=1),
        "running_at": T0 + timedelta(minutes=2),
        "labels": ("news", "customer-stark"),
        "custom_data": {"batch": 7},
    }
    defaults.update(fields)
    return api.Encoding(id=bitmovin_id, **defaults)


def message(text: str, *, id: str | None = None, type: str = MessageType.INFO, **fields) -> api.Message:
    return api.Message(
        id=id, type=type, text=text, date=fields.pop("date", T0 + timedelta(minutes=3)), **fields
    )


def failed_task(*messages: api.Message, subtask_messages: tuple[api.Message, ...] = (), **fields) -> api.Task:
    defaults = {
        "status": Status.ERROR,
        "progress": 42,
        "error": api.ErrorDetails(
            code=2100, category="Input", text="input not found", retry_hint=RetryHint.RETRY
        ),
        "messages": messages,
        "subtasks": (
            api.Subtask(name="ENCODING", status=Status.ERROR, progress=42, messages=subtask_messages),
        ),
    }
    defaults.update(fields)
    return api.Task(**defaults)


def snapshot(organization: Organization) -> dict:
    """Every stored value of the organization's encodings, labels and messages, and its data version."""
    encodings = {row.bitmovin_id: model_to_dict(row) | {"pk": row.pk} for row in Encoding.objects.all()}
    return {
        "encodings": encodings,
        "labels": sorted(EncodingLabel.objects.values_list("encoding_id", "label")),
        "messages": sorted(Message.objects.values_list("pk", "encoding_id", "bitmovin_id", "text")),
        "data_version": Organization.objects.get(pk=organization.pk).data_version,
    }


@pytest.fixture
def acme():
    return make_organization("acme")


def stored(organization: Organization, bitmovin_id: str) -> Encoding:
    return Encoding.objects.get(organization=organization, bitmovin_id=bitmovin_id)


# --- counts of messages ------------------------------------------------------------------------------------


def test_a_status_read_keeps_the_counts_of_the_encodings_messages_by_type_with_its_row(acme):
    upsert_encodings(acme, [listed("enc-a")])
    apply_task(
        stored(acme, "enc-a"),
        failed_task(
            message("Input opened", id="msg-1"),
            message("Input not found", type=MessageType.ERROR),
            subtask_messages=(message("Segment 17 failed", id="msg-2", type=MessageType.ERROR),),
        ),
    )
    assert stored(acme, "enc-a").message_counts == {"INFO": 1, "ERROR": 2}

    # The same message again and a new one: only the new one counts.
    apply_task(
        stored(acme, "enc-a"),
        failed_task(
            message("Input opened", id="msg-1"), message("Retrying", id="msg-3", type=MessageType.WARNING)
        ),
    )

    kept = stored(acme, "enc-a").message_counts
    assert kept == {"INFO": 1, "ERROR": 2, "WARNING": 1}
    assert kept == Message.objects.filter(encoding__bitmovin_id="enc-a").counts_by_type()


def test_an_encoding_whose_counts_were_never_kept_gets_them_at_its_next_status_read(acme):
    upsert_encodings(acme, [listed("enc-a")])
    task = failed_task(message("Input opened", id="msg-1"))
    apply_task(stored(acme, "enc-a"), task)
    Encoding.objects.update(message_counts=None)  # as the column starts out on an upgraded mirror

    assert apply_task(stored(acme, "enc-a"), task) == 0

    assert stored(acme, "enc-a").message_counts == {"INFO": 1}


# --- idempotence -------------------------------------------------------------------------------------------


def test_upserting_the_same_list_page_twice_changes_nothing_and_duplicates_nothing(acme):
    page = [listed("enc-a"), listed("enc-b", status=Status.FINISHED, progress=100), listed("enc-c")]
    first = upsert_encodings(acme, page)
    before = snapshot(acme)

    again = upsert_encodings(acme, page)

    assert (first.created, first.updated) == (3, 0)
    assert (again.created, again.updated) == (0, 0)
    assert snapshot(acme) == before, "not a value, a bookkeeping time or the data version moved"
    assert Encoding.objects.count() == 3 and EncodingLabel.objects.count() == 6


def test_applying_the_same_task_twice_stores_each_message_once_and_moves_no_version(acme):
    upsert_encodings(acme, [listed("enc-a")])
    task = failed_task(
        message("Input opened", id="msg-1"),
        message("Input not found", type=MessageType.ERROR),
        subtask_messages=(message("Segment 17 failed", id="msg-2", type=MessageType.ERROR),),
    )
    assert apply_task(stored(acme, "enc-a"), task) == 3
    before = snapshot(acme)

    assert apply_task(stored(acme, "enc-a"), task) == 0

    after = snapshot(acme)
    assert after["messages"] == before["messages"] and after["data_version"] == before["data_version"]
    [row] = after["encodings"].values()
    assert {name: value for name, value in row.items() if name != "status_synced_at"} == {
        name: value for name, value in before["encodings"]["enc-a"].items() if name != "status_synced_at"
    }, "only the time of the status read moves"


def test_a_changed_item_updates_its_own_row_and_replaces_its_labels(acme):
    upsert_encodings(acme, [listed("enc-a", progress=10)])
    row = stored(acme, "enc-a")

    result = upsert_encodings(acme, [listed("enc-a", progress=55, labels=("sport",))])

    assert (result.created, result.updated) == (0, 1)
    moved = stored(acme, "enc-a")
    assert moved.pk == row.pk and moved.progress == 55
    assert moved.progress_changed_at > row.progress_changed_at
    assert list(EncodingLabel.objects.values_list("label", flat=True)) == ["sport"], "no stale label row"


def test_progress_changed_at_stays_when_only_other_fields_change(acme):
    """Stuck detection reads progress_changed_at: a rename must not make a stalled encoding look alive."""
    upsert_encodings(acme, [listed("enc-a", progress=40)])
    stalled_since = stored(acme, "enc-a").progress_changed_at

    upsert_encodings(
        acme, [listed("enc-a", progress=40, name="Renamed", modified_at=T0 + timedelta(hours=1))]
    )
    apply_task(stored(acme, "enc-a"), api.Task(status=Status.RUNNING, progress=40))

    row = stored(acme, "enc-a")
    assert row.name == "Renamed"
    assert row.progress_changed_at == stalled_since


def test_the_same_bitmovin_id_in_two_organizations_is_two_rows(acme):
    globex = make_organization("globex")
    upsert_encodings(acme, [listed("enc-a", name="Acme's")])
    upsert_encodings(globex, [listed("enc-a", name="Globex's")])

    assert stored(acme, "enc-a").name == "Acme's" and stored(globex, "enc-a").name == "Globex's"


# --- ordering: a later answer never takes back what an earlier one taught ---------------------------------


def test_a_task_that_leaves_out_the_phase_times_keeps_the_ones_the_list_gave(acme):
    finished = T0 + timedelta(minutes=20)
    upsert_encodings(acme, [listed("enc-a", status=Status.ERROR, finished_at=finished, error_at=finished)])

    apply_task(stored(acme, "enc-a"), failed_task())

    row = stored(acme, "enc-a")
    assert (row.finished_at, row.error_at) == (finished, finished)
    assert row.running_at == T0 + timedelta(minutes=2)
    assert (row.error_code, row.error_retry_hint) == (2100, "RETRY")


def test_a_task_without_a_status_keeps_the_status_the_list_gave(acme):
    upsert_encodings(acme, [listed("enc-a", status=Status.QUEUED, progress=0)])

    apply_task(stored(acme, "enc-a"), api.Task(status=None, progress=0))

    row = stored(acme, "enc-a")
    assert row.status == "QUEUED" and row.status_synced_for == "QUEUED"


def test_an_older_task_with_fewer_messages_removes_none(acme):
    upsert_encodings(acme, [listed("enc-a")])
    early = message("Input opened", id="msg-1")
    newer = failed_task(early, message("Input not found", type=MessageType.ERROR), message("Retry later"))
    apply_task(stored(acme, "enc-a"), newer)

    apply_task(stored(acme, "enc-a"), failed_task(early))

    assert Message.objects.filter(encoding__bitmovin_id="enc-a").count() == 3


def test_a_status_the_list_reports_after_the_task_was_read_asks_for_a_new_read(acme):
    """The sync reads a Task again for every encoding whose status differs from the one its Task was read
    for: a list answer newer than the Task is never hidden behind it."""
    upsert_encodings(acme, [listed("enc-a", status=Status.RUNNING)])
    apply_task(stored(acme, "enc-a"), api.Task(status=Status.RUNNING, progress=40))
    assert stored(acme, "enc-a").status_synced_for == "RUNNING"

    upsert_encodings(acme, [listed("enc-a", status=Status.FINISHED, progress=100)])

    row = stored(acme, "enc-a")
    assert (row.status, row.status_synced_for) == ("FINISHED", "RUNNING")
    assert Encoding.objects.exclude(status=F("status_synced_for")).get() == row


def test_the_newest_times_of_a_page_do_not_depend_on_its_order(acme):
    """Sync moves its watermarks by these; an older item last on the page must not pull them back."""
    newest = listed("enc-new", created_at=T0 + timedelta(hours=2), finished_at=T0 + timedelta(hours=3))
    older = listed("enc-old", created_at=T0, finished_at=T0 + timedelta(hours=1))
    unfinished = listed("enc-running", created_at=T0 + timedelta(hours=1), finished_at=None)

    for page in ([newest, older, unfinished], [unfinished, older, newest]):
        Encoding.objects.all().delete()
        result = upsert_encodings(acme, page)
        assert result.newest_created_at == T0 + timedelta(hours=2)
        assert result.newest_finished_at == T0 + timedelta(hours=3)
    assert latest(T0, None) == T0 and latest(None, T0) == T0
    assert latest(T0 + timedelta(seconds=1), T0) == T0 + timedelta(seconds=1)


# --- message keys ------------------------------------------------------------------------------------------


def test_a_message_with_an_id_is_stored_under_that_id(acme):
    upsert_encodings(acme, [listed("enc-a")])
    long_id = "m" * 80

    apply_task(stored(acme, "enc-a"), failed_task(message("Opened", id="msg-7"), message("Long", id=long_id)))

    assert set(Message.objects.values_list("bitmovin_id", flat=True)) == {"msg-7", long_id[:64]}


def test_a_message_without_an_id_is_keyed_by_a_stable_hash_of_what_it_says():
    said = message("Input not found", type=MessageType.ERROR, field="inputs[0]")
    same = message("Input not found", type=MessageType.ERROR, field="inputs[0]")
    key = message_key(said, "ENCODING")

    assert key == message_key(same, "ENCODING"), "two parses of one message share a key"
    # Pinned: stored messages keep the key they were stored under, so a key that changed between releases
    # (or between processes, as Python's own hash() does) would store every id-less message again.
    assert key == "sha1-e98163fb9684c7a7d77156e18f3ec65f6d351399"
    for different in (
        message_key(said, ""),
        message_key(message("Input missing", type=MessageType.ERROR, field="inputs[0]"), "ENCODING"),
        message_key(message("Input not found", type=MessageType.WARNING, field="inputs[0]"), "ENCODING"),
        message_key(message("Input not found", type=MessageType.ERROR, field="inputs[1]"), "ENCODING"),
        message_key(
            message("Input not found", type=MessageType.ERROR, field="inputs[0]", date=T0), "ENCODING"
        ),
    ):
        assert different != key


def test_the_same_id_less_message_twice_is_stored_once_and_not_again_later(acme):
    upsert_encodings(acme, [listed("enc-a")])
    repeated = message("Input not found", type=MessageType.ERROR)

    added = apply_task(
        stored(acme, "enc-a"), failed_task(repeated, message("Input not found", type=MessageType.ERROR))
    )
    later = apply_task(stored(acme, "enc-a"), failed_task(repeated, message("Retrying")))

    assert (added, later) == (1, 1)
    assert sorted(Message.objects.values_list("text", flat=True)) == ["Input not found", "Retrying"]


def test_one_message_on_the_task_and_on_a_subtask_is_kept_for_each(acme):
    upsert_encodings(acme, [listed("enc-a")])
    said = message("Segment 17 failed", type=MessageType.ERROR)

    apply_task(stored(acme, "enc-a"), failed_task(said, subtask_messages=(said,)))

    assert sorted(Message.objects.values_list("subtask", flat=True)) == ["", "ENCODING"]


def test_adding_a_stored_message_again_adds_nothing_and_says_so(acme):
    upsert_encodings(acme, [listed("enc-a")])
    encoding = stored(acme, "enc-a")
    said = message("Input not found", type=MessageType.ERROR)
    assert add_messages(encoding, [("", said)]) == 1

    assert add_messages(encoding, [("", said), ("", said)]) == 0, "the count feeds the sync run's record"
    assert Message.objects.filter(encoding=encoding).count() == 1


# --- deletions: what the full pass can tell ---------------------------------------------------------------


def test_mark_seen_stamps_the_listed_encodings_and_brings_back_one_marked_deleted(acme):
    upsert_encodings(acme, [listed("enc-listed"), listed("enc-back"), listed("enc-gone")])
    long_ago = timezone.now() - timedelta(days=1)
    Encoding.objects.update(first_seen_at=long_ago, last_seen_at=long_ago)
    Encoding.objects.filter(bitmovin_id="enc-back").update(deleted_at=long_ago)
    pass_started = timezone.now()

    mark_seen(acme, ["enc-listed", "enc-back"])

    not_seen = Encoding.objects.filter(
        organization=acme,
        deleted_at__isnull=True,
        last_seen_at__lt=pass_started,
        first_seen_at__lt=pass_started,
    )
    assert list(not_seen.values_list("bitmovin_id", flat=True)) == ["enc-gone"], "only it is retired"
    assert stored(acme, "enc-back").deleted_at is None
    assert stored(acme, "enc-listed").last_seen_at >= pass_started


def test_an_encoding_brought_back_moves_the_data_version_and_a_stamp_alone_does_not(acme):
    upsert_encodings(acme, [listed("enc-listed"), listed("enc-back")])
    Encoding.objects.filter(bitmovin_id="enc-back").update(deleted_at=timezone.now() - timedelta(days=1))
    version = snapshot(acme)["data_version"]

    mark_seen(acme, ["enc-listed"])
    assert snapshot(acme)["data_version"] == version, "nothing any page shows changed"

    mark_seen(acme, ["enc-listed", "enc-back"])
    assert snapshot(acme)["data_version"] > version, "the pages show it again"


def test_an_encoding_first_listed_during_the_full_pass_is_never_taken_for_gone(acme):
    pass_started = timezone.now()

    upsert_encodings(acme, [listed("enc-new")])

    row = stored(acme, "enc-new")
    assert row.first_seen_at >= pass_started and row.last_seen_at >= pass_started
    assert row.deleted_at is None


def test_mark_seen_touches_only_its_own_organization(acme):
    globex = make_organization("globex")
    upsert_encodings(acme, [listed("enc-a")])
    upsert_encodings(globex, [listed("enc-a")])
    long_ago = timezone.now() - timedelta(days=1)
    Encoding.objects.update(last_seen_at=long_ago, deleted_at=long_ago)

    mark_seen(acme, ["enc-a"])

    assert stored(acme, "enc-a").deleted_at is None
    assert stored(globex, "enc-a").deleted_at == long_ago and stored(globex, "enc-a").last_seen_at == long_ago
