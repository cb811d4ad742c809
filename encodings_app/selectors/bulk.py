"""A bulk job's progress for its page (counts by outcome and every item, problems first, in two queries), and
an organization's recent jobs with their counts (one query)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, Value, When

from encodings_app.models import BulkItem, BulkJob
from encodings_app.services.action_registry import ACTIONS, ActionSpec

State = BulkItem.State

# The page's order: what needs a look first (failed, refused, unknown), then what is under way, then the rest.
ORDER = (
    State.FAILED,
    State.REFUSED,
    State.UNKNOWN,
    State.SENDING,
    State.WAITING,
    State.DONE,
    State.SKIPPED,
)
PROBLEMS = frozenset({State.FAILED, State.REFUSED, State.UNKNOWN})


@dataclass(frozen=True)
class StateCount:
    state: str
    label: str
    count: int

    @property
    def problem(self) -> bool:
        return self.state in PROBLEMS


@dataclass(frozen=True)
class BulkProgress:
    job: BulkJob
    spec: ActionSpec
    counts: list[StateCount]
    items: list[BulkItem]

    @property
    def answered(self) -> int:
        return sum(c.count for c in self.counts if c.state not in (State.WAITING, State.SENDING))

    @property
    def problems(self) -> int:
        return sum(c.count for c in self.counts if c.problem)


def bulk_progress(job: BulkJob) -> BulkProgress:
    by_state = dict(job.items.values_list("state").annotate(n=Count("pk")).order_by())
    labels = dict(State.choices)
    counts = [
        StateCount(state, str(labels[state]), by_state[state]) for state in ORDER if by_state.get(state)
    ]
    rank = Case(
        *(When(state=state, then=Value(index)) for index, state in enumerate(ORDER)),
        output_field=IntegerField(),
    )
    items = list(
        job.items.select_related("encoding")
        .only(
            "state",
            "planned_status",
            "outcome",
            "message",
            "request_id",
            "finished_at",
            "job_id",
            "encoding__bitmovin_id",
            "encoding__name",
            "encoding__status",
            "encoding__organization_id",
        )
        .annotate(rank=rank)
        .order_by("rank", "pk")
    )
    return BulkProgress(job=job, spec=ACTIONS[job.action], counts=counts, items=items)


# The recent jobs page lists this many, newest first; older jobs stay reachable by their own address.
RECENT_JOBS = 25


@dataclass(frozen=True)
class JobSummary:
    job: BulkJob
    spec: ActionSpec
    done: int
    problems: int
    open: int


def recent_bulk_jobs(organization, limit: int = RECENT_JOBS) -> list[JobSummary]:
    """The organization's newest jobs, each with how many of its encodings went as asked, did not, and are
    still to be answered, in one query (the jobs through bulkjob_org_created, their items through
    bulkitem_job_state)."""
    jobs = (
        BulkJob.objects.filter(organization=organization)
        .annotate(
            done_count=Count("items", filter=Q(items__state=State.DONE)),
            problem_count=Count("items", filter=Q(items__state__in=PROBLEMS)),
            open_count=Count("items", filter=Q(items__state__in=(State.WAITING, State.SENDING))),
        )
        .order_by("-created_at", "-pk")[:limit]
    )
    return [
        JobSummary(job, ACTIONS[job.action], job.done_count, job.problem_count, job.open_count)
        for job in jobs
        if job.action in ACTIONS
    ]
