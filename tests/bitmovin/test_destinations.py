"""Where the client may send the key: checked after name resolution, before connecting, over real sockets."""

from __future__ import annotations

import ipaddress

import pytest

from encodings_app.bitmovin import (
    BitmovinClient,
    DestinationNotAllowedError,
    DestinationPolicy,
    InvalidArgumentError,
    ProtocolError,
)
from tests.bitmovin.conftest import API_KEY, success
from tests.support.listener import Listener

LOOPBACK_ALLOWED = DestinationPolicy(allow_loopback=True)
ENVELOPE = b'{"requestId": "req-1", "status": "SUCCESS", "data": {"result": {"id": "enc-1"}}}'


def fetch(base_url: str, destinations: DestinationPolicy | None = None) -> str:
    with BitmovinClient(API_KEY, base_url=base_url, destinations=destinations, max_retries=2) as client:
        return client.get_encoding("enc-1").id


def test_a_loopback_listener_is_refused_by_default_and_never_contacted():
    with Listener(body=ENVELOPE) as listener:
        with pytest.raises(DestinationNotAllowedError) as caught:
            fetch(listener.url + "/v1")

        assert listener.connections == 0
    error = caught.value
    assert "the destination is not allowed" in str(error)
    assert "loopback" in str(error)
    assert API_KEY not in str(error) and API_KEY not in repr(error)
    assert error.retryable is False and error.request_sent is False and error.attempts == 1


def test_a_host_name_that_resolves_to_loopback_is_refused():
    with Listener(body=ENVELOPE) as listener:
        with pytest.raises(DestinationNotAllowedError) as caught:
            fetch(f"http://localhost:{listener.port}/v1")

        assert listener.connections == 0
    assert "localhost resolves to" in str(caught.value)


def test_with_loopback_allowed_the_key_reaches_the_local_listener_once():
    with Listener(body=ENVELOPE, headers={"Content-Type": "application/json"}) as listener:
        assert fetch(f"http://localhost:{listener.port}/v1", LOOPBACK_ALLOWED) == "enc-1"

        assert [item.headers.get("X-Api-Key") for item in listener.received] == [API_KEY]


@pytest.mark.parametrize(
    "host",
    [
        "169.254.169.254",  # cloud metadata
        "10.0.0.1",
        "192.168.1.10",
        "172.16.0.1",
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",  # noqa: S104 - a destination the client must refuse, not a bind
        "224.0.0.1",
        "[::ffff:10.0.0.1]",  # a private address in an IPv6 coat
        "[fe80::1]",
        "[fd00::1]",
    ],
)
def test_private_link_local_unspecified_and_multicast_addresses_stay_refused_with_loopback_allowed(host):
    with pytest.raises(DestinationNotAllowedError):
        fetch(f"http://{host}:8080/v1", LOOPBACK_ALLOWED)


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("8.8.8.8", True),
        ("2a00:1450:4001::1", True),
        ("127.0.0.1", False),
        ("127.3.4.5", False),
        ("::1", False),
        ("::ffff:127.0.0.1", False),
    ],
)
def test_public_addresses_are_allowed_and_loopback_only_on_request(address, allowed):
    verdict = DestinationPolicy().refusal(ipaddress.ip_address(address))
    assert (verdict is None) is allowed
    assert LOOPBACK_ALLOWED.refusal(ipaddress.ip_address(address)) is None


def test_proxy_variables_in_the_environment_are_ignored(monkeypatch):
    with (
        Listener(body=ENVELOPE, headers={"Content-Type": "application/json"}) as api,
        Listener(body=ENVELOPE, headers={"Content-Type": "application/json"}) as proxy,
    ):
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(name, proxy.url)
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)

        assert fetch(api.url + "/v1", LOOPBACK_ALLOWED) == "enc-1"

        assert proxy.connections == 0
        assert len(api.requests_with_header("X-Api-Key")) == 1


def test_a_redirect_is_not_followed_so_the_key_never_reaches_another_host():
    with Listener(body=ENVELOPE) as elsewhere:
        with Listener(status=302, headers={"Location": elsewhere.url + "/v1/steal"}) as api:
            with pytest.raises(ProtocolError):
                fetch(api.url + "/v1", LOOPBACK_ALLOWED)

            assert len(api.received) == 1
        assert elsewhere.connections == 0


@pytest.mark.parametrize(
    "base_url",
    ["ftp://files.example.test/v1", "file:///etc/passwd", "https://user:pass@api.bitmovin.test/v1"],
)
def test_other_schemes_and_credentials_in_the_url_are_refused_without_quoting_it(base_url):
    with pytest.raises(InvalidArgumentError) as caught:
        BitmovinClient(API_KEY, base_url=base_url)

    assert base_url not in str(caught.value)
    assert "pass" not in str(caught.value)


def test_a_session_passed_in_keeps_working_for_fake_transports(make_client, api):
    # The guard lives in the client's own session; unit tests keep mocking the HTTP layer.
    api.get("https://api.bitmovin.test/v1/encoding/encodings/enc-1", json=success({"id": "enc-1"}))
    assert make_client().get_encoding("enc-1").id == "enc-1"
