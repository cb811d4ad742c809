"""Retries of idempotent requests: which errors, how often, how long to wait, and the time budget."""

from __future__ import annotations

import random

import pytest
import requests

from encodings_app.bitmovin import (
    AuthenticationError,
    BitmovinError,
    NotFoundError,
    PermissionDeniedError,
    ProtocolError,
    RetryPolicy,
    ServiceUnavailableError,
    TransportError,
    ValidationError,
)

from .conftest import failure, success, url

ENCODING = "/encoding/encodings/enc-1"
ENCODING_BODY = success({"id": "enc-1", "status": "RUNNING"})


def test_get_retries_503_then_succeeds(client, api, clock):
    api.get(url(ENCODING), status=503, json=failure(None, "maintenance"))
    api.get(url(ENCODING), status=503, json=failure(None, "maintenance"))
    api.get(url(ENCODING), json=ENCODING_BODY)

    assert client.get_encoding("enc-1").id == "enc-1"
    assert clock.sleeps == [0.5, 1.0]


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_get_retries_each_retryable_status(make_client, api, status):
    client = make_client(retry_budget_s=300)
    api.get(url(ENCODING), status=status, headers={"Retry-After": "1"})
    api.get(url(ENCODING), json=ENCODING_BODY)

    assert client.get_encoding("enc-1").id == "enc-1"
    assert len(api.calls) == 2


def test_get_retries_transport_errors(client, api, clock):
    api.get(url(ENCODING), body=requests.exceptions.ConnectionError("NewConnectionError: refused"))
    api.get(url(ENCODING), body=requests.exceptions.ReadTimeout("read timed out"))
    api.get(url(ENCODING), json=ENCODING_BODY)

    assert client.get_encoding("enc-1").id == "enc-1"
    assert len(clock.sleeps) == 2


def test_delete_is_retried_like_a_get(client, api):
    api.delete(url(ENCODING), status=502)
    api.delete(url(ENCODING), json=success({"id": "enc-1"}))

    assert client.delete_encoding("enc-1") == "enc-1"


def test_backoff_is_exponential_and_capped(make_client, api, clock):
    client = make_client(max_retries=6, backoff_base_s=1.0, backoff_max_s=5.0, retry_budget_s=1000)
    for _ in range(6):
        api.get(url(ENCODING), status=504)
    api.get(url(ENCODING), json=ENCODING_BODY)

    client.get_encoding("enc-1")

    assert clock.sleeps == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0]


def test_backoff_uses_full_jitter_between_zero_and_the_ceiling():
    policy = RetryPolicy(max_retries=10, backoff_base_s=0.5, backoff_max_s=8.0)
    rng = random.Random(1234)

    waits = [policy.backoff(n, rng) for n in range(10) for _ in range(50)]

    ceilings = [min(8.0, 0.5 * 2**n) for n in range(10) for _ in range(50)]
    assert all(0.0 <= wait <= ceiling for wait, ceiling in zip(waits, ceilings, strict=True))
    assert len({round(wait, 6) for wait in waits}) > 400


def test_get_gives_up_after_max_retries_with_the_last_error(make_client, api, clock):
    client = make_client(max_retries=2)
    for _ in range(3):
        api.get(url(ENCODING), status=503, json=failure(None, "still down", request_id="req-last"))

    with pytest.raises(ServiceUnavailableError) as caught:
        client.get_encoding("enc-1")

    assert caught.value.request_id == "req-last"
    assert caught.value.attempts == 3
    assert len(clock.sleeps) == 2


def test_retries_stop_when_the_next_wait_would_pass_the_budget(make_client, api, clock):
    client = make_client(max_retries=10, backoff_base_s=4.0, backoff_max_s=100.0, retry_budget_s=10.0)
    api.get(url(ENCODING), status=503)
    api.get(url(ENCODING), status=503)

    with pytest.raises(ServiceUnavailableError):
        client.get_encoding("enc-1")

    assert clock.sleeps == [4.0]
    assert sum(clock.sleeps) <= 10.0


def test_slow_attempts_count_against_the_budget(make_client, api, clock):
    client = make_client(retry_budget_s=20.0)

    def slow_timeout(request):
        clock.now += 19.9
        raise requests.exceptions.ReadTimeout("read timed out")

    api.add_callback("GET", url(ENCODING), callback=slow_timeout)

    with pytest.raises(TransportError):
        client.get_encoding("enc-1")

    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("status", "error_class"),
    [(400, ValidationError), (401, AuthenticationError), (403, PermissionDeniedError), (404, NotFoundError)],
)
def test_errors_that_a_retry_cannot_fix_are_not_retried(client, api, clock, status, error_class):
    api.get(url(ENCODING), status=status, json=failure(1000))

    with pytest.raises(error_class):
        client.get_encoding("enc-1")

    assert len(api.calls) == 1
    assert clock.sleeps == []


def test_get_retries_a_500_then_succeeds(client, api, clock):
    api.get(url(ENCODING), status=500, json=failure(1004, "Undefined Error"))
    api.get(url(ENCODING), json=ENCODING_BODY)

    assert client.get_encoding("enc-1").id == "enc-1"
    assert clock.sleeps == [0.5]


@pytest.mark.parametrize(
    "broken",
    [
        {"body": "<html>oops</html>", "content_type": "text/html"},
        {"body": '{"requestId": "r", "status": "SUCC', "content_type": "application/json"},
        {"body": "upstream connect error", "content_type": "text/plain"},
    ],
    ids=["html", "truncated", "not-json"],
)
def test_get_reads_again_after_an_answer_broken_on_its_way(client, api, clock, broken):
    api.get(url(ENCODING), **broken)
    api.get(url(ENCODING), json=ENCODING_BODY)

    assert client.get_encoding("enc-1").id == "enc-1"
    assert len(api.calls) == 2


def test_an_answer_that_stays_broken_ends_with_a_protocol_error_that_is_still_transient(client, api):
    for _ in range(4):
        api.get(url(ENCODING), body="<html>oops</html>", content_type="text/html")

    with pytest.raises(ProtocolError) as caught:
        client.get_encoding("enc-1")

    assert caught.value.attempts == 4
    assert caught.value.retryable is True


def test_a_result_of_the_wrong_shape_is_not_read_again(client, api):
    api.get(url(ENCODING), json=success(["not", "an", "object"]))

    with pytest.raises(ProtocolError) as caught:
        client.get_encoding("enc-1")

    assert len(api.calls) == 1
    assert caught.value.retryable is False


@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_post_is_never_sent_twice_after_an_answer_it_may_have_caused(client, api, status):
    api.post(url(ENCODING + "/reprioritize"), status=status, json=failure(1004))

    with pytest.raises(BitmovinError):
        client.reprioritize_encoding("enc-1", 10)

    assert len(api.calls) == 1


def test_a_post_is_never_sent_twice_after_a_broken_answer(client, api):
    api.post(url(ENCODING + "/reprioritize"), body="<html>oops</html>", content_type="text/html")

    with pytest.raises(ProtocolError):
        client.reprioritize_encoding("enc-1", 10)

    assert len(api.calls) == 1


def test_a_bad_base_url_is_not_retried(make_client, clock):
    client = make_client(base_url="http://")

    with pytest.raises(TransportError) as caught:
        client.get_encoding("enc-1")

    assert caught.value.kind == "invalid_url"
    assert caught.value.retryable is False
    assert clock.sleeps == []
