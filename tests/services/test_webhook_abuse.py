"""The webhook endpoint under attack: odd signatures, unsigned floods, probing for organizations, odd ids."""

import hashlib
import hmac
import http.client
import json
import secrets

import pytest
from django.test import Client
from django.views.debug import ExceptionReporter

from encodings_app import crypto
from encodings_app.models import WebhookDelivery
from encodings_app.services import webhooks
from tests.factories import make_organization
from tests.services.test_webhooks import payload, post, sign
from tests.support.web_server import DashboardServer

pytestmark = pytest.mark.django_db

Verdict = WebhookDelivery.Verdict


@pytest.fixture
def source():
    """An address of its own: the per-address counters live in the shared cache and outlive a test run."""
    return f"2001:db8:{secrets.randbelow(0xFFFF):x}:{secrets.randbelow(0xFFFF):x}::7"


def post_from(client, address, slug, body, signature=None):
    headers = {"HTTP_BITMOVIN_SIGNATURE": signature} if signature is not None else {}
    return client.post(
        f"/webhooks/bitmovin/{slug}/",
        data=body,
        content_type="application/json",
        REMOTE_ADDR=address,
        **headers,
    )


# Signatures --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make_signature",
    [
        pytest.param(lambda secret, body: "é" * 128, id="all-non-ascii"),
        pytest.param(lambda secret, body: sign(secret, body)[:-1] + "é", id="last-character-non-ascii"),
        pytest.param(lambda secret, body: "\u2603" + sign(secret, body)[1:], id="first-character-snowman"),
    ],
)
def test_non_ascii_signature_is_refused_with_401_not_a_server_error(
    client, organization, secret, enqueued, make_signature
):
    body = payload()
    response = post(client, "acme", body, make_signature(secret, body))
    assert response.status_code == 401
    assert enqueued == []
    assert WebhookDelivery.objects.get().verdict == Verdict.SIGNATURE_MALFORMED


@pytest.mark.parametrize(
    "make_signature",
    [
        pytest.param(lambda secret, body: sign(secret, body)[:127], id="127-characters"),
        pytest.param(lambda secret, body: sign(secret, body) + "0", id="129-characters"),
        pytest.param(lambda secret, body: "g" * 128, id="128-non-hex"),
        pytest.param(lambda secret, body: " " + sign(secret, body)[1:], id="leading-space"),
        pytest.param(lambda secret, body: "sha512=" + sign(secret, body)[7:], id="prefixed"),
    ],
)
def test_signature_of_the_wrong_shape_is_malformed_and_never_compared(
    client, organization, secret, enqueued, monkeypatch, make_signature
):
    compared = []
    real_compare = hmac.compare_digest
    monkeypatch.setattr(
        webhooks.hmac, "compare_digest", lambda a, b: compared.append((a, b)) or real_compare(a, b)
    )
    body = payload()
    assert post(client, "acme", body, make_signature(secret, body)).status_code == 401
    assert WebhookDelivery.objects.get().verdict == Verdict.SIGNATURE_MALFORMED
    assert compared == []
    assert enqueued == []


def test_uppercase_hex_signature_is_accepted(
    client, organization, secret, enqueued, django_capture_on_commit_callbacks
):
    body = payload()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "acme", body, sign(secret, body).upper())
    assert response.status_code == 200
    assert enqueued == [(organization.pk, "enc-42")]


def test_failure_while_verifying_shows_no_debug_page_and_reports_no_secret(
    organization, secret, settings, monkeypatch, caplog
):
    # Debug mode lists every frame's locals on its error page; this endpoint must never show that page.
    settings.DEBUG = True

    def broken(header):
        raise RuntimeError("verification broke")

    monkeypatch.setattr(webhooks, "signature_digest", broken)
    body = payload()
    response = post(Client(raise_request_exception=False), "acme", body, sign(secret, body))
    assert response.status_code == 500
    assert response.json()["status"] == "error"
    assert secret not in response.content.decode()
    # The error report built from the log record (what an error e-mail carries) hides the secret's locals.
    settings.DEBUG = False
    (record,) = [record for record in caplog.records if record.exc_info]
    report = ExceptionReporter(None, *record.exc_info).get_traceback_text()
    assert "verification broke" in report and "signature_verdict" in report
    assert secret not in report


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_non_ascii_signature_over_real_http_is_401_and_reveals_nothing():
    organization = make_organization("acme")
    secret = organization.ensure_webhook_secret()
    organization.save()
    body = payload()
    server = DashboardServer().start()
    try:
        known = raw_post(server.port, "/webhooks/bitmovin/acme/", body, b"\xe9" * 128)
        unknown = raw_post(server.port, "/webhooks/bitmovin/nobody/", body, b"\xe9" * 128)
    finally:
        server.close()
    assert known[0] == 401
    assert secret.encode() not in known[2]
    assert set(WebhookDelivery.objects.values_list("verdict", flat=True)) == {
        Verdict.SIGNATURE_MALFORMED,
        Verdict.UNKNOWN_ORGANIZATION,
    }
    assert comparable_answer(known) == comparable_answer(unknown)


def raw_post(port: int, path: str, body: bytes, signature: bytes) -> tuple[int, dict, bytes]:
    """POST with a header value sent as raw bytes, as an attacker's client would."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(len(body)))
        connection.putheader("Bitmovin-Signature", signature)
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def comparable_answer(answer: tuple[int, dict, bytes]) -> tuple[int, dict, bytes]:
    status, headers, content = answer
    return status, comparable(headers), content


def comparable(headers) -> dict:
    """Headers that must match between two answers: all but the clock and the per-request id."""
    return {name: value for name, value in dict(headers).items() if name not in ("Date", "X-Request-Id")}


# What is kept ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "signature", [None, "0" * 128, "not a signature"], ids=["unsigned", "wrong", "malformed"]
)
def test_unverified_delivery_keeps_size_hash_and_source_but_no_body(client, organization, source, signature):
    body = json.dumps({"resourceId": "enc-1", "junk": "x" * 5000}).encode()
    assert post_from(client, source, "acme", body, signature).status_code == 401
    delivery = WebhookDelivery.objects.get()
    assert delivery.payload == ""
    assert delivery.body_size == len(body)
    assert delivery.body_sha256 == hashlib.sha256(body).hexdigest()
    assert delivery.remote_addr == source
    assert delivery.event_type == delivery.event_id == delivery.encoding_bitmovin_id == ""


def test_verified_delivery_keeps_its_body(client, organization, secret, enqueued):
    body = payload()
    assert post(client, "acme", body, sign(secret, body)).status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.payload == body.decode()
    assert delivery.body_size == len(body)
    assert delivery.body_sha256 == hashlib.sha256(body).hexdigest()


# Rate limit --------------------------------------------------------------------------------------------


def test_unsigned_flood_from_one_address_is_cut_at_the_limit(client, organization, source, settings):
    settings.WEBHOOK_RATE_LIMIT_PER_MINUTE = 5
    answers = [post_from(client, source, "acme", payload(event_id=f"evt-{n}")) for n in range(12)]
    assert [answer.status_code for answer in answers] == [401] * 5 + [429] * 7
    assert WebhookDelivery.objects.count() == 5
    for refused in answers[5:]:
        assert 1 <= int(refused["Retry-After"]) <= 70  # a window and two 5-s slots at most
        assert refused.json()["status"] == "rejected"


def test_limit_counts_each_address_on_its_own_and_an_ipv6_host_by_its_64(client, organization, settings):
    settings.WEBHOOK_RATE_LIMIT_PER_MINUTE = 2
    prefix = f"2001:db8:{secrets.randbelow(0xFFFF):x}:{secrets.randbelow(0xFFFF):x}"
    # Two hosts in one /64 are one sender; a host in the next /64 is another.
    statuses = [post_from(client, f"{prefix}::{n}", "acme", payload()).status_code for n in (1, 2, 3)]
    assert statuses == [401, 401, 429]
    other_network = f"2001:db8:{secrets.randbelow(0xFFFF):x}:{secrets.randbelow(0xFFFF):x}::1"
    assert post_from(client, other_network, "acme", payload()).status_code == 401


def test_genuine_delivery_over_the_limit_is_refused_with_429_and_nothing_enqueued(
    client, organization, secret, source, enqueued, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RATE_LIMIT_PER_MINUTE = 1
    body = payload()
    with django_capture_on_commit_callbacks(execute=True):
        assert post_from(client, source, "acme", body, sign(secret, body)).status_code == 200
        assert post_from(client, source, "acme", payload(event_id="evt-2")).status_code == 429
    assert len(enqueued) == 1
    assert WebhookDelivery.objects.count() == 1


# Probing for organizations -----------------------------------------------------------------------------


@pytest.mark.parametrize("signature", [None, "0" * 128, "é", sign("guess", b"{}")], ids=str)
def test_unknown_organization_and_bad_signature_get_the_same_answer(client, organization, signature):
    body = payload()
    known = post(client, "acme", body, signature)
    unknown = post(client, "no-such-organization", body, signature)
    assert known.status_code == unknown.status_code == 401
    assert known.content == unknown.content
    assert comparable(known.headers) == comparable(unknown.headers)
    assert WebhookDelivery.objects.filter(organization=None).get().verdict == Verdict.UNKNOWN_ORGANIZATION


def test_organization_without_a_secret_answers_like_any_other_refusal(client, enqueued):
    make_organization("fresh")  # webhooks never registered: no secret to verify with
    body = payload()
    refused = post(client, "fresh", body, sign("anything", body))
    unknown = post(client, "nobody", body, sign("anything", body))
    assert refused.status_code == 401
    assert (refused.content, comparable(refused.headers)) == (unknown.content, comparable(unknown.headers))
    assert enqueued == []


def test_organization_with_an_empty_secret_accepts_nothing_signed_with_an_empty_key(client, enqueued):
    organization = make_organization("blank")
    organization.webhook_secret_encrypted = crypto.encrypt("")
    organization.save()
    body = payload()
    assert post(client, "blank", body, sign("", body)).status_code == 401
    assert WebhookDelivery.objects.get().verdict == Verdict.INVALID
    assert enqueued == []


# Identifiers from the body -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "resource_id", ["enc/42", "../../admin", "enc 42", "enc-42\n", "énc", "x" * 65, 42, ["enc-42"]]
)
def test_signed_notification_with_an_invalid_resource_id_is_malformed_and_enqueues_nothing(
    client, organization, secret, enqueued, django_capture_on_commit_callbacks, resource_id
):
    body = json.dumps(
        {"eventId": "evt-1", "eventType": "ENCODING_FINISHED", "resourceId": resource_id}
    ).encode()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, "acme", body, sign(secret, body))
    assert response.status_code == 400
    assert callbacks == [] and enqueued == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.verdict == Verdict.MALFORMED
    assert delivery.encoding_bitmovin_id == ""
    assert delivery.triggered == "nothing: the resourceId is not a valid Bitmovin id"
