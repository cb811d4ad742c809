"""The API key never shows: not in errors, not in the client's repr, not in logs, not in debugging dumps."""

from __future__ import annotations

import json
import logging
import pickle
import traceback

import pytest
import requests

from encodings_app.bitmovin import (
    ActionOutcomeUnknownError,
    AuthenticationError,
    BitmovinError,
    ProtocolError,
    TransportError,
)
from encodings_app.bitmovin.redact import Secret, mask_secret

from .conftest import API_KEY, failure, success, url

ENCODING = "/encoding/encodings/enc-1"


def _everything_printable(error: BaseException) -> str:
    """All the text a log handler, an error page or a crash reporter could produce from an exception."""
    parts = [str(error), repr(error), repr(error.args), "".join(traceback.format_exception(error))]
    parts += [repr(value) for value in vars(error).values()]
    return "\n".join(parts)


def test_key_never_appears_in_exception_text_even_when_the_api_echoes_it(client, api):
    echoed = failure(
        1002,
        f"Invalid API key {API_KEY}",
        developer_message=f"key {API_KEY} is unknown",
        details=[{"id": "d", "type": "ERROR", "text": f"no tenant for {API_KEY}"}],
        links=[{"href": f"https://example.test/?key={API_KEY}", "title": API_KEY}],
    )
    api.get(url(ENCODING), status=401, json=echoed)

    with pytest.raises(AuthenticationError) as caught:
        client.get_encoding("enc-1")

    text = _everything_printable(caught.value)
    assert API_KEY not in text
    assert "Invalid API key ****9106" in str(caught.value)


def test_key_never_appears_in_a_protocol_error_excerpt(client, api):
    api.get(url(ENCODING), body=f"<html>debug page: X-Api-Key={API_KEY}</html>", content_type="text/html")

    with pytest.raises(ProtocolError) as caught:
        client.get_encoding("enc-1")

    assert "debug page" in str(caught.value)
    assert API_KEY not in _everything_printable(caught.value)


def test_key_never_appears_in_a_transport_error(make_client, api):
    client = make_client(max_retries=0)
    api.get(url(ENCODING), body=requests.exceptions.ConnectionError(f"proxy said: bad key {API_KEY}"))

    with pytest.raises(TransportError) as caught:
        client.get_encoding("enc-1")

    assert API_KEY not in _everything_printable(caught.value)


def test_transport_error_does_not_chain_the_library_exception_that_holds_the_headers(make_client, api):
    client = make_client(max_retries=0)
    api.get(url(ENCODING), body=requests.exceptions.ReadTimeout("read timed out"))

    with pytest.raises(TransportError) as caught:
        client.get_encoding("enc-1")

    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


def test_key_never_appears_in_an_action_outcome_error(client, api):
    api.post(url(ENCODING + "/stop"), status=504, body=f"gateway {API_KEY}")
    api.get(url(ENCODING + "/status"), status=404, json=failure(None, f"who is {API_KEY}"))

    with pytest.raises(ActionOutcomeUnknownError) as caught:
        client.stop_encoding("enc-1")

    assert API_KEY not in _everything_printable(caught.value)
    assert API_KEY not in _everything_printable(caught.value.cause)


def test_client_repr_and_debugging_dumps_mask_the_key(make_client):
    client = make_client(tenant_org_id="org-1")

    assert repr(client) == (
        "BitmovinClient(base_url='https://api.bitmovin.test/v1', api_key='****9106', tenant_org_id='org-1')"
    )
    assert API_KEY not in repr(vars(client))
    assert API_KEY not in repr(vars(client._transport))
    assert API_KEY not in repr(client._transport.session.headers)
    assert API_KEY not in str(client)


def test_key_never_appears_in_log_output(make_client, api, caplog):
    client = make_client(max_retries=1)
    api.get(url(ENCODING), status=503, json=failure(None, f"down {API_KEY}"))
    api.get(url(ENCODING), json=success({"id": "enc-1"}, "req-log"))
    api.get(url("/encoding/encodings/enc-2"), status=401, json=failure(1002, f"bad {API_KEY}"))
    api.get(url("/encoding/encodings/enc-3"), body=requests.exceptions.ConnectTimeout(API_KEY))
    api.get(url("/encoding/encodings/enc-3"), body=requests.exceptions.ConnectTimeout(API_KEY))

    with caplog.at_level(logging.DEBUG, logger="encodings_app.bitmovin"):
        client.get_encoding("enc-1")
        with pytest.raises(BitmovinError):
            client.get_encoding("enc-2")
        with pytest.raises(BitmovinError):
            client.get_encoding("enc-3")

    assert caplog.records
    assert API_KEY not in caplog.text
    assert all(API_KEY not in json.dumps(record.__dict__, default=repr) for record in caplog.records)


def test_logs_name_method_endpoint_status_request_id_and_duration_but_no_body(client, api, caplog):
    api.get(url(ENCODING), json=success({"id": "enc-1", "name": "Secret Project Name"}, "req-77"))

    with caplog.at_level(logging.DEBUG, logger="encodings_app.bitmovin"):
        client.get_encoding("enc-1")

    line = caplog.records[-1].getMessage()
    assert "GET /encoding/encodings/{id}" in line
    assert "HTTP 200" in line
    assert "req-77" in line
    assert " s " in line
    assert "Secret Project Name" not in caplog.text


def test_errors_survive_pickling_with_their_evidence(client, api):
    api.get(url(ENCODING), status=401, json=failure(1002, "bad key", request_id="req-p"))

    with pytest.raises(AuthenticationError) as caught:
        client.get_encoding("enc-1")

    copy = pickle.loads(pickle.dumps(caught.value))  # noqa: S301 - our own object, round-tripped
    assert type(copy) is AuthenticationError
    assert (copy.request_id, copy.http_status, copy.code) == ("req-p", 401, 1002)
    assert str(copy) == str(caught.value)


def test_a_secret_refuses_to_be_pickled():
    with pytest.raises(TypeError):
        pickle.dumps(Secret(API_KEY))


@pytest.mark.parametrize(
    ("secret", "masked"),
    [(API_KEY, "****9106"), ("short-key-123", "****"), ("", "<unset>"), (None, "<unset>")],
)
def test_mask_shows_at_most_the_last_four_characters_of_long_keys(secret, masked):
    assert mask_secret(secret) == masked


def test_account_information_masks_the_api_key_values_it_returns(client, api):
    other_key = "0123456789abcdef0123456789abcdef"
    api.get(
        url("/account/information"),
        json=success({"id": "acc", "email": "a@b.c", "apiKeys": [{"id": "k", "value": other_key}]}),
    )

    info = client.get_account_information()

    assert info.api_keys[0].masked_value == "****cdef"
    assert other_key not in repr(info)
    assert other_key not in json.dumps(info.raw)
