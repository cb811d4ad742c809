"""E-mail channels through a real SMTP server (aiosmtpd on 127.0.0.1) and Django's SMTP backend."""

from __future__ import annotations

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from encodings_app import tasks
from encodings_app.models import AlertChannel, AlertDelivery
from encodings_app.services.alert_channels.delivery import channel_send_test, deliver_due, message_enqueue
from tests.services.alert_channel_support import START, add_channel, opened

pytestmark = pytest.mark.django_db


class Mailbox:
    """An SMTP handler that keeps what it receives, or refuses recipients with `refuse_with`."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []
        self.refuse_with: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_with:
            return self.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox(settings, monkeypatch):
    monkeypatch.setattr(tasks, "alerts_deliver_nudge", lambda: False)
    handler = Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "Encodings dashboard <alerts@dashboard.example.com>"
    yield handler
    controller.stop()


def test_an_alert_arrives_by_smtp_with_its_subject_text_and_link(organization, mailbox):
    channel = add_channel(
        organization, AlertChannel.Kind.EMAIL, "ops@example.com, oncall@example.com"
    ).channel
    message_enqueue(message=opened(organization))

    assert deliver_due(now=START).delivered == 1

    [(sender, recipients, message)] = mailbox.messages
    sent = AlertDelivery.objects.get(channel=channel)
    assert sender == "alerts@dashboard.example.com"
    assert recipients == ["ops@example.com", "oncall@example.com"]
    assert message["Subject"] == "12 encodings failed: the input file could not be read (code 2020)"
    assert message["Message-ID"] == f"<{sent.uid}@alerts.dashboard>"
    body = message.get_content()
    assert "Check the input's URL and access rights." in body
    assert (
        "Open in the dashboard: https://dashboard.example.com/o/acme/encodings?status=ERROR&code=2020" in body
    )
    assert (sent.last_status, sent.delivered_at) == (250, START)
    assert channel.target_hint == "ops@example.com, oncall@example.com"


def test_a_refused_recipient_is_retried_with_the_servers_code_and_a_test_says_so(organization, mailbox):
    channel = add_channel(organization, AlertChannel.Kind.EMAIL, "nobody@example.com").channel
    mailbox.refuse_with = "550 5.1.1 No such user"
    message_enqueue(message=opened(organization))

    assert deliver_due(now=START).retrying == 1
    test = channel_send_test(channel=channel)

    row = AlertDelivery.objects.get(kind="opened")
    assert (row.last_status, row.last_error, row.delivered_at) == (
        550,
        "the mail server refused every recipient",
        None,
    )
    assert (test.ok, test.status) == (False, 550)
    assert mailbox.messages == []


def test_a_mail_server_that_is_not_there_is_a_plain_words_failure(organization, settings, monkeypatch):
    monkeypatch.setattr(tasks, "alerts_deliver_nudge", lambda: False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    channel = add_channel(organization, AlertChannel.Kind.EMAIL, "ops@example.com").channel

    result = channel_send_test(channel=channel)

    assert (result.ok, result.status) == (False, None)
    assert result.error == "the mail server could not be reached (ConnectionRefusedError)"
