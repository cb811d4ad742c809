"""POST /webhooks/bitmovin/<organization>/: the signature matrix, recording, deduplication, enqueueing."""

import hashlib
import hmac
import json

import pytest
from django.test import Client

from encodings_app import crypto
from encodings_app.models import WebhookDelivery
from tests.factories import make_organization

pytestmark = pytest.mark.django_db


def payload(event_id="evt-1", encoding_id="enc-42", event_type="ENCODING_FINISHED") -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "eventId": event_id,
            "resourceId": encoding_id,
            "resourceType": "ENCODING",
            "type": "WEBHOOK",
            "eventType": event_type,
            "category": "ENCODING",
            "state": "FIRED",
            "encodingStatus": {"type": "Encoding", "progress": 100, "status": "FINISHED"},
        }
    ).encode()


def sign(secret: str, body: bytes, digest=hashlib.sha512) -> str:
    return hmac.new(secret.encode(), body, digest).hexdigest()


def post(client, slug, body, signature=None):
    headers = {"HTTP_BITMOVIN_SIGNATURE": signature} if signature is not None else {}
    return client.post(f"/webhooks/bitmovin/{slug}/", data=body, content_type="application/json", **headers)


def test_valid_signature_is_recorded_and_enqueues_a_refresh_after_commit(
    client, organization, secret, enqueued, django_capture_on_commit_callbacks
):
    body = payload()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, "acme", body, sign(secret, body))
    assert response.status_code == 200
    assert len(callbacks) == 1
    assert enqueued == [(organization.pk, "enc-42")]
    delivery = WebhookDelivery.objects.get()
    assert delivery.verdict == WebhookDelivery.Verdict.VALID
    assert delivery.event_type == "ENCODING_FINISHED"
    assert delivery.encoding_bitmovin_id == "enc-42"
    assert delivery.triggered == "refresh of encoding enc-42"


def test_a_burst_of_notifications_about_one_encoding_queues_one_refresh(
    client, organization, secret, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(5):
            body = payload(event_id=f"evt-{number}", event_type="ENCODING_STATUS_CHANGED")
            assert post(client, "acme", body, sign(secret, body)).status_code == 200
    assert enqueued == [(organization.pk, "enc-42")]
    triggered = list(WebhookDelivery.objects.order_by("pk").values_list("triggered", flat=True))
    assert triggered[0] == "refresh of encoding enc-42"
    assert all("already queued" in later for later in triggered[1:])


@pytest.mark.parametrize(
    "make_signature",
    [
        pytest.param(
            lambda secret, body: sign(secret, body)[:-1] + ("0" if sign(secret, body)[-1] != "0" else "1"),
            id="one-character-changed",
        ),
        pytest.param(lambda secret, body: sign("wrong-secret", body), id="wrong-secret"),
        pytest.param(lambda secret, body: sign(secret, body, hashlib.sha256), id="sha256-instead-of-sha512"),
        pytest.param(lambda secret, body: "", id="empty-header"),
    ],
)
def test_bad_signature_is_refused_recorded_and_enqueues_nothing(
    client, organization, secret, enqueued, django_capture_on_commit_callbacks, make_signature
):
    body = payload()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "acme", body, make_signature(secret, body))
    assert response.status_code == 401
    assert enqueued == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.verdict in (
        WebhookDelivery.Verdict.INVALID,
        WebhookDelivery.Verdict.MISSING,
        WebhookDelivery.Verdict.SIGNATURE_MALFORMED,  # a SHA-256 digest is 64 hex characters, not 128
    )
    assert delivery.triggered.startswith("nothing")


def test_body_changed_after_signing_is_refused(client, organization, secret, enqueued):
    body = payload()
    signature = sign(secret, body)
    tampered = body.replace(b"enc-42", b"enc-43")
    assert post(client, "acme", tampered, signature).status_code == 401
    assert enqueued == []


def test_missing_signature_header_is_refused(client, organization, enqueued):
    response = post(client, "acme", payload())
    assert response.status_code == 401
    assert WebhookDelivery.objects.get().verdict == WebhookDelivery.Verdict.MISSING


def test_another_organizations_secret_is_refused(client, organization, enqueued):
    other = make_organization("globex")
    other.ensure_webhook_secret()
    other.save()
    body = payload()
    response = post(client, "acme", body, sign(crypto.decrypt(other.webhook_secret_encrypted), body))
    assert response.status_code == 401
    assert enqueued == []


def test_duplicate_delivery_is_recorded_but_enqueues_nothing_more(
    client, organization, secret, enqueued, django_capture_on_commit_callbacks
):
    body = payload(event_id="evt-7")
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "acme", body, sign(secret, body)).status_code == 200
        assert post(client, "acme", body, sign(secret, body)).status_code == 200
    assert len(enqueued) == 1
    verdicts = list(WebhookDelivery.objects.order_by("pk").values_list("verdict", flat=True))
    assert verdicts == [WebhookDelivery.Verdict.VALID, WebhookDelivery.Verdict.DUPLICATE]


def test_signed_body_that_is_not_a_notification_is_refused_with_400(client, organization, secret, enqueued):
    for body in (b"not json", b"[1, 2]", json.dumps({"eventType": "ENCODING_FINISHED"}).encode()):
        assert post(client, "acme", body, sign(secret, body)).status_code == 400
    assert enqueued == []
    assert set(WebhookDelivery.objects.values_list("verdict", flat=True)) == {
        WebhookDelivery.Verdict.MALFORMED
    }


def test_unknown_organization_is_refused_like_a_bad_signature_and_keeps_no_body(client, organization):
    assert post(client, "nobody", payload(), "x").status_code == 401
    delivery = WebhookDelivery.objects.get()
    assert delivery.verdict == WebhookDelivery.Verdict.UNKNOWN_ORGANIZATION
    assert delivery.organization is None and delivery.payload == ""


def test_webhook_endpoint_needs_no_login_or_csrf_token(organization, secret, enqueued):
    strict = Client(enforce_csrf_checks=True)
    body = payload()
    assert post(strict, "acme", body, sign(secret, body)).status_code == 200


def test_get_is_not_allowed(client, organization):
    assert client.get("/webhooks/bitmovin/acme/").status_code == 405
