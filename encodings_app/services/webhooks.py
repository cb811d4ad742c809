"""Bitmovin webhooks: verify and record deliveries, and register the organization's webhooks in Bitmovin.

A delivery only ever triggers a refresh of the encoding it names; the refresh reads the API's current state,
so duplicates and deliveries arriving out of order cannot put an old state into the mirror.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass

from django.db import transaction

from encodings_app import crypto
from encodings_app.models import Organization, WebhookDelivery

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Bitmovin-Signature"
MAX_STORED_PAYLOAD = 64 * 1024
# The events the dashboard subscribes to: enough to refresh an encoding whenever it changes.
REGISTERED_EVENTS = ("finished", "error", "transfer-error", "status-changed")


def expected_signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha512).hexdigest()


def signature_verdict(secret: str, body: bytes, header: str | None) -> str:
    if not header:
        return WebhookDelivery.Verdict.MISSING
    # Constant-time comparison; the hex digest is lowercase, a client sending uppercase hex is still accepted.
    if hmac.compare_digest(expected_signature(secret, body), header.strip().lower()):
        return WebhookDelivery.Verdict.VALID
    return WebhookDelivery.Verdict.INVALID


@dataclass(frozen=True)
class Notification:
    event_type: str
    event_id: str
    encoding_id: str


def parse_notification(body: bytes) -> Notification | None:
    """The fields a refresh needs, or None when the body is not a notification about an encoding."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, dict):
        return None
    encoding_id = payload.get("resourceId") or payload.get("triggeredForResourceId")
    if not isinstance(encoding_id, str) or not encoding_id or len(encoding_id) > 64:
        return None
    event_type = payload.get("eventType")
    event_id = payload.get("eventId") or payload.get("id")
    return Notification(
        event_type=event_type if isinstance(event_type, str) else "",
        event_id=event_id if isinstance(event_id, str) else "",
        encoding_id=encoding_id,
    )


def _webhook_secret(organization: Organization) -> str | None:
    if not organization.webhook_secret_encrypted:
        return None
    try:
        return crypto.decrypt(organization.webhook_secret_encrypted)
    except crypto.DecryptionError:
        logger.error("webhook secret of %s cannot be decrypted; deliveries are refused", organization.slug)
        return None


def webhook_receive(
    *, organization: Organization, body: bytes, signature: str | None, remote_addr: str | None
) -> WebhookDelivery:
    """Record one delivery and, when it is genuine and new, enqueue a refresh of its encoding after commit."""
    from encodings_app.tasks import refresh_encoding  # tasks import services; import at call time

    secret = _webhook_secret(organization)
    if secret is None:
        # Without a secret nothing can be verified: webhooks were never registered from here.
        verdict = WebhookDelivery.Verdict.MISSING if not signature else WebhookDelivery.Verdict.INVALID
    else:
        verdict = signature_verdict(secret, body, signature)
    notification = parse_notification(body) if verdict == WebhookDelivery.Verdict.VALID else None
    if verdict == WebhookDelivery.Verdict.VALID and notification is None:
        verdict = WebhookDelivery.Verdict.MALFORMED
    delivery = WebhookDelivery(
        organization=organization,
        verdict=verdict,
        payload=body[:MAX_STORED_PAYLOAD].decode("utf-8", errors="replace"),
        remote_addr=remote_addr,
    )
    if notification is not None:
        delivery.event_type = notification.event_type[:64]
        delivery.event_id = notification.event_id[:100]
        delivery.encoding_bitmovin_id = notification.encoding_id
    with transaction.atomic():
        duplicate_of = None
        if notification is not None and notification.event_id:
            duplicate_of = (
                WebhookDelivery.objects.filter(
                    organization=organization,
                    event_id=notification.event_id,
                    verdict=WebhookDelivery.Verdict.VALID,
                )
                .values_list("pk", flat=True)
                .first()
            )
        if verdict != WebhookDelivery.Verdict.VALID:
            delivery.triggered = "nothing: the delivery was not accepted"
        elif duplicate_of is not None:
            delivery.verdict = WebhookDelivery.Verdict.DUPLICATE
            delivery.triggered = f"nothing: the same notification arrived before (delivery #{duplicate_of})"
        else:
            delivery.triggered = f"refresh of encoding {notification.encoding_id}"
            refresh_encoding.delay_on_commit(organization.pk, notification.encoding_id)
        delivery.save()
    logger.info("webhook delivery for %s: %s, %s", organization.slug, delivery.verdict, delivery.triggered)
    return delivery
