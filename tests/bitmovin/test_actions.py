"""POST actions are never re-sent blindly; an unanswered start or stop is settled by the status."""

from __future__ import annotations

import pytest
import requests

from encodings_app.bitmovin import (
    ActionOutcomeUnknownError,
    NotFoundError,
    ServiceUnavailableError,
)

from .conftest import failure, success, url

ENCODING = "/encoding/encodings/enc-1"
STATUS = ENCODING + "/status"


def test_start_is_not_resent_after_a_timeout_and_is_confirmed_by_the_status(client, api):
    api.post(url(ENCODING + "/start"), body=requests.exceptions.ReadTimeout("read timed out"))
    api.get(url(STATUS), json=success({"id": "enc-1", "status": "QUEUED"}, "req-status"))

    result = client.start_encoding("enc-1")

    assert result == "enc-1"
    assert result.verified_by_status is True
    assert result.request_id == "req-status"
    assert [call.request.method for call in api.calls] == ["POST", "GET"]


def test_start_after_a_504_with_the_encoding_still_created_reports_it_did_not_take_effect(client, api):
    api.post(url(ENCODING + "/start"), status=504, body="<html>Gateway Timeout</html>")
    api.get(url(STATUS), json=success({"id": "enc-1", "status": "CREATED"}))

    with pytest.raises(ActionOutcomeUnknownError) as caught:
        client.start_encoding("enc-1")

    error = caught.value
    assert error.observed_status == "CREATED"
    assert error.action == "start"
    assert error.resource_id == "enc-1"
    assert isinstance(error.cause, ServiceUnavailableError)
    assert "not taken effect" in str(error)
    assert error.retryable is False
    assert [call.request.method for call in api.calls] == ["POST", "GET"]


def test_stop_after_a_timeout_is_confirmed_by_a_canceled_status(client, api):
    api.post(url(ENCODING + "/stop"), body=requests.exceptions.ReadTimeout("read timed out"))
    api.get(url(STATUS), json=success({"id": "enc-1", "status": "CANCELED"}))

    assert client.stop_encoding("enc-1").verified_by_status is True


def test_stop_after_a_timeout_with_the_encoding_still_running_reports_it(client, api):
    api.post(url(ENCODING + "/stop"), body=requests.exceptions.ConnectionError("Connection aborted."))
    api.get(url(STATUS), json=success({"id": "enc-1", "status": "RUNNING"}))

    with pytest.raises(ActionOutcomeUnknownError) as caught:
        client.stop_encoding("enc-1")

    assert caught.value.observed_status == "RUNNING"
    assert "lost its connection" in str(caught.value)


def test_live_stop_after_a_timeout_is_confirmed_by_a_finished_status(client, api):
    api.post(url(ENCODING + "/live/stop"), body=requests.exceptions.ReadTimeout("read timed out"))
    api.get(url(STATUS), json=success({"id": "enc-1", "status": "FINISHED"}))

    assert client.stop_live_encoding("enc-1").verified_by_status is True


def test_unanswered_stop_with_unreadable_status_says_the_outcome_is_unknown(make_client, api):
    client = make_client(max_retries=0)
    api.post(url(ENCODING + "/stop"), status=504)
    api.get(url(STATUS), status=503)

    with pytest.raises(ActionOutcomeUnknownError) as caught:
        client.stop_encoding("enc-1")

    assert caught.value.observed_status is None
    assert "could not be read" in str(caught.value)


def test_post_that_never_left_is_sent_again(client, api):
    api.post(url(ENCODING + "/start"), body=requests.exceptions.ConnectTimeout("connect timed out"))
    api.post(url(ENCODING + "/start"), json=success({"id": "enc-1"}))

    result = client.start_encoding("enc-1")

    assert result == "enc-1"
    assert result.verified_by_status is False
    assert len(api.calls) == 2


def test_post_answered_with_503_is_raised_without_resending(client, api, clock):
    api.post(url(ENCODING + "/start"), status=503)

    with pytest.raises(ServiceUnavailableError):
        client.start_encoding("enc-1")

    assert len(api.calls) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("call", "path"),
    [
        (lambda c: c.reprioritize_encoding("enc-1", 70), "/reprioritize"),
        (lambda c: c.restart_live_encoding("enc-1"), "/live/restart"),
    ],
)
def test_other_unanswered_actions_report_an_unknown_outcome_without_resending(client, api, call, path):
    api.post(url(ENCODING + path), body=requests.exceptions.ReadTimeout("read timed out"))

    with pytest.raises(ActionOutcomeUnknownError) as caught:
        call(client)

    assert "whether it took effect is unknown" in str(caught.value)
    assert len(api.calls) == 1


def test_webhook_creation_is_not_resent_after_a_timeout(client, api):
    api.post(
        url("/notifications/webhooks/encoding/encodings/finished"),
        body=requests.exceptions.ReadTimeout("read timed out"),
    )

    with pytest.raises(ActionOutcomeUnknownError):
        client.create_webhook("finished", "https://hooks.example/x", "secret-signing-key")

    assert len(api.calls) == 1


def test_delete_that_finds_the_encoding_gone_after_an_unanswered_attempt_succeeds(client, api):
    api.delete(url(ENCODING), status=504)
    api.delete(url(ENCODING), status=404, json=failure(None, "not found", request_id="req-404"))

    result = client.delete_encoding("enc-1")

    assert result == "enc-1"
    assert result.request_id == "req-404"


@pytest.mark.parametrize(
    "first",
    [{"status": 500, "json": failure(1004)}, {"body": "<html>oops</html>", "content_type": "text/html"}],
    ids=["500", "broken-answer"],
)
def test_delete_that_finds_the_encoding_gone_after_an_answer_it_may_have_caused_succeeds(client, api, first):
    api.delete(url(ENCODING), **first)
    api.delete(url(ENCODING), status=404, json=failure(None, "not found", request_id="req-404"))

    assert client.delete_encoding("enc-1") == "enc-1"


def test_delete_of_a_missing_encoding_is_not_found(client, api):
    api.delete(url(ENCODING), status=404, json=failure(None, "not found"))

    with pytest.raises(NotFoundError) as caught:
        client.delete_encoding("enc-1")

    assert caught.value.after_unanswered_attempt is False


def test_delete_after_a_refused_connection_and_404_is_still_not_found(client, api):
    api.delete(url(ENCODING), body=requests.exceptions.ConnectionError("NewConnectionError: refused"))
    api.delete(url(ENCODING), status=404, json=failure(None, "not found"))

    with pytest.raises(NotFoundError):
        client.delete_encoding("enc-1")
