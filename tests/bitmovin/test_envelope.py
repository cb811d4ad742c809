"""Every envelope shape the seed defines, every error class, and every way an answer breaks the contract."""

from __future__ import annotations

import json

import pytest
import requests

from encodings_app.bitmovin import (
    ApiError,
    AuthenticationError,
    BitmovinError,
    ConflictError,
    Encoding,
    InvalidItemError,
    MessageType,
    NotFoundError,
    Page,
    PermissionDeniedError,
    ProtocolError,
    RateLimitedError,
    ResourceId,
    ServerError,
    ServiceUnavailableError,
    Task,
    TransportError,
    ValidationError,
    is_transient,
)
from encodings_app.bitmovin.envelope import decode

from .conftest import failure, load_fixture, page, success, url

ENCODING = "/encoding/encodings/enc-1"


def _json(document: object) -> bytes:
    return json.dumps(document).encode()


def test_success_envelope_returns_result_with_request_id_and_messages(client, api):
    messages = [{"id": "m1", "type": "WARNING", "text": "slow input", "date": "2026-01-01T00:00:00Z"}]
    api.get(url(ENCODING), json=success({"id": "enc-1", "status": "RUNNING"}, "req-42", messages))

    encoding = client.get_encoding("enc-1")

    assert isinstance(encoding, Encoding)
    assert encoding.id == "enc-1"
    assert encoding.request_id == "req-42"
    assert [m.text for m in encoding.response_messages] == ["slow input"]
    assert encoding.response_messages[0].type == MessageType.WARNING


def test_list_envelope_becomes_a_page_with_counts_and_links(client, api):
    api.get(url("/encoding/encodings"), json=load_fixture("encodings_page.json"))

    result = client.list_encodings()

    assert isinstance(result, Page)
    assert [e.id for e in result.items] == ["enc-0", "enc-1", "enc-2"]
    assert (result.offset, result.limit, result.total_count) == (0, 25, 3)
    assert result.next == "https://api.bitmovin.com/v1/encoding/encodings?offset=25&limit=25"
    assert result.previous is None
    assert result.request_id == "0a6c9d2e-0003"
    assert len(result) == 3
    assert [e.id for e in result] == ["enc-0", "enc-1", "enc-2"]


def test_list_without_total_count_reports_none_not_zero(client, api):
    api.get(url("/encoding/encodings"), json=success(page([{"id": "a"}])))

    assert client.list_encodings().total_count is None


def test_action_envelope_returns_the_id_with_its_evidence(client, api):
    api.post(url(ENCODING + "/stop"), json=load_fixture("action_start.json"))

    result = client.stop_encoding("enc-1")

    assert isinstance(result, ResourceId)
    assert result == "cb90b80c-8867-4e3b-8479-174aa2843f62"
    assert result.request_id == "0a6c9d2e-0011"
    assert [m.text for m in result.response_messages] == ["Encoding started"]
    assert result.verified_by_status is False


def test_no_content_answer_to_a_delete_returns_the_requested_id(client, api):
    api.delete(url(ENCODING), status=204)

    assert client.delete_encoding("enc-1") == "enc-1"


def test_error_envelope_keeps_code_messages_links_and_details(client, api):
    api.get(url(ENCODING), status=400, json=load_fixture("error_envelope.json"))

    with pytest.raises(ValidationError) as caught:
        client.get_encoding("enc-1")

    error = caught.value
    assert error.request_id == "5a1c2f0e-err"
    assert error.http_status == 400
    assert error.code == 1000
    assert error.message == "Required attribute missing"
    assert error.developer_message == "The field 'name' of the muxing is required"
    assert error.links[0].href == "https://developer.bitmovin.com/encoding/reference/encoder-errors"
    assert error.details[0].field == "muxings[0].name"
    assert error.details[0].type == MessageType.ERROR
    assert error.endpoint == "GET /encoding/encodings/{id}"
    assert error.retryable is False


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, 1000, ValidationError),
        (400, 1001, ValidationError),
        (401, 1002, AuthenticationError),
        (403, 1003, PermissionDeniedError),
        (404, None, NotFoundError),
        (409, 2021, ConflictError),
        (429, None, RateLimitedError),
        (502, None, ServiceUnavailableError),
        (503, None, ServiceUnavailableError),
        (504, None, ServiceUnavailableError),
        (500, 1004, ServerError),
        (405, 1006, ApiError),
        (422, 1002, AuthenticationError),
        (422, 1001, ValidationError),
        (418, None, ApiError),
    ],
)
def test_error_status_and_code_map_to_the_error_class(status, code, expected):
    with pytest.raises(expected) as caught:
        decode(status, {}, _json(failure(code)))
    assert type(caught.value) is expected
    assert caught.value.http_status == status
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("error_class", "retryable"),
    [
        (RateLimitedError, True),
        (ServiceUnavailableError, True),
        (TransportError, True),
        (ServerError, True),
        (ProtocolError, True),
        (NotFoundError, False),
        (ValidationError, False),
        (AuthenticationError, False),
        (PermissionDeniedError, False),
        (InvalidItemError, False),
    ],
)
def test_retryable_says_whether_a_later_retry_can_help(error_class, retryable):
    assert error_class("x").retryable is retryable
    assert is_transient(error_class("x")) is retryable


def test_only_bitmovin_errors_are_transient():
    assert is_transient(ValueError("x")) is False
    assert is_transient(ProtocolError("x", retryable=False)) is False


def test_a_redirect_is_not_transient():
    with pytest.raises(ProtocolError) as caught:
        decode(302, {"Location": "https://elsewhere.test/"}, b"")
    assert not is_transient(caught.value)


def test_every_error_class_is_a_bitmovin_error():
    for error_class in (ApiError, ProtocolError, TransportError, RateLimitedError, ValidationError):
        assert issubclass(error_class, BitmovinError)


def test_rate_limited_error_always_carries_retry_after():
    with pytest.raises(RateLimitedError) as caught:
        decode(429, {}, b"")
    assert caught.value.retry_after == 60.0


def test_gateway_html_page_with_502_is_service_unavailable_and_keeps_an_excerpt():
    body = b"<html><body><h1>502 Bad Gateway</h1>" + b"x" * 5000 + b"</body></html>"

    with pytest.raises(ServiceUnavailableError) as caught:
        decode(502, {"Content-Type": "text/html"}, body)

    assert caught.value.body_excerpt.startswith("<html><body><h1>502 Bad Gateway</h1>")
    assert len(caught.value.body_excerpt) < 200
    assert "<html>" not in str(caught.value)


PROTOCOL_BREAKS = {
    "html_gateway_page_with_200": (200, b"<!DOCTYPE html><html><body>Gateway</body></html>"),
    "truncated_json": (200, b'{"requestId": "r1", "status": "SUCCESS", "data": {"result": {"id": "enc-1"'),
    "empty_body": (200, b""),
    "invalid_utf8": (200, b"\xff\xfe\x00garbage"),
    "json_array": (200, b"[1, 2, 3]"),
    "json_string": (200, b'"SUCCESS"'),
    "missing_request_id": (200, b'{"status": "SUCCESS", "data": {"result": {"id": "enc-1"}}}'),
    "missing_status": (200, b'{"requestId": "r1", "data": {"result": {"id": "enc-1"}}}'),
    "unknown_status": (200, b'{"requestId": "r1", "status": "MAYBE", "data": {"result": {"id": "enc-1"}}}'),
    "error_status_with_http_200": (200, _json(failure(1000, "bad", request_id="r1"))),
    "success_without_data": (200, b'{"requestId": "r1", "status": "SUCCESS"}'),
    "success_with_data_not_object": (200, b'{"requestId": "r1", "status": "SUCCESS", "data": [1]}'),
    "redirect": (302, b""),
}


@pytest.mark.parametrize("case", sorted(PROTOCOL_BREAKS))
def test_contract_break_raises_protocol_error(case):
    status, body = PROTOCOL_BREAKS[case]
    with pytest.raises(ProtocolError) as caught:
        decode(status, {"Content-Type": "text/html"}, body, endpoint="GET /encoding/encodings/{id}")
    assert caught.value.endpoint == "GET /encoding/encodings/{id}"


def test_error_status_with_http_200_keeps_the_api_evidence():
    with pytest.raises(ProtocolError) as caught:
        decode(200, {}, _json(failure(2021, "cannot delete", request_id="r-200")))
    assert caught.value.request_id == "r-200"
    assert caught.value.code == 2021
    assert "cannot delete" in str(caught.value)


CALLS = {
    "get_encoding": ("GET", ENCODING, lambda client: client.get_encoding("enc-1")),
    "list_encodings": ("GET", "/encoding/encodings", lambda client: client.list_encodings()),
    "stop_encoding": ("POST", ENCODING + "/stop", lambda client: client.stop_encoding("enc-1")),
}


@pytest.mark.parametrize(
    ("result", "call"),
    [
        ([1, 2], "get_encoding"),
        ("text", "get_encoding"),
        (None, "get_encoding"),
        ({"name": "no id"}, "get_encoding"),
        ({"id": ""}, "get_encoding"),
        ({"items": "nope"}, "list_encodings"),
        ({"items": [{"id": "a"}, 3]}, "list_encodings"),
        ({"status": "FINISHED"}, "stop_encoding"),
    ],
)
def test_result_of_the_wrong_shape_raises_protocol_error_with_request_id(client, api, result, call):
    method, path, invoke = CALLS[call]
    api.add(method, url(path), json=success(result, "req-shape"))

    with pytest.raises(ProtocolError) as caught:
        invoke(client)

    assert caught.value.request_id == "req-shape"


def test_protocol_error_text_shows_only_a_short_excerpt_of_the_body():
    body = b"<html>" + b"A" * 10_000 + b"</html>"
    with pytest.raises(ProtocolError) as caught:
        decode(200, {"Content-Type": "text/html"}, body)
    text = str(caught.value)
    assert "body starts:" in text
    assert len(text) < 400
    assert "text/html" in text


def test_redirect_is_not_followed(client, api):
    api.get(url(ENCODING), status=302, headers={"Location": "https://elsewhere.example/steal"})

    with pytest.raises(ProtocolError) as caught:
        client.get_encoding("enc-1")

    assert "302" in str(caught.value)
    assert len(api.calls) == 1


@pytest.mark.parametrize(
    ("exception", "kind", "sent"),
    [
        (
            requests.exceptions.ConnectionError(
                "HTTPSConnectionPool: NewConnectionError: Connection refused"
            ),
            "connect",
            False,
        ),
        (requests.exceptions.ConnectionError("NameResolutionError: Failed to resolve"), "dns", False),
        (requests.exceptions.ConnectTimeout("connect timed out"), "connect_timeout", False),
        (requests.exceptions.ReadTimeout("read timed out"), "read_timeout", True),
        (requests.exceptions.SSLError("certificate verify failed"), "tls", False),
        (
            requests.exceptions.ConnectionError("Connection aborted. RemoteDisconnected"),
            "connection_lost",
            True,
        ),
        (requests.exceptions.ChunkedEncodingError("incomplete read"), "connection_lost", True),
    ],
)
def test_network_failures_become_transport_errors(make_client, api, exception, kind, sent):
    client = make_client(max_retries=0)
    api.get(url(ENCODING), body=exception)

    with pytest.raises(TransportError) as caught:
        client.get_encoding("enc-1")

    assert caught.value.kind == kind
    assert caught.value.request_sent is sent
    assert caught.value.retryable is True
    assert caught.value.endpoint == "GET /encoding/encodings/{id}"


def test_any_exception_from_the_http_stack_becomes_a_transport_error(make_client):
    class BrokenSession:
        def request(self, *args, **kwargs):
            raise RuntimeError("socket layer exploded")

    client = make_client(session=BrokenSession(), max_retries=0)

    with pytest.raises(TransportError) as caught:
        client.get_encoding("enc-1")

    assert caught.value.kind == "other"
    assert "RuntimeError" in str(caught.value)


def test_task_status_answer_parses_into_a_task(client, api):
    api.get(url(ENCODING + "/status"), json=load_fixture("task_with_subtasks.json"))

    task = client.get_encoding_status("enc-1")

    assert isinstance(task, Task)
    assert task.request_id == "0a6c9d2e-0002"
    assert task.error.code == 2204
    assert [m.text for m in task.error_messages] == ["Encoding failed"]
