"""The pure parts of the simulator, without HTTP: timelines, search, fault specs, catalogues."""

from __future__ import annotations

import random

import pytest

from simulator import catalog, codes, lifecycle, planner
from simulator.errors import ApiError
from simulator.faults import parse_spec
from simulator.query import parse_search, parse_sort
from simulator.records import STATUSES, EncodingRecord
from simulator.ticker import changes_since

NOW = 1_800_000_000.0


def record(**fields: object) -> EncodingRecord:
    rec = EncodingRecord(
        id="e1",
        org_id="o1",
        name="Sintel 4K HDR",
        type="VOD",
        cloud_region="AUTO",
        encoder_version="STABLE",
        created_at=NOW - 3600,
        seed=12345,
        labels=("customer-acme", "4k"),
    )
    for name, value in fields.items():
        setattr(rec, name, value)
    return rec


@pytest.mark.parametrize("status", STATUSES)
def test_a_plan_in_any_status_shows_that_status(status: str) -> None:
    for seed in range(20):
        rec = record()
        planner.plan_in_state(rec, random.Random(seed), NOW, status, scale=1.0)
        assert lifecycle.status_at(rec, NOW) == status


def test_progress_never_goes_backwards_and_ends_at_100() -> None:
    rec = record()
    planner.plan_vod(rec, random.Random(1), NOW, planner.PlanOptions(planner.FINISHED, 1.0))
    assert rec.end_at is not None
    samples = [NOW + i * (rec.end_at - NOW) / 50 for i in range(52)]
    progress = [lifecycle.progress_at(rec, t) for t in samples]

    assert progress == sorted(progress) and progress[0] == 0 and progress[-1] == 100


def test_speed_compresses_the_planned_durations() -> None:
    slow, fast = record(), record()
    planner.plan_vod(slow, random.Random(3), NOW, planner.PlanOptions(planner.FINISHED, 1.0))
    planner.plan_vod(fast, random.Random(3), NOW, planner.PlanOptions(planner.FINISHED, 10.0))
    assert slow.end_at is not None and fast.end_at is not None

    assert fast.end_at - NOW == pytest.approx((slow.end_at - NOW) / 10)


def test_stall_freezes_progress_until_the_encoding_fails() -> None:
    rec = record()
    planner.plan_in_state(rec, random.Random(4), NOW, "RUNNING", scale=1.0, progress=40, stuck=True)

    assert lifecycle.progress_at(rec, NOW) == lifecycle.progress_at(rec, NOW + 3000) == 40
    assert lifecycle.status_at(rec, NOW + planner.STUCK_TIMEOUT_S + 1) == "ERROR"
    assert rec.error_code == catalog.STALL_FAILURE


def test_changes_since_lists_the_statuses_passed_in_order() -> None:
    rec = record()
    planner.plan_vod(rec, random.Random(5), NOW, planner.PlanOptions(planner.FINISHED, 1.0))
    assert rec.end_at is not None

    assert changes_since(rec, "CREATED", rec.end_at) == ["QUEUED", "RUNNING", "FINISHED"]
    assert changes_since(rec, "RUNNING", rec.end_at) == ["FINISHED"]
    assert changes_since(rec, "FINISHED", rec.end_at) == []


@pytest.mark.parametrize(
    ("query", "name", "labels", "matches"),
    [
        ("name:sintel*", "Sintel 4K", (), True),
        ('name:"sintel 4k"', "Sintel 4K", (), True),
        ('name:"Sintel"', "Sintel 4K", (), False),
        ("labels:4K", "x", ("4k", "hdr"), True),
        ("labels:customer-*", "x", ("customer-acme",), True),
        ("name:sin* AND labels:hdr", "Sintel", ("hdr",), True),
        ("name:sin* and labels:sdr", "Sintel", ("hdr",), False),
    ],
)
def test_search_matches_exact_and_prefix_terms(
    query: str, name: str, labels: tuple[str, ...], matches: bool
) -> None:
    predicate = parse_search(query)

    assert predicate(record(name=name, labels=labels), NOW) is matches


@pytest.mark.parametrize(
    "query", ["title:x", "name:a OR name:b", "name:a name:b", "name:*a", "free text", "name:"]
)
def test_search_rejects_what_the_api_does_not_support(query: str) -> None:
    with pytest.raises(ApiError) as raised:
        parse_search(query)
    assert (raised.value.http_status, raised.value.code) == (400, 1001)


def test_sort_parses_several_fields_with_directions() -> None:
    assert parse_sort("status:desc,createdAt") == [("status", True), ("createdAt", False)]


def test_fault_spec_round_trips_and_rejects_nonsense() -> None:
    spec = parse_spec(
        "503=0.1,429=0.05,html=0.02,truncate=0.02,hang=0.01,path=/encoding/*,hang_s=5,max=3,seed=9"
    )

    assert spec.rates == {"503": 0.1, "429": 0.05, "html": 0.02, "truncate": 0.02, "hang": 0.01}
    assert (spec.path, spec.hang_s, spec.max_faults, spec.seed) == ("/encoding/*", 5.0, 3, 9)
    assert parse_spec(spec.text()) == spec
    assert parse_spec("off").rates == {}
    for bad in ("503=1.5", "418=0.1", "503", "hang_s=-1", "500=0.7,503=0.7"):
        with pytest.raises(ValueError):
            parse_spec(bad)


def test_catalogue_covers_every_planned_failure_and_the_seed_codes() -> None:
    general = {d["code"] for d in codes.api_error_definitions()}
    encoding = {d["code"]: d for d in catalog.encoding_error_definitions()}

    assert {1000, 1001, 1002, 1003, 1004, 1005, 1006, 2021, 2028, 2029, 2030, 2047, 8004} <= general
    assert set(catalog.FAILURES_BY_CODE) <= set(encoding)
    assert all(
        d["retryHint"] in ("RETRY", "NO_RETRY", "RETRY_IN_DIFFERENT_REGION") for d in encoding.values()
    )
    assert encoding[2100]["message"] == "Input file {1} does not exist"
