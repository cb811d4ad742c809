"""Bitmovin webhooks: verify and record deliveries, and limit how often one address may post. Registering
the webhooks in Bitmovin is webhooks_register in services/organizations.py, for the REGISTERED_EVENTS below.

A delivery only ever triggers a refresh of the encoding it names; the refresh reads the API's current state,
so duplicates and deliveries arriving out of order cannot put an old state into the mirror.

The endpoint needs no login, so anything may arrive. Whatever does not verify (no signature, a malformed or
wrong one, an organization that does not exist) is recorded by its verdict, size, SHA-256 and source only,
and costs about the same work as a wrong signature for a real organization: the answer and its timing do not
tell which organizations exist.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from encodings_app import crypto
from encodings_app.bitmovin.ids import is_valid_id
from encodings_app.models import Organization, WebhookDelivery
from encodings_app.models.choices import REGISTERED_WEBHOOK_EVENTS
from encodings_app.services.ratelimit import WindowSpend, window_spend
from encodings_app.services.refresh_outbox import refresh_drain_soon, refresh_request

logger = logging.getLogger(__name__)

Verdict = WebhookDelivery.Verdict

SIGNATURE_HEADER = "Bitmovin-Signature"
MAX_STORED_PAYLOAD = 64 * 1024
# The events the dashboard subscribes to (declared with the models, which tell whose webhooks work).
REGISTERED_EVENTS = REGISTERED_WEBHOOK_EVENTS
# Bitmovin signs with HMAC-SHA512 and sends the digest in hex: 64 bytes, 128 characters, either case.
_SIGNATURE_FORMAT = re.compile(r"[0-9A-Fa-f]{128}")
# Stands in for the secret of an organization that has none (or does not exist), so the work is the same.
_STAND_IN_SECRET = secrets.token_bytes(32)
VERIFIED_VERDICTS = frozenset({Verdict.VALID, Verdict.DUPLICATE, Verdict.MALFORMED})


# Verification ------------------------------------------------------------------------------------------


def signature_digest(header: str | None) -> bytes | None:
    """The 64 bytes a well-formed header carries; None for any other header (length, not hex, not ASCII)."""
    if header is None or not _SIGNATURE_FORMAT.fullmatch(header):
        return None
    return bytes.fromhex(header)


@sensitive_variables("secret", "key", "expected")
def signature_verdict(secret: str | None, body: bytes, header: str | None) -> str:
    """VALID, MISSING, SIGNATURE_MALFORMED or INVALID; without a secret (None or empty) nothing verifies."""
    # The HMAC is computed before looking at the header, with a stand-in key when there is no secret, so
    # that every verdict costs the same work for the same body.
    key = secret.encode() if secret else _STAND_IN_SECRET
    expected = hmac.new(key, body, hashlib.sha512).digest()
    if not header:
        return Verdict.MISSING
    received = signature_digest(header)
    if received is None:
        return Verdict.SIGNATURE_MALFORMED
    if secret and hmac.compare_digest(expected, received):
        return Verdict.VALID
    return Verdict.INVALID


@sensitive_variables("secret")
def _webhook_secret(organization: Organization | None) -> str | None:
    if organization is None or not organization.webhook_secret_encrypted:
        return None
    try:
        secret = crypto.decrypt(organization.webhook_secret_encrypted)
    except crypto.DecryptionError:
        logger.error("webhook secret of %s cannot be decrypted; deliveries are refused", organization.slug)
        return None
    return secret


# Notifications -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notification:
    event_type: str
    event_id: str
    encoding_id: str


class NotANotification(ValueError):
    """The signed body cannot be used; the message says why in plain words."""


def parse_notification(body: bytes) -> Notification:
    """The fields a refresh needs; NotANotification when the body is not a notification about an encoding."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise NotANotification("the body is not JSON") from None
    if not isinstance(payload, dict):
        raise NotANotification("the body is not a JSON object")
    encoding_id = payload.get("resourceId") or payload.get("triggeredForResourceId")
    if encoding_id is None or encoding_id == "":
        raise NotANotification("the body names no encoding (no resourceId)")
    # The id goes into a task, the mirror, log lines and links: it must follow the one rule for ids.
    if not is_valid_id(encoding_id):
        raise NotANotification("the resourceId is not a valid Bitmovin id")
    event_type = payload.get("eventType")
    event_id = payload.get("eventId") or payload.get("id")
    return Notification(
        event_type=event_type[:64] if isinstance(event_type, str) else "",
        event_id=event_id[:100] if isinstance(event_id, str) else "",
        encoding_id=encoding_id,
    )


# Receiving ---------------------------------------------------------------------------------------------


@sensitive_variables("secret")
def webhook_receive(
    *, organization_slug: str, body: bytes, signature: str | None, remote_addr: str | None
) -> WebhookDelivery:
    """Record one delivery and, when it is genuine and new, ask for a refresh of its encoding in the same
    transaction (services/refresh_outbox.py): once recorded, nothing the broker does can lose it."""
    organization = Organization.objects.filter(slug=organization_slug).first()
    secret = _webhook_secret(organization)
    verdict = signature_verdict(secret, body, signature)
    if organization is None:
        verdict = Verdict.UNKNOWN_ORGANIZATION
    delivery = WebhookDelivery(
        organization=organization,
        verdict=verdict,
        body_size=len(body),
        body_sha256=hashlib.sha256(body).hexdigest(),
        remote_addr=remote_addr,
        triggered="nothing: the delivery was not accepted",
    )
    notification = None
    if verdict == Verdict.VALID:
        # Only a body signed with the organization's secret is kept, and only this much of it.
        delivery.payload = body[:MAX_STORED_PAYLOAD].decode("utf-8", errors="replace")
        try:
            notification = parse_notification(body)
        except NotANotification as problem:
            delivery.verdict = Verdict.MALFORMED
            delivery.triggered = f"nothing: {problem}"
    if notification is not None:
        delivery.event_type = notification.event_type
        delivery.event_id = notification.event_id
        delivery.encoding_bitmovin_id = notification.encoding_id
    with transaction.atomic():
        if notification is not None:
            _refresh_ask(delivery, organization, notification)
        delivery.save()
    logger.info(
        "webhook delivery for %s from %s: %s, %s",
        organization.slug if organization is not None else f"unknown organization {organization_slug[:60]}",
        remote_addr or "-",
        delivery.verdict,
        delivery.triggered,
    )
    return delivery


def _refresh_ask(delivery: WebhookDelivery, organization: Organization, notification: Notification) -> None:
    """Ask for the refresh a genuine delivery calls for, and say on it what that triggered.

    A resend (the same notification id) is a duplicate when an earlier delivery's refresh has run or still
    waits: that read covers it. One whose refresh never ran (given up, or lost before the outbox existed) is
    not swallowed: it asks again.
    """
    encoding_id = notification.encoding_id
    earlier = _earlier_deliveries(organization, notification.event_id)
    refreshed = next((pk for pk, refreshed_at, _ in earlier if refreshed_at is not None), None)
    if refreshed is not None:
        delivery.verdict = Verdict.DUPLICATE
        delivery.triggered = f"nothing: the same notification arrived before (delivery #{refreshed})"
        return
    waiting = next((pk for pk, _, pending in earlier if pending is not None), None)
    if waiting is not None:
        delivery.verdict = Verdict.DUPLICATE
        delivery.triggered = (
            f"nothing new: the same notification arrived before (delivery #{waiting}) "
            f"and its refresh of encoding {encoding_id} is queued"
        )
        # Bitmovin resends what was not answered in time, often when things are back: a good moment to drain.
        refresh_drain_soon()
        return
    # Many notifications about one encoding in a burst need one read of it, like many clicks.
    request = refresh_request(organization_id=organization.pk, bitmovin_id=encoding_id)
    delivery.pending_refresh_id = request.pending_id
    delivery.triggered = (
        f"refresh of encoding {encoding_id}"
        if request.created
        else f"nothing new: a refresh of encoding {encoding_id} was already queued"
    )
    if earlier:
        delivery.triggered += (
            f" (the same notification arrived before, delivery #{earlier[0][0]}, and its refresh never ran)"
        )


def _earlier_deliveries(
    organization: Organization, event_id: str
) -> list[tuple[int, datetime | None, int | None]]:
    """(pk, refreshed_at, pending_refresh_id) of the genuine deliveries with this notification id, oldest
    first: few, since only a delivery whose refresh never ran is followed by another genuine one."""
    if not event_id:
        return []
    return list(
        WebhookDelivery.objects.filter(organization=organization, event_id=event_id, verdict=Verdict.VALID)
        .order_by("pk")
        .values_list("pk", "refreshed_at", "pending_refresh_id")[:20]
    )


# Rate limit --------------------------------------------------------------------------------------------


def webhook_source_throttle(*, remote_addr: str | None, now: float | None = None) -> WindowSpend:
    """Spend one of the address's deliveries for this minute; over_limit says the request must be refused."""
    source = _source(remote_addr)
    try:
        spent = window_spend(
            f"webhook-source:{source}",
            limit=settings.WEBHOOK_RATE_LIMIT_PER_MINUTE,
            now=time.time() if now is None else now,
        )
    except Exception as exc:
        # The cache is down (with the broker, where they share a Redis server). Genuine deliveries must still
        # be recorded, so nothing is refused until the limit can be counted again.
        logger.warning("webhook rate limit not applied: the cache failed (%s)", type(exc).__name__)
        return WindowSpend(used=0, limit=settings.WEBHOOK_RATE_LIMIT_PER_MINUTE, retry_after=0.0)
    if spent.first_refusal:  # once per window, not once per refused request
        logger.warning(
            "webhook deliveries from %s exceed %s a minute; refusing them for %.0f s",
            source,
            spent.limit,
            spent.retry_after,
        )
    return spent


def _source(remote_addr: str | None) -> str:
    """What one sender is: an IPv4 address, or the /64 an IPv6 host gets (it may use any address in it)."""
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
