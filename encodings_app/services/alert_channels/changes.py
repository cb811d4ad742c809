"""What an admin does to a channel once it exists: send it a test, remove it. Each is recorded in the audit
log, with the test's outcome; a test that un-pauses a channel is recorded as its resumption too (the
delivery engine pauses a failing channel by itself, and says so in the log and on the page)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest

from encodings_app.models import AlertChannel
from encodings_app.services.alert_channels.audit import channel_audit
from encodings_app.services.alert_channels.delivery import channel_send_test
from encodings_app.services.alert_channels.message import SendResult
from encodings_app.services.audit import Action, Outcome


@dataclass(frozen=True)
class ChannelTest:
    result: SendResult
    # The channel was paused and the delivered test resumed it: what waited for it goes out now.
    resumed: bool


def channel_test(*, channel: AlertChannel, user=None, request: HttpRequest | None = None) -> ChannelTest:
    """Send a test message to the channel now (delivery.channel_send_test) and record how it went."""
    was_paused = channel.is_paused
    result = channel_send_test(channel=channel)
    answer = f" (answer {result.status})" if result.status is not None else ""
    if result.ok:
        channel_audit(
            Action.ALERT_CHANNEL_TEST, channel, user, request, detail=f"Test message delivered{answer}."
        )
    else:
        channel_audit(
            Action.ALERT_CHANNEL_TEST,
            channel,
            user,
            request,
            outcome=Outcome.FAILED,
            detail=f"The test message failed: {result.error}{answer}.",
        )
    resumed = was_paused and not channel.is_paused
    if resumed:
        channel_audit(
            Action.ALERT_CHANNEL_RESUME,
            channel,
            user,
            request,
            detail="A delivered test resumed it; the messages that waited are sent now.",
        )
    return ChannelTest(result, resumed)


def channel_remove(*, channel: AlertChannel, user=None, request: HttpRequest | None = None) -> None:
    """Remove the channel with its delivery log; messages still waiting for it are not sent."""
    with transaction.atomic():
        channel_audit(Action.ALERT_CHANNEL_REMOVE, channel, user, request)
        channel.delete()
