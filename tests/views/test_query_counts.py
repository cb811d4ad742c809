"""Every page runs a fixed number of SQL queries, whatever the number of encodings or messages.

Each count is pinned twice: with a handful of rows and with many. The first two queries of every page are
the session and the user; the rest are named next to each number.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from encodings_app.models import (
    OPTIONAL_LIST_COLUMNS,
    AlertChannel,
    AlertDelivery,
    AlertKind,
    AuditEvent,
    Role,
)
from encodings_app.services.audit import audit_record
from encodings_app.services.list_preferences import list_preference_set
from encodings_app.services.mirror import message_counts_store
from tests.factories import (
    failed_encoding,
    make_incident,
    make_member,
    make_silence,
    make_user,
    populate,
    running_encoding,
)

pytestmark = pytest.mark.django_db

FEW, MANY = 3, 150
FEW_MESSAGES, MANY_MESSAGES = 4, 400

# session, user, membership+organization, switcher, the live part's ETag (selectors/overview_etag.py), then
# the page's own reads: counts, running, queued, stuck, failure groups, latest sync run, chart, open
# incidents, the silences muting them
OVERVIEW = 2 + 1 + 1 + 1 + 9
OVERVIEW_FRAGMENT = 2 + 1 + 1 + 9  # no switcher in the polled fragment
OVERVIEW_NOT_MODIFIED = 2 + 1 + 1  # the ETag's one query; nothing else read, nothing rendered
# the user's saved views with which is their default (the picker; not read by a poll), the user's list view
# (columns, rows per page: one read by its unique user id), count (up to LIST_EXACT_COUNT_LIMIT), one page of
# rows
LIST = 2 + 1 + 1 + 1 + 1 + 2
LIST_FRAGMENT = 2 + 1 + 1 + 2
LIST_NOT_MODIFIED = 2 + 1 + 1  # the user's list view; no count, no rows, nothing rendered
DETAIL_ACTIVE = 2 + 1 + 1 + 1 + 2  # encoding, message counts by type, one page of messages
DETAIL_FAILED = DETAIL_ACTIVE + 2  # the error panel: its ERROR messages, the request ids of actions on it
DETAIL_FRAGMENT = 2 + 1 + 1 + 2
DETAIL_NOT_MODIFIED = 2 + 1 + 1 + 1  # the encoding, the count of its messages; nothing rendered
# An encoding whose messages a status read wrote carries their counts by type: nothing counts them.
DETAIL_SYNCED = DETAIL_ACTIVE - 1
DETAIL_SYNCED_FRAGMENT = DETAIL_FRAGMENT - 1
DETAIL_SYNCED_NOT_MODIFIED = DETAIL_NOT_MODIFIED - 1
HOME_SEVERAL = 2 + 1 + 2  # organizations with health, counts by status, stuck counts
SETTINGS = 2 + 1 + 1 + 1 + 4 + 2 + 2  # members, whether the admin looks after its account, webhook log
# count and page, sync runs, display links, wall choices, audit log count and page
CONFIRM = 2 + 1 + 1 + 1  # the encoding
INCIDENTS = 2 + 1 + 1 + 4  # active silences, open incidents, resolved ones' count and page
# the incident, the silences muting it, its events, the notifications sent about it
INCIDENT = 2 + 1 + 1 + 4


@pytest.fixture(params=["few", "many"])
def size(request):
    return request.param


@pytest.fixture
def data(world, size):
    encodings = FEW if size == "few" else MANY
    messages = FEW_MESSAGES if size == "few" else MANY_MESSAGES
    made = populate(world.acme, encodings=encodings, messages=messages)
    populate(world.globex, encodings=encodings)
    running = running_encoding(world.acme)
    failed = failed_encoding(world.acme)
    populate_messages(running, messages)
    populate_messages(failed, messages)
    incident = populate_incidents(world.acme, FEW if size == "few" else MANY)
    # Muted incidents cost no more to show, however many silences there are.
    for kind in ("", AlertKind.FAILED, AlertKind.SYNC) if size == "many" else ("",):
        make_silence(world.acme, kind=kind)
    populate_incidents(world.globex, FEW)
    return {"first": made[0], "running": running, "failed": failed, "incident": incident}


def populate_incidents(organization, count: int):
    """Open and resolved incidents of every kind, with notifications about them on two channels; returns an
    open one that has notifications."""
    kinds = [AlertKind.SYNC, AlertKind.FAILED, AlertKind.STUCK, AlertKind.SPIKE, AlertKind.STUCK_LIVE]
    channels = [
        AlertChannel.objects.create(organization=organization, kind=kind, name=kind, target_hint="x")
        for kind in (AlertChannel.Kind.EMAIL, AlertChannel.Kind.WEBHOOK)
    ]
    made = []
    for index in range(count):
        resolved = None if index % 3 == 0 else 1
        incident = make_incident(organization, kinds[index % len(kinds)], resolved_minutes_ago=resolved)
        for channel in channels:
            AlertDelivery.objects.create(
                channel=channel, message_key=f"{incident.message_key_prefix}opened", subject="s", body="b"
            )
        made.append(incident)
    return made[0]


def populate_messages(encoding, count: int) -> None:
    from tests.factories import make_message

    for index in range(count):
        make_message(encoding, type=("INFO", "ERROR", "DEBUG", "WARNING")[index % 4], subtask=f"s{index % 3}")


def get(client, url, django_assert_num_queries, expected, **headers):
    with django_assert_num_queries(expected):
        response = client.get(url, headers=headers)
    assert response.status_code in (200, 286), url
    return response


def poll_unchanged(client, url, django_assert_num_queries, expected, etag: str) -> None:
    """A poll sending the tag of the fragment it shows, with nothing changed since: a 304."""
    with django_assert_num_queries(expected):
        response = client.get(url, headers={"HX-Request": "true", "If-None-Match": etag})
    assert response.status_code == 304, url


def test_overview_query_count_is_fixed(world, login, data, django_assert_num_queries, held_clock):
    client = login(world.operator)
    get(client, "/o/acme/", django_assert_num_queries, OVERVIEW)
    fragment = get(client, "/o/acme/", django_assert_num_queries, OVERVIEW_FRAGMENT, **{"HX-Request": "true"})
    poll_unchanged(client, "/o/acme/", django_assert_num_queries, OVERVIEW_NOT_MODIFIED, fragment["ETag"])


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?status=RUNNING&status=ERROR&sort=name",
        "?q=name:Episode*+AND+labels:customer-stark&page=2",
        "?stuck=1&region=AWS_EU_WEST_1&encoder=2.190.0&label=batch-1&period=7d&sort=-finished",
        "?page=abc&sort=nonsense&status=NOPE&per_page=7",
        "?per_page=25&page=2",
    ],
)
@pytest.mark.parametrize("saved_view", [False, True], ids=["default-view", "saved-view"])
def test_list_query_count_is_fixed(
    world, login, data, django_assert_num_queries, query, saved_view, held_clock
):
    if saved_view:
        list_preference_set(user=world.operator, columns=list(OPTIONAL_LIST_COLUMNS), page_size=200)
    client = login(world.operator)
    url = f"/o/acme/encodings/{query}"
    get(client, url, django_assert_num_queries, LIST)
    fragment = get(client, url, django_assert_num_queries, LIST_FRAGMENT, **{"HX-Request": "true"})
    poll_unchanged(client, url, django_assert_num_queries, LIST_NOT_MODIFIED, fragment["ETag"])


def test_detail_query_count_is_fixed(world, login, data, django_assert_num_queries, held_clock):
    client = login(world.operator)
    running = data["running"].bitmovin_id
    get(client, f"/o/acme/encodings/{running}/", django_assert_num_queries, DETAIL_ACTIVE)
    get(
        client,
        f"/o/acme/encodings/{running}/?types=DEBUG,TRACE,INFO&mpage=2",
        django_assert_num_queries,
        DETAIL_ACTIVE,
    )
    get(
        client,
        f"/o/acme/encodings/{running}/?group=subtask&mpage=2",
        django_assert_num_queries,
        DETAIL_ACTIVE,
    )
    fragment = get(
        client,
        f"/o/acme/encodings/{running}/",
        django_assert_num_queries,
        DETAIL_FRAGMENT,
        **{"HX-Request": "true"},
    )
    poll_unchanged(
        client,
        f"/o/acme/encodings/{running}/",
        django_assert_num_queries,
        DETAIL_NOT_MODIFIED,
        fragment["ETag"],
    )
    failed = data["failed"].bitmovin_id
    get(client, f"/o/acme/encodings/{failed}/", django_assert_num_queries, DETAIL_FAILED)


def test_a_synced_encodings_detail_and_its_polls_count_no_messages(
    world, login, data, django_assert_num_queries, held_clock
):
    running = data["running"]
    message_counts_store(encoding=running)
    client = login(world.operator)
    url = f"/o/acme/encodings/{running.bitmovin_id}/"
    page = get(client, url, django_assert_num_queries, DETAIL_SYNCED)
    fragment = get(client, url, django_assert_num_queries, DETAIL_SYNCED_FRAGMENT, **{"HX-Request": "true"})
    poll_unchanged(client, url, django_assert_num_queries, DETAIL_SYNCED_NOT_MODIFIED, fragment["ETag"])
    errors = running.messages.filter(type="ERROR").count()
    assert f'<span>ERROR</span> <span class="chip-count">{errors}</span>' in page.content.decode()


def test_cross_organization_overview_query_count_is_fixed(world, login, data, django_assert_num_queries):
    user = make_user("multi")
    make_member(world.acme, Role.VIEWER, user=user)
    make_member(world.globex, Role.VIEWER, user=user)
    client = login(user)
    get(client, "/", django_assert_num_queries, HOME_SEVERAL)
    # Narrowed to one account: the same reads, fewer organizations counted.
    get(client, f"/?account={world.acme.connection.public_id}", django_assert_num_queries, HOME_SEVERAL)


def test_settings_query_count_is_fixed(world, login, data, size, django_assert_num_queries):
    for number in range(FEW if size == "few" else MANY):
        audit_record(
            action=AuditEvent.Action.ENCODING_STOP,
            user=world.operator,
            organization=world.acme,
            target=number,
        )
    get(login(world.admin), "/o/acme/settings/", django_assert_num_queries, SETTINGS)


def test_incident_pages_query_counts_are_fixed(world, login, data, django_assert_num_queries):
    client = login(world.viewer)
    get(client, "/o/acme/incidents/", django_assert_num_queries, INCIDENTS)
    get(client, "/o/acme/incidents/?page=2", django_assert_num_queries, INCIDENTS)
    get(client, "/o/acme/incidents/?page=nope", django_assert_num_queries, INCIDENTS)
    get(client, f"/o/acme/incidents/{data['incident'].pk}/", django_assert_num_queries, INCIDENT)


def test_action_confirmation_query_count_is_fixed(world, login, data, django_assert_num_queries):
    running = data["running"].bitmovin_id
    get(
        login(world.operator),
        f"/o/acme/encodings/{running}/actions/stop/",
        django_assert_num_queries,
        CONFIRM,
    )


def test_a_searched_word_and_a_total_past_the_limit_each_cost_one_planned_query_on_postgresql(
    world, login, data, django_assert_num_queries, settings
):
    """On PostgreSQL a plain word asks the planner how large the organization is (selectors/search.py), and a
    total past LIST_EXACT_COUNT_LIMIT asks it for its estimate (selectors/counting.py): EXPLAIN, never run.
    SQLite has no planner to ask, and no trigram index to choose."""
    planned = 1 if connection.vendor == "postgresql" else 0
    client = login(world.operator)
    get(client, "/o/acme/encodings/?search=Episode", django_assert_num_queries, LIST + planned)
    settings.LIST_EXACT_COUNT_LIMIT = 2
    get(
        client, "/o/acme/encodings/?status=RUNNING&status=FINISHED", django_assert_num_queries, LIST + planned
    )


def test_superuser_pages_cost_the_same(world, data, django_assert_num_queries):
    root = make_user("root", is_superuser=True)
    client = Client()
    client.force_login(root)
    get(client, "/o/acme/encodings/", django_assert_num_queries, LIST)
    get(client, "/o/acme/", django_assert_num_queries, OVERVIEW)
