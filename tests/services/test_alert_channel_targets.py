"""Where a channel may send: the API client's destination rules, in plain words; its URL stored encrypted,
shown masked, and never in a log line, an error or a command's output."""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from encodings_app import crypto, tasks
from encodings_app.models import AlertChannel, AlertDelivery, AuditEvent
from encodings_app.services.alert_channels.delivery import channel_send_test, deliver_due, message_enqueue
from encodings_app.services.alert_channels.targets import ChannelRefused, target_refusal
from encodings_app.services.audit import COMMAND_LINE
from tests.services.alert_channel_support import START, add_channel, opened
from tests.support.listener import Listener

pytestmark = pytest.mark.django_db

SLACK_TOKEN_PATH = "/services/T0001/B0002/s3cretT0kenXYZ9"


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(tasks, "alerts_deliver_nudge", lambda: False)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://[::1]:9/hook",
        "http://10.0.0.8/hook",
        "http://192.168.1.20/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::ffff:127.0.0.1]/hook",
    ],
)
def test_a_loopback_or_private_target_is_refused_when_not_allowed(settings, organization, url):
    settings.ALERT_CHANNELS_ALLOW_LOOPBACK = False
    with pytest.raises(ChannelRefused, match="This dashboard does not send alerts"):
        add_channel(organization, AlertChannel.Kind.WEBHOOK, url)
    assert not AlertChannel.objects.exists()


def test_loopback_allowed_by_the_setting_still_refuses_private_addresses(settings):
    settings.ALERT_CHANNELS_ALLOW_LOOPBACK = True
    assert target_refusal(AlertChannel.Kind.SLACK, "http://127.0.0.1:9/hook") is None
    assert "private" in target_refusal(AlertChannel.Kind.SLACK, "http://10.1.2.3/hook")


@pytest.mark.parametrize(
    ("kind", "target", "words"),
    [
        ("webhook", "ftp://example.com/hook", "must be an http:// or https:// URL"),
        ("webhook", "https://user:pw@example.com/hook", "must not contain a user name or password"),
        ("slack", "https://example.com:notaport/x", "not a usable web address"),
        ("email", "not-an-address", "not-an-address is not an e-mail address"),
        ("email", " , ", "Enter an e-mail address"),
    ],
)
def test_unusable_targets_are_refused_in_plain_words(kind, target, words):
    assert words in target_refusal(kind, target)


def test_a_target_that_became_loopback_is_refused_when_sending_without_a_connection(settings, organization):
    settings.ALERT_CHANNELS_ALLOW_LOOPBACK = True
    with Listener() as receiver:
        channel = add_channel(organization, AlertChannel.Kind.SLACK, receiver.url + SLACK_TOKEN_PATH).channel
        settings.ALERT_CHANNELS_ALLOW_LOOPBACK = False
        message_enqueue(message=opened(organization))
        deliver_due(now=START)
        result = channel_send_test(channel=channel)

    assert receiver.connections == 0
    assert result.error == "the channel's address is not one this dashboard may send to"
    assert AlertDelivery.objects.filter(last_error=result.error).count() == 2


def test_a_channel_url_is_stored_encrypted_shown_masked_and_never_logged(settings, organization, caplog):
    settings.ALERT_CHANNELS_ALLOW_LOOPBACK = True
    caplog.set_level(logging.DEBUG)
    with Listener(status=500) as receiver:
        url = receiver.url + SLACK_TOKEN_PATH
        channel = add_channel(organization, AlertChannel.Kind.SLACK, url).channel
        hook = add_channel(organization, AlertChannel.Kind.WEBHOOK, receiver.url + SLACK_TOKEN_PATH, "hook")
        for number in range(12):
            message_enqueue(message=opened(organization, key=f"incident-{number}-opened"))
        deliver_due(now=START, batch_size=30)
        result = channel_send_test(channel=channel)
    # And a channel whose address no key can read any more.
    AlertChannel.objects.filter(pk=channel.pk).update(target_encrypted=crypto.encrypt("x")[:-6] + "broken")
    channel.refresh_from_db()
    broken = channel_send_test(channel=channel)

    stored = AlertChannel.objects.get(pk=channel.pk)
    secret_parts = ("s3cretT0kenXYZ9", SLACK_TOKEN_PATH, hook.signing_secret)
    assert crypto.decrypt(AlertChannel.objects.get(pk=hook.channel.pk).target_encrypted).endswith("XYZ9")
    assert stored.target_hint == f"http://127.0.0.1:{receiver.port}/••••••••XYZ9"
    texts = [caplog.text, result.error, broken.error, stored.target_hint, str(stored)]
    texts += list(AlertDelivery.objects.values_list("last_error", flat=True))
    assert "paused after 10 failed sends" in caplog.text  # the log says what happened, without the URL
    for text in texts:
        for part in secret_parts:
            assert part not in text
    assert broken.error == "the channel's address cannot be decrypted; add it again"


def test_the_command_adds_a_webhook_and_prints_its_signing_secret_once(settings, organization):
    settings.ALERT_CHANNELS_ALLOW_LOOPBACK = True
    out = StringIO()
    call_command(
        "alert_channel_add",
        "acme",
        "--kind=webhook",
        "--target=http://127.0.0.1:9/receiver/t0ken-part",
        "--name=On-call hook",
        stdout=out,
    )

    channel = AlertChannel.objects.get()
    printed = out.getvalue()
    assert channel.decrypt_signing_secret() in printed
    assert "t0ken-part" not in printed
    assert "sends to http://127.0.0.1:9/••••••••part" in printed
    assert (channel.name, channel.kind, channel.enabled) == ("On-call hook", "webhook", True)
    with pytest.raises(CommandError, match="already has a channel named On-call hook"):
        call_command(
            "alert_channel_add",
            "acme",
            "--kind=slack",
            "--target=http://127.0.0.1:9/x",
            "--name=On-call hook",
        )


def test_the_command_refuses_a_private_target_in_plain_words(settings, organization):
    settings.ALERT_CHANNELS_ALLOW_LOOPBACK = False
    with pytest.raises(CommandError, match="it is a private or reserved address"):
        call_command("alert_channel_add", "acme", "--kind=slack", "--target=https://10.9.8.7/services/x")


def test_the_test_command_reports_the_receivers_answer(settings, organization):
    settings.ALERT_CHANNELS_ALLOW_LOOPBACK = True
    with Listener(status=404) as receiver:
        add_channel(organization, AlertChannel.Kind.SLACK, receiver.url + "/gone", name="chat")
        with pytest.raises(CommandError, match="the receiver answered HTTP 404 \\(answer 404\\)"):
            call_command("alert_channel_test", "acme", "chat")
        receiver.response = (200, {}, b"ok")
        out = StringIO()
        call_command("alert_channel_test", "acme", "chat", stdout=out)
    assert out.getvalue() == "test message delivered to chat (answer 200)\n"
    tests = AuditEvent.objects.filter(action="alert_channel.test").order_by("pk")
    assert list(tests.values_list("username", "outcome")) == [(COMMAND_LINE, "failed"), (COMMAND_LINE, "ok")]
