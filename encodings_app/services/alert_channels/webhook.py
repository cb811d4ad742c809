"""The generic JSON webhook: the message as JSON, signed so that the receiver can trust it.

Signature: HMAC-SHA256, keyed with the channel's signing secret, over "<timestamp>.<body>" (the timestamp in
whole seconds since the epoch, the body byte for byte), sent as
    X-Dashboard-Timestamp: 1796640000
    X-Dashboard-Signature: v1=<hex digest>
    X-Dashboard-Delivery: <the delivery's id, the same on every retry>
A receiver recomputes the digest, compares in constant time, refuses a timestamp more than
REPLAY_WINDOW_SECONDS away from its clock (a captured request cannot be replayed later), and drops a delivery
id it has already seen (a retry after a lost answer). README.md, "Alert channels", shows that code for
receivers to copy; verify() below is the same check for this project's own receivers (the demo's,
devtools/alert_receiver.py), and tests/services/test_alert_channel_webhook_signature.py holds the two to one
verdict.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from django.views.decorators.debug import sensitive_variables

from encodings_app import crypto
from encodings_app.models import AlertChannel, AlertDelivery
from encodings_app.services.alert_channels import outbound
from encodings_app.services.alert_channels.message import SendResult

SIGNATURE_VERSION = "v1"
REPLAY_WINDOW_SECONDS = 300
TIMESTAMP_HEADER = "X-Dashboard-Timestamp"
SIGNATURE_HEADER = "X-Dashboard-Signature"
DELIVERY_HEADER = "X-Dashboard-Delivery"


def payload(delivery: AlertDelivery) -> bytes:
    """The body: what the message says, plus the ids a receiver needs to deduplicate and link back."""
    document = {
        "id": str(delivery.uid),
        "key": delivery.message_key,
        "kind": delivery.kind,
        "severity": delivery.severity,
        "organization": delivery.channel.organization.slug,
        "subject": delivery.subject,
        "text": delivery.body,
        "link": delivery.link or None,
        "created_at": delivery.created_at.isoformat(),
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


@sensitive_variables("secret")
def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


@sensitive_variables("secret")
def verify(secret: str, headers, body: bytes, *, now: float | None = None) -> bool:
    """True when `body` with these headers (any mapping with .get) was signed with `secret` within
    REPLAY_WINDOW_SECONDS of `now` (the real time when None), as README.md's example checks it."""
    timestamp = headers.get(TIMESTAMP_HEADER) or ""
    given = headers.get(SIGNATURE_HEADER) or ""
    now = time.time() if now is None else now
    if not (timestamp.isascii() and timestamp.isdigit()) or abs(now - int(timestamp)) > REPLAY_WINDOW_SECONDS:
        return False
    return hmac.compare_digest(given.encode(), signature(secret, timestamp, body).encode())


@sensitive_variables("secret", "url")
def send(channel: AlertChannel, delivery: AlertDelivery, *, interactive: bool) -> SendResult:
    try:
        url = channel.decrypt_target()
        secret = channel.decrypt_signing_secret()
    except crypto.DecryptionError:
        return SendResult(ok=False, error="the channel's address or secret cannot be decrypted; add it again")
    body = payload(delivery)
    # The receiver's clock judges it: the real time, whatever clock the delivery run was given.
    timestamp = int(time.time())
    headers = {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        DELIVERY_HEADER: str(delivery.uid),
    }
    return outbound.post_json(url, body, headers=headers, interactive=interactive)
