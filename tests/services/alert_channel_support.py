"""What the alert channel tests share: channels on a local receiver, a message, the clock they drive."""

from __future__ import annotations

from datetime import UTC, datetime

from encodings_app.models import AlertChannel, Organization
from encodings_app.services.alert_channels.message import AlertMessage
from encodings_app.services.alert_channels.targets import AddedChannel, channel_add

# The clock the tests drive the engine with: later than any real "now" at which a delivery is queued.
START = datetime(2040, 1, 1, 6, 0, tzinfo=UTC)


def add_channel(organization: Organization, kind: str, target: str, name: str = "") -> AddedChannel:
    return channel_add(organization=organization, kind=kind, target=target, name=name)


def opened(organization: Organization, key: str = "incident-1-opened") -> AlertMessage:
    return AlertMessage(
        organization_id=organization.pk,
        key=key,
        kind="opened",
        severity="critical",
        subject="12 encodings failed: the input file could not be read (code 2020)",
        body=(
            "12 encodings failed with code 2020 in the last 10 minutes.\n"
            "Check the input's URL and access rights."
        ),
        link="https://dashboard.example.com/o/acme/encodings?status=ERROR&code=2020",
    )


def webhook(organization: Organization, url: str) -> tuple[AlertChannel, str]:
    added = add_channel(organization, AlertChannel.Kind.WEBHOOK, url, name="hook")
    return added.channel, added.signing_secret
