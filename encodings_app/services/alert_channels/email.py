"""E-mail channels, through Django's e-mail backend (EMAIL_* settings, README.md "Configuration").

Every attempt of one delivery carries the same Message-ID, so a mail client shows a message sent twice (a
worker died after the server took it) once.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from encodings_app import crypto
from encodings_app.models import AlertChannel, AlertDelivery
from encodings_app.services.alert_channels.message import SendResult
from encodings_app.services.alert_channels.targets import email_recipients

# SMTP's "requested action completed": what a server answered when it took the message.
SMTP_OK = 250
INTERACTIVE_TIMEOUT_S = 5


def message(delivery: AlertDelivery, recipients: list[str]) -> EmailMessage:
    body = delivery.body + (f"\n\nOpen in the dashboard: {delivery.link}\n" if delivery.link else "\n")
    return EmailMessage(
        subject=delivery.subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers={
            "Message-ID": f"<{delivery.uid}@alerts.dashboard>",
            "X-Dashboard-Delivery": str(delivery.uid),
        },
    )


def send(channel: AlertChannel, delivery: AlertDelivery, *, interactive: bool) -> SendResult:
    try:
        recipients = email_recipients(channel.decrypt_target())
    except crypto.DecryptionError:
        return SendResult(ok=False, error="the channel's address cannot be decrypted; add it again")
    timeout = min(settings.EMAIL_TIMEOUT, INTERACTIVE_TIMEOUT_S) if interactive else settings.EMAIL_TIMEOUT
    try:
        connection = get_connection(timeout=timeout)
        sent = connection.send_messages([message(delivery, recipients)])
    except smtplib.SMTPRecipientsRefused as exc:
        codes = sorted({code for code, _text in exc.recipients.values()})
        return SendResult(
            ok=False, status=codes[0] if codes else None, error="the mail server refused every recipient"
        )
    except smtplib.SMTPAuthenticationError as exc:
        return SendResult(
            ok=False, status=exc.smtp_code, error="the mail server refused the user name or password"
        )
    except smtplib.SMTPResponseException as exc:
        return SendResult(ok=False, status=exc.smtp_code, error=f"the mail server answered {exc.smtp_code}")
    except (smtplib.SMTPException, OSError) as exc:
        return SendResult(ok=False, error=f"the mail server could not be reached ({type(exc).__name__})")
    if not sent:
        return SendResult(ok=False, error="the e-mail backend sent nothing")
    return SendResult(ok=True, status=SMTP_OK)
