"""GET /encoding/encodings: paging, sorting, every filter and the search syntax."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.simulator.conftest import Http, error_of


def items(http: Http, **params: Any) -> list[dict[str, Any]]:
    return http.result("GET", "/encoding/encodings", params=params)["items"]


def stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_default_page_is_25_newest_first_without_total(http: Http) -> None:
    page = http.result("GET", "/encoding/encodings")

    assert page["offset"] == 0 and page["limit"] == 25 and len(page["items"]) == 25
    assert "totalCount" not in page and "previous" not in page
    created = [stamp(i["createdAt"]) for i in page["items"]]
    assert created == sorted(created, reverse=True)


@pytest.mark.parametrize("value", ["true", "True", "TRUE", "1"])
def test_include_total_count_accepts_every_boolean_spelling(http: Http, value: str) -> None:
    page = http.result("GET", "/encoding/encodings", params={"includeTotalCount": value, "limit": 1})

    assert page["totalCount"] > 1


def test_total_count_is_left_out_when_false(http: Http) -> None:
    assert "totalCount" not in http.result(
        "GET", "/encoding/encodings", params={"includeTotalCount": "False"}
    )


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 101},
        {"limit": -1},
        {"limit": "ten"},
        {"offset": -5},
        {"includeTotalCount": "maybe"},
        {"status": "DONE"},
        {"type": "AUDIO"},
        {"cloudRegion": "MARS_1"},
        {"selectedEncodingMode": "FAST"},
        {"createdAtNewerThan": "yesterday"},
        {"finishedAtOlderThan": "2024-13-45T00:00:00Z"},
        {"sort": "colour:asc"},
        {"sort": "createdAt:sideways"},
    ],
)
def test_bad_parameters_are_400_with_code_1001(http: Http, params: dict[str, Any]) -> None:
    response = http.get("/encoding/encodings", **params)

    assert error_of(response) == (400, 1001)
    assert response.json()["data"]["details"][0]["field"] == next(iter(params))


def test_limit_of_100_is_allowed(http: Http) -> None:
    page = http.result("GET", "/encoding/encodings", params={"limit": 100, "includeTotalCount": "true"})

    assert page["limit"] == 100 and len(page["items"]) == min(100, page["totalCount"])


def test_walking_next_links_visits_every_encoding_once(http: Http) -> None:
    first = http.result("GET", "/encoding/encodings", params={"limit": 40, "includeTotalCount": "true"})
    seen = [i["id"] for i in first["items"]]
    page = first
    while "next" in page:
        page = http.session.get(page["next"], timeout=30).json()["data"]["result"]
        assert page["previous"]
        seen += [i["id"] for i in page["items"]]

    assert len(seen) == len(set(seen)) == first["totalCount"]


def test_next_link_keeps_the_filters(http: Http) -> None:
    page = http.result(
        "GET", "/encoding/encodings", params={"status": "FINISHED", "limit": 3, "search": "name:*"}
    )

    assert "status=FINISHED" in page["next"] and "search=name" in page["next"]
    follow = http.session.get(page["next"], timeout=30).json()["data"]["result"]
    assert all(i["status"] == "FINISHED" for i in follow["items"])


def test_sort_by_name_ascending_and_status_descending(http: Http) -> None:
    by_name = items(http, sort="name:asc", limit=50)
    names = [i["name"].casefold() for i in by_name]
    assert names == sorted(names)

    by_status = items(http, sort="status:desc,createdAt:desc", limit=100)
    statuses = [i["status"] for i in by_status]
    assert statuses == sorted(statuses, reverse=True)


def test_sort_by_finished_at_descending_puts_unfinished_last(http: Http) -> None:
    page = items(http, sort="finishedAt:desc", limit=100, includeTotalCount="true")
    finished = [stamp(i["finishedAt"]) for i in page if "finishedAt" in i]

    assert finished == sorted(finished, reverse=True)
    assert all("finishedAt" in i for i in page[: len(finished)])


@pytest.mark.parametrize(
    ("param", "key"),
    [
        ("type", "type"),
        ("status", "status"),
        ("cloudRegion", "cloudRegion"),
        ("selectedCloudRegion", "selectedCloudRegion"),
        ("encoderVersion", "encoderVersion"),
        ("selectedEncoderVersion", "selectedEncoderVersion"),
        ("selectedEncodingMode", "selectedEncodingMode"),
        ("name", "name"),
    ],
)
def test_each_equality_filter_returns_only_matching_encodings(http: Http, param: str, key: str) -> None:
    sample = next(i for i in items(http, limit=100) if key in i and i["type"] == "VOD")
    value = sample[key]

    found = items(http, **{param: value}, limit=100)

    assert sample["id"] in {i["id"] for i in found}
    assert all(i[key] == value for i in found)


def test_date_filters_bound_created_started_and_finished_times(http: Http) -> None:
    now = datetime.now(UTC)
    week_ago = (now - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    month_ago = (now - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")

    for prefix in ("createdAt", "startedAt", "finishedAt"):
        found = items(http, **{f"{prefix}NewerThan": month_ago, f"{prefix}OlderThan": week_ago}, limit=100)
        assert found, prefix
        for item in found:
            assert stamp(month_ago) <= stamp(item[prefix]) <= stamp(week_ago)


def test_date_filter_accepts_offsets_and_fractions(http: Http) -> None:
    assert items(http, createdAtNewerThan="2020-01-01T00:00:00.123+00:00", limit=1)
    assert items(http, createdAtNewerThan="2020-01-01T00:00:00.5Z", limit=1)


def test_search_by_exact_name_is_case_insensitive(http: Http) -> None:
    name = items(http, limit=1, type="VOD")[0]["name"]

    found = items(http, search=f'name:"{name.upper()}"', limit=100)

    assert found and all(i["name"].casefold() == name.casefold() for i in found)


def test_search_by_name_prefix_and_label_joined_by_and(http: Http) -> None:
    sample = next(i for i in items(http, limit=100) if i["labels"] and " " in i["name"])
    prefix = sample["name"].split(" ")[0]
    label = sample["labels"][0]

    found = items(http, search=f"name:{prefix.lower()}* AND labels:{label.upper()}", limit=100)

    assert sample["id"] in {i["id"] for i in found}
    for item in found:
        assert item["name"].casefold().startswith(prefix.casefold())
        assert label.casefold() in {lbl.casefold() for lbl in item["labels"]}


def test_search_with_quoted_prefix(http: Http) -> None:
    sample = next(i for i in items(http, limit=100) if i["name"].count(" ") >= 2)
    words = " ".join(sample["name"].split(" ")[:2])

    found = items(http, search=f'name:"{words}"*', limit=100)

    assert sample["id"] in {i["id"] for i in found}


@pytest.mark.parametrize(
    "search",
    [
        "description:foo",
        "name:foo OR labels:bar",
        "name:foo labels:bar",
        "name:*foo",
        "name:fo*o",
        "justtext",
        'name:"unterminated',
        "name:",
    ],
)
def test_bad_search_syntax_is_400_with_code_1001(http: Http, search: str) -> None:
    assert error_of(http.get("/encoding/encodings", search=search)) == (400, 1001)
