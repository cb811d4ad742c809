"""Rate limits: the API's 429 answers, and the caller's own limiter hook and call counts."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from encodings_app.bitmovin import (
    BitmovinError,
    RateLimitedError,
)
from encodings_app.bitmovin.retry import (
    RateLimitWindow,
    parse_rate_limit_reset,
    parse_rate_limit_window,
    parse_retry_after,
    rate_limit_wait,
)

from .conftest import failure, success, url

ENCODING = "/encoding/encodings/enc-1"
STATUS = ENCODING + "/status"
ENCODING_BODY = success({"id": "enc-1", "status": "RUNNING"})


def test_rate_limited_get_waits_for_retry_after_then_succeeds(client, api, clock):
    api.get(url(ENCODING), status=429, headers={"Retry-After": "7"}, json=failure(None, "slow down"))
    api.get(url(ENCODING), json=ENCODING_BODY)

    assert client.get_encoding("enc-1").id == "enc-1"
    assert clock.sleeps == [7.0]


def test_rate_limit_falls_back_to_x_ratelimit_reset(client, api, clock):
    api.get(url(ENCODING), status=429, headers={"x-ratelimit-reset": "3", "x-ratelimit-remaining": "0"})
    api.get(url(ENCODING), json=ENCODING_BODY)

    client.get_encoding("enc-1")

    assert clock.sleeps == [3.0]


def test_rate_limit_without_hints_waits_one_minute_when_the_budget_allows(make_client, api, clock):
    client = make_client(retry_budget_s=120.0)
    api.get(url(ENCODING), status=429)
    api.get(url(ENCODING), json=ENCODING_BODY)

    client.get_encoding("enc-1")

    assert clock.sleeps == [60.0]


def test_rate_limit_longer_than_the_budget_raises_with_retry_after_instead_of_sleeping(client, api, clock):
    api.get(url(ENCODING), status=429, headers={"x-ratelimit-reset": "45"}, json=failure(None, "limit"))

    with pytest.raises(RateLimitedError) as caught:
        client.get_encoding("enc-1")

    assert caught.value.retry_after == 45.0
    assert caught.value.retryable is True
    assert clock.sleeps == []


def test_worker_client_never_sleeps_on_a_429_and_raises_with_retry_after(make_client, api, clock):
    client = make_client(max_rate_limit_wait_s=0)
    api.get(url(ENCODING), status=429, headers={"x-ratelimit-reset": "2"}, json=failure(None, "limit"))

    with pytest.raises(RateLimitedError) as caught:
        client.get_encoding("enc-1")

    assert caught.value.retry_after == 2.0
    assert clock.sleeps == []


def test_rate_limit_without_hints_and_default_budget_raises_with_sixty_seconds(client, api, clock):
    api.get(url(ENCODING), status=429)

    with pytest.raises(RateLimitedError) as caught:
        client.get_encoding("enc-1")

    assert caught.value.retry_after == 60.0
    assert clock.sleeps == []


def test_retry_after_accepts_an_http_date():
    now = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC).timestamp()
    header = format_datetime(datetime(2026, 3, 1, 12, 0, 30, tzinfo=UTC), usegmt=True)

    assert parse_retry_after({"Retry-After": header}, now=now) == 30.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "12"}, 12.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"Retry-After": "-5"}, 0.0),
        ({"Retry-After": "99999999"}, 3600.0),
        ({"Retry-After": "soon"}, 60.0),
        ({"X-RateLimit-Reset": "20"}, 20.0),
        ({"x-ratelimit-reset": str(2_000_000_010)}, 10.0),
        ({"Retry-After": "5", "x-ratelimit-reset": "50"}, 5.0),
        ({}, 60.0),
    ],
)
def test_rate_limit_wait_reads_retry_after_then_reset_then_defaults(headers, expected):
    assert rate_limit_wait(headers, now=2_000_000_000) == expected


def test_rate_limit_reset_ignores_garbage():
    assert parse_rate_limit_reset({"x-ratelimit-reset": "nan"}) is None
    assert parse_rate_limit_reset({"x-ratelimit-reset": "later"}) is None


def test_post_is_resent_after_a_429_because_the_api_refused_it_unprocessed(make_client, api, clock):
    client = make_client()
    api.post(url(ENCODING + "/stop"), status=429, headers={"Retry-After": "2"})
    api.post(url(ENCODING + "/stop"), json=success({"id": "enc-1"}))

    assert client.stop_encoding("enc-1") == "enc-1"
    assert clock.sleeps == [2.0]


def test_before_request_hook_sees_every_attempt_with_a_stable_endpoint_key(make_client, api):
    seen: list[tuple[str, str]] = []
    client = make_client(before_request=lambda method, key: seen.append((method, key)))
    api.get(url(STATUS), status=503)
    api.get(url(STATUS), json=success({"id": "enc-1", "status": "RUNNING"}))
    api.get(url("/encoding/encodings/other/status"), json=success({"id": "other", "status": "QUEUED"}))

    client.get_encoding_status("enc-1")
    client.get_encoding_status("other")

    assert seen == [("GET", "GET /encoding/encodings/{id}/status")] * 3


def test_before_request_hook_can_refuse_a_call_which_propagates_unretried(make_client, api, clock):
    refusals = []

    def refuse(method: str, key: str) -> None:
        refusals.append(key)
        raise RateLimitedError("local budget for this key is used up", retry_after=12.0)

    client = make_client(before_request=refuse)

    with pytest.raises(RateLimitedError) as caught:
        client.list_encodings()

    assert caught.value.retry_after == 12.0
    assert refusals == ["GET /encoding/encodings"]
    assert clock.sleeps == []
    assert len(api.calls) == 0
    assert client.call_counts == {}


def test_any_other_exception_from_the_hook_becomes_a_bitmovin_error(make_client, api):
    def broken(method: str, key: str) -> None:
        raise KeyError("redis key missing")

    client = make_client(before_request=broken)

    with pytest.raises(BitmovinError) as caught:
        client.list_encodings()

    assert isinstance(caught.value.__cause__, KeyError)
    assert "before_request" in str(caught.value)


def test_call_counts_count_http_attempts_by_endpoint_key(client, api):
    api.get(url("/encoding/encodings"), status=502)
    api.get(url("/encoding/encodings"), json=success({"items": []}))
    api.get(url(STATUS), json=success({"id": "enc-1", "status": "RUNNING"}))

    client.list_encodings()
    client.get_encoding_status("enc-1")

    assert client.call_counts == {"GET /encoding/encodings": 2, "GET /encoding/encodings/{id}/status": 1}


def test_after_attempt_hook_is_told_each_attempts_status_or_none_without_an_answer(make_client, api):
    import requests

    seen: list[tuple[str, str, int | None]] = []
    client = make_client(after_attempt=lambda method, key, status: seen.append((method, key, status)))
    api.get(url(STATUS), body=requests.exceptions.ConnectionError("NewConnectionError: refused"))
    api.get(url(STATUS), status=429, headers={"Retry-After": "1"})
    api.get(url(STATUS), json=success({"id": "enc-1", "status": "RUNNING"}))
    api.get(url("/encoding/encodings/missing"), status=404, json=failure(1003, "not found"))

    client.get_encoding_status("enc-1")
    with pytest.raises(BitmovinError):
        client.get_encoding("missing")

    key = "GET /encoding/encodings/{id}/status"
    assert seen == [
        ("GET", key, None),
        ("GET", key, 429),
        ("GET", key, 200),
        ("GET", "GET /encoding/encodings/{id}", 404),
    ]


def test_a_failing_after_attempt_hook_never_fails_the_call(make_client, api):
    def broken(method: str, key: str, status: int | None) -> None:
        raise ConnectionError("the counters' cache is down")

    client = make_client(after_attempt=broken)
    api.get(url(STATUS), json=success({"id": "enc-1", "status": "RUNNING"}))

    assert client.get_encoding_status("enc-1").status == "RUNNING"


def window_headers(limit: str, remaining: str, reset: str) -> dict[str, str]:
    return {"x-ratelimit-limit": limit, "x-ratelimit-remaining": remaining, "x-ratelimit-reset": reset}


def test_the_apis_own_count_is_read_from_its_three_headers():
    assert parse_rate_limit_window(window_headers("60", "17", "42")) == RateLimitWindow(60, 17, 42.0)
    assert parse_rate_limit_window(
        {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1"}
    ) == (RateLimitWindow(60, 0, 1.0))
    epoch = window_headers("600", "599", str(2_000_000_030))
    assert parse_rate_limit_window(epoch, now=2_000_000_000) == RateLimitWindow(600, 599, 30.0)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-ratelimit-limit": "60", "x-ratelimit-remaining": "5"},
        {"x-ratelimit-remaining": "5", "x-ratelimit-reset": "10"},
        window_headers("sixty", "5", "10"),
        window_headers("60", "many", "10"),
        window_headers("60", "5", "soon"),
        window_headers("0", "0", "10"),
        window_headers("60", "61", "10"),
        window_headers("60", "-1", "10"),
        window_headers("60.5", "5", "10"),
        window_headers("60", "²", "10"),
        window_headers("9" * 5000, "5", "10"),
        window_headers("60", "5", "nan"),
        window_headers("60", "5", "-3"),
        window_headers("60", "5", "0"),
    ],
    ids=lambda headers: ",".join(f"{v[:8]}" for v in headers.values()) or "none",
)
def test_absent_or_garbled_rate_limit_headers_say_nothing(headers):
    assert parse_rate_limit_window(headers) is None


def test_rate_limit_seen_hook_is_told_the_apis_count_on_answers_and_on_429s(make_client, api):
    seen: list[tuple[str, str, RateLimitWindow]] = []
    client = make_client(
        rate_limit_seen=lambda method, key, window: seen.append((method, key, window)),
        max_rate_limit_wait_s=0,
    )
    api.get(
        url(STATUS),
        json=success({"id": "enc-1", "status": "RUNNING"}),
        headers=window_headers("6000", "5999", "60"),
    )
    api.get(url(STATUS), status=429, json=failure(8000), headers=window_headers("6000", "0", "12"))
    api.get(url(ENCODING), json=ENCODING_BODY)
    api.get(url(ENCODING), json=ENCODING_BODY, headers=window_headers("60", "oops", "12"))

    client.get_encoding_status("enc-1")
    with pytest.raises(RateLimitedError) as caught:
        client.get_encoding_status("enc-1")
    client.get_encoding("enc-1")
    client.get_encoding("enc-1")

    key = "GET /encoding/encodings/{id}/status"
    assert seen == [
        ("GET", key, RateLimitWindow(6000, 5999, 60.0)),
        ("GET", key, RateLimitWindow(6000, 0, 12.0)),
    ]
    assert caught.value.retry_after == 12.0, "the 429's own wait still comes from x-ratelimit-reset"


def test_a_failing_rate_limit_seen_hook_never_fails_the_call(make_client, api):
    def broken(method: str, key: str, window: RateLimitWindow) -> None:
        raise ConnectionError("cache down")

    client = make_client(rate_limit_seen=broken)
    api.get(url(ENCODING), json=ENCODING_BODY, headers=window_headers("60", "59", "60"))

    assert client.get_encoding("enc-1").id == "enc-1"
