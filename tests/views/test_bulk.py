"""Bulk action pages: the list's checkboxes and bar, the confirmation, and the progress page."""

from __future__ import annotations

import pytest
from django.test import Client

from encodings_app.models import BulkItem, BulkJob, EncodingStatus
from encodings_app.services import bulk_actions
from encodings_app.services.bulk_actions import bulk_job_create, bulk_plan
from tests.factories import make_encoding, running_encoding

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
State = BulkItem.State
# The poll: the session, the user, the organization with the user's role, the job, its counts by state and
# its items. The page adds the header's organization switcher.
POLL_QUERIES = 6
QUERIES = 7


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    from encodings_app import tasks

    queued: list[int] = []
    monkeypatch.setattr(tasks, "bulk_job_enqueue", lambda job_id, countdown=None: queued.append(job_id))
    return queued


@pytest.fixture
def selection(world):
    running = [running_encoding(world.acme, name=f"Running {n}") for n in range(2)]
    finished = make_encoding(world.acme, status=EncodingStatus.FINISHED, name="Done already")
    return running, finished


def a_job(world, encodings) -> BulkJob:
    plan = bulk_plan(organization=world.acme, action="stop", ids=[e.bitmovin_id for e in encodings])
    return bulk_job_create(organization=world.acme, user=world.operator, plan=plan)


def test_operators_see_a_checkbox_per_row_and_the_bulk_bar(world, login, selection):
    page = login(world.operator).get("/o/acme/encodings/?status=RUNNING").content.decode()
    assert 'id="bulk-form"' in page
    assert page.count('name="ids"') == 2
    assert 'form="bulk-form"' in page
    assert 'value="status=RUNNING"' in page, "the filter goes with an 'all matching' selection"
    polled = login(world.operator).get("/o/acme/encodings/", **HTMX).content.decode()
    assert polled.count('name="ids"') == 3
    assert 'id="bulk-form"' not in polled, "the form lives outside the polled part, which a poll replaces"


def test_viewers_see_no_checkboxes(world, login, selection):
    page = login(world.viewer).get("/o/acme/encodings/").content.decode()
    assert 'name="ids"' not in page and 'id="bulk-form"' not in page


def test_the_confirmation_says_what_happens_to_each_status(world, login, selection):
    running, finished = selection
    ids = [e.bitmovin_id for e in [*running, finished]]
    response = login(world.operator).post("/o/acme/bulk/", {"action": "stop", "ids": ids, "back": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Stop 2 encodings?" in page
    assert "2 running will be stopped; 1 finished cannot be stopped and is left alone." in page
    assert "Yes, stop 2 encodings" in page
    assert BulkJob.objects.count() == 0, "nothing happens before the confirmation"


def test_confirming_creates_the_job_and_shows_its_progress(world, login, selection, no_broker):
    running, finished = selection
    client = login(world.operator)
    ids = [e.bitmovin_id for e in [*running, finished]]
    response = client.post("/o/acme/bulk/", {"action": "stop", "ids": ids, "confirm": "yes"})

    job = BulkJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/o/acme/bulk/{job.pk}/"
    assert sorted(job.items.values_list("state", flat=True)) == [State.SKIPPED, State.WAITING, State.WAITING]
    page = client.get(response["Location"]).content.decode()
    assert "In progress: 1 of 3 answered" in page
    assert "Left alone: it is finished" in page
    assert 'hx-trigger="every 2s' in page and "Refresh now" in page


def test_all_matching_the_filter_acts_on_the_filtered_list(world, login, selection):
    response = login(world.operator).post(
        "/o/acme/bulk/",
        {"action": "delete", "scope": "matching", "back": "status=FINISHED", "confirm": "yes"},
    )
    assert response.status_code == 302
    job = BulkJob.objects.get()
    assert (job.selection, job.filter_query, job.total, job.skipped) == ("filter", "status=FINISHED", 1, 0)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"ids": ["x"]}, "Choose what to do with the selected encodings."),
        ({"action": "reprioritize", "ids": ["x"]}, "Give the new priority, from 0 to 100."),
        ({"action": "reprioritize", "priority": "500", "ids": ["x"]}, "less than or equal to 100"),
        ({"action": "stop"}, "Select at least one encoding, or all that match the filter."),
        ({"action": "launch", "ids": ["x"]}, "Select a valid choice."),
    ],
)
def test_bad_input_is_explained_on_the_page(world, login, data, words):
    response = login(world.operator).post("/o/acme/bulk/", {**data, "confirm": "yes"})
    assert response.status_code == 400
    assert words in response.content.decode()
    assert BulkJob.objects.count() == 0


def test_a_filter_past_the_cap_is_refused_in_words(world, login, selection, monkeypatch):
    monkeypatch.setattr(bulk_actions, "BULK_LIMIT", 2)
    response = login(world.operator).post("/o/acme/bulk/", {"action": "stop", "scope": "matching"})
    assert response.status_code == 400
    assert "The filter matches more than 2 encodings" in response.content.decode()


def test_viewers_may_not_ask_for_a_bulk_action(world, login, selection):
    running, _ = selection
    response = login(world.viewer).post("/o/acme/bulk/", {"action": "stop", "ids": [running[0].bitmovin_id]})
    assert response.status_code == 403
    assert BulkJob.objects.count() == 0


def test_another_organizations_user_gets_404(world, login, selection):
    running, _ = selection
    job = a_job(world, running)
    outsider = login(world.outsider)
    assert (
        outsider.post("/o/acme/bulk/", {"action": "stop", "ids": [running[0].bitmovin_id]}).status_code == 404
    )
    assert outsider.get(f"/o/acme/bulk/{job.pk}/").status_code == 404
    # Their own organization does not reach Acme's job either.
    assert outsider.get(f"/o/globex/bulk/{job.pk}/").status_code == 404


def test_viewers_do_not_see_a_bulk_jobs_progress(world, login, selection):
    running, _ = selection
    job = a_job(world, running)
    assert login(world.viewer).get(f"/o/acme/bulk/{job.pk}/").status_code == 403
    assert login(world.admin).get(f"/o/acme/bulk/{job.pk}/").status_code == 200


def test_the_confirmation_needs_the_csrf_token(world, selection):
    running, _ = selection
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.operator)
    response = strict.post(
        "/o/acme/bulk/", {"action": "stop", "ids": [running[0].bitmovin_id], "confirm": "yes"}
    )
    assert response.status_code == 403
    assert BulkJob.objects.count() == 0


def test_problems_come_first_with_their_request_id_and_a_finished_job_stops_the_polling(
    world, login, selection
):
    running, _ = selection
    job = a_job(world, running)
    first, second = job.items.order_by("pk")
    BulkItem.objects.filter(pk=first.pk).update(state=State.DONE, message="Stop requested: fine.")
    BulkItem.objects.filter(pk=second.pk).update(
        state=State.FAILED, message="Bitmovin did not stop it: Internal error.", request_id="req-123"
    )
    BulkJob.objects.filter(pk=job.pk).update(finished_at=job.created_at)
    client = login(world.operator)

    page = client.get(f"/o/acme/bulk/{job.pk}/").content.decode()
    assert page.index("Internal error") < page.index("Stop requested: fine.")
    assert "req-123" in page
    assert "Finished: 2 of 2 answered" in page
    assert "hx-trigger" not in page.split('id="bulk-progress"')[1].split(">")[0]

    polled = client.get(f"/o/acme/bulk/{job.pk}/", **HTMX)
    assert polled.status_code == 286, "htmx stops polling"
    assert "Finished" in polled.content.decode()


@pytest.mark.parametrize("encodings", [1, 30])
def test_the_progress_page_costs_the_same_queries_whatever_the_job_size(
    world, login, encodings, django_assert_num_queries
):
    job = a_job(world, [running_encoding(world.acme) for _ in range(encodings)])
    client = login(world.operator)
    client.get(f"/o/acme/bulk/{job.pk}/")  # the session is read and touched on the first visit
    with django_assert_num_queries(QUERIES):
        assert client.get(f"/o/acme/bulk/{job.pk}/").status_code == 200
    with django_assert_num_queries(POLL_QUERIES):
        assert client.get(f"/o/acme/bulk/{job.pk}/", **HTMX).status_code == 200


# The session, the user, the organization with the user's role, the header's switcher, and the jobs with their
# counts.
JOBS_QUERIES = 5


def test_recent_bulk_jobs_are_listed_newest_first_with_their_outcomes(world, login, selection):
    running, finished = selection
    older = a_job(world, [running[0], finished])
    newer = a_job(world, [running[1]])
    BulkItem.objects.filter(job=older, encoding=running[0]).update(state=State.FAILED, message="No.")
    BulkJob.objects.filter(pk=older.pk).update(finished_at=older.created_at)

    page = login(world.operator).get("/o/acme/bulk/jobs/").content.decode()

    assert page.index(f"/o/acme/bulk/{newer.pk}/") < page.index(f"/o/acme/bulk/{older.pk}/")
    assert "In progress: 1 to answer" in page
    assert "<strong>1</strong>" in page, "the older job's failure shows"
    assert "Finished" in page
    assert (
        'href="/o/acme/bulk/jobs/"' in login(world.operator).get(f"/o/acme/bulk/{older.pk}/").content.decode()
    )


def test_recent_bulk_jobs_are_operators_and_this_organizations_only(world, login, selection):
    running, _ = selection
    job = a_job(world, running)
    assert login(world.viewer).get("/o/acme/bulk/jobs/").status_code == 403
    assert login(world.outsider).get("/o/acme/bulk/jobs/").status_code == 404
    theirs = login(world.outsider).get("/o/globex/bulk/jobs/")
    assert theirs.status_code == 200
    assert f"/bulk/{job.pk}/" not in theirs.content.decode()


@pytest.mark.parametrize("jobs", [1, 12])
def test_recent_bulk_jobs_cost_the_same_queries_whatever_their_number(
    world, login, jobs, django_assert_num_queries
):
    for _ in range(jobs):
        a_job(world, [running_encoding(world.acme) for _ in range(3)])
    client = login(world.operator)
    client.get("/o/acme/bulk/jobs/")
    with django_assert_num_queries(JOBS_QUERIES):
        assert client.get("/o/acme/bulk/jobs/").status_code == 200
