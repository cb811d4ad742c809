"""Adding a channel: which targets a channel may have, how they are stored (encrypted) and shown (masked).

A URL target obeys the API client's destination rules (outbound.destination_policy): http or https, no user
name or password, and a host whose every address is public (loopback too with
ALERT_CHANNELS_ALLOW_LOOPBACK). The check here gives the admin plain words at once; the send checks again
where it connects, so a name that later points elsewhere is refused then.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from encodings_app import crypto
from encodings_app.bitmovin.destinations import DestinationRefused
from encodings_app.models import AlertChannel, Organization
from encodings_app.services.alert_channels.audit import channel_audit
from encodings_app.services.alert_channels.outbound import destination_policy
from encodings_app.services.audit import Action

# Several addresses per e-mail channel at most: a list of people belongs in a mailing list.
MAX_EMAIL_RECIPIENTS = 10


class ChannelRefused(Exception):
    """The channel cannot be added; str() says why in plain words, without the target's secret parts, and
    `field` names what is wrong ("target" or "name")."""

    def __init__(self, message: str, *, field: str = "target") -> None:
        super().__init__(message)
        self.field = field


@sensitive_variables("target")
def email_recipients(target: str) -> list[str]:
    return [address.strip() for address in target.split(",") if address.strip()]


@sensitive_variables("target")
def target_refusal(kind: str, target: str) -> str | None:
    """Why a channel of this kind may not send to `target`, in plain words; None when it may."""
    if kind == AlertChannel.Kind.EMAIL:
        recipients = email_recipients(target)
        if not recipients:
            return "Enter an e-mail address."
        if len(recipients) > MAX_EMAIL_RECIPIENTS:
            return f"At most {MAX_EMAIL_RECIPIENTS} addresses; use a mailing list for more."
        for address in recipients:
            try:
                validate_email(address)
            except ValidationError:
                return f"{address} is not an e-mail address."
        return None
    if kind not in (AlertChannel.Kind.SLACK, AlertChannel.Kind.WEBHOOK):
        return "Choose e-mail, Slack-compatible webhook or signed webhook."
    try:
        parts = urlsplit(target.strip())
        port = parts.port
    except ValueError:
        return "This is not a usable web address."
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "The address must be an http:// or https:// URL."
    if parts.username is not None or parts.password is not None:
        return "The address must not contain a user name or password."
    return _host_refusal(parts.hostname, port or (443 if parts.scheme.lower() == "https" else 80))


def _host_refusal(host: str, port: int) -> str | None:
    policy = destination_policy()
    try:
        # A literal address is judged without a lookup; a name by every address it has now.
        reason = policy.refusal(ipaddress.ip_address(host))
        if reason is not None:
            return f"This dashboard does not send alerts to {host}: it is {reason}."
        return None
    except ValueError:
        pass
    try:
        policy.checked_addresses(host, port)
    except DestinationRefused as exc:
        return f"This dashboard does not send alerts there: {exc}."
    except (socket.gaierror, UnicodeError):
        return f"The host name {host} could not be resolved."
    return None


@sensitive_variables("target")
def target_hint(kind: str, target: str) -> str:
    """How pages show the target: e-mail addresses in full (they are no secret), a URL by its scheme and host,
    its path masked to the last four characters (a webhook URL's path is its token)."""
    if kind == AlertChannel.Kind.EMAIL:
        return ", ".join(email_recipients(target))[:200]
    parts = urlsplit(target.strip())
    rest = target.strip()[len(f"{parts.scheme}://{parts.netloc}") :]
    return f"{parts.scheme}://{parts.netloc}/{crypto.mask(rest[-4:]) if len(rest) > 4 else ''}"[:200]


@dataclass(frozen=True)
class AddedChannel:
    channel: AlertChannel
    # Shown once, to whoever added a signed webhook, for its receiver; never again.
    signing_secret: str | None


@sensitive_variables("target", "signing_secret")
def channel_add(
    *,
    organization: Organization,
    kind: str,
    target: str,
    name: str = "",
    created_by=None,
    request: HttpRequest | None = None,
) -> AddedChannel:
    """Add an enabled channel; raises ChannelRefused for a target it may not have or a name in use.
    `created_by` None: a management command added it (so the audit log says)."""
    target = target.strip()
    reason = target_refusal(kind, target)
    if reason is not None:
        raise ChannelRefused(reason)
    name = (name.strip() or _default_name(organization, kind))[:80]
    signing_secret = secrets.token_urlsafe(32) if kind == AlertChannel.Kind.WEBHOOK else None
    try:
        with transaction.atomic():
            channel = AlertChannel.objects.create(
                organization=organization,
                kind=kind,
                name=name,
                target_encrypted=crypto.encrypt(target),
                target_hint=target_hint(kind, target),
                signing_secret_encrypted=crypto.encrypt(signing_secret) if signing_secret else "",
                created_by=created_by,
            )
            channel_audit(Action.ALERT_CHANNEL_ADD, channel, created_by, request)
    except IntegrityError:
        raise ChannelRefused(
            f"{organization.name} already has a channel named {name}.", field="name"
        ) from None
    return AddedChannel(channel, signing_secret)


def _default_name(organization: Organization, kind: str) -> str:
    label = AlertChannel.Kind(kind).label
    taken = set(organization.alert_channels.values_list("name", flat=True))
    number = 1
    while (candidate := label if number == 1 else f"{label} {number}") in taken:
        number += 1
    return candidate
