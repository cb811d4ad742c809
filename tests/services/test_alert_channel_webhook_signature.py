"""The README's signature verification example, run as written against a real delivery."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from encodings_app import tasks
from encodings_app.services.alert_channels import webhook as signed_webhook
from encodings_app.services.alert_channels.delivery import deliver_due, message_enqueue
from tests.services.alert_channel_support import START, opened, webhook
from tests.support.listener import Listener

pytestmark = pytest.mark.django_db

MARKER = "<!-- webhook-verification-example:"


def readme_example() -> dict:
    """The names the README's verification example defines, after running its code block."""
    text = (Path(django_settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    after_marker = text[text.index(MARKER) :]
    code = re.search(r"```python\n(.*?)```", after_marker, re.DOTALL).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md example", "exec"), namespace)  # noqa: S102 - our own README
    return namespace


@pytest.fixture
def delivered(organization, monkeypatch, settings):
    """A real delivery of one message to a signed webhook channel: the channel's secret and the request."""
    settings.ALERT_CHANNELS_ALLOW_LOOPBACK = True
    monkeypatch.setattr(tasks, "alerts_deliver_nudge", lambda: False)
    with Listener() as receiver:
        _channel, secret = webhook(organization, receiver.url)
        message_enqueue(message=opened(organization))
        deliver_due(now=START)
    [request] = receiver.received
    return secret, request


def test_the_readme_example_verifies_a_real_delivery_and_refuses_tampering_and_replays(
    delivered, monkeypatch
):
    verify = readme_example()["verify_dashboard_webhook"]
    secret, request = delivered

    assert verify(secret, request.headers, request.body)
    assert not verify("another secret", request.headers, request.body)
    assert not verify(secret, request.headers, request.body.replace(b"critical", b"info"))
    assert not verify(secret, {**request.headers, "X-Dashboard-Timestamp": "1"}, request.body)
    # The same request replayed after the window, signature and all.
    late = time.time() + signed_webhook.REPLAY_WINDOW_SECONDS + 5
    monkeypatch.setattr(time, "time", lambda: late)
    assert not verify(secret, request.headers, request.body)


def test_the_readme_names_the_headers_and_window_the_sender_uses():
    text = (Path(django_settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    example = readme_example()
    assert example["REPLAY_WINDOW_SECONDS"] == signed_webhook.REPLAY_WINDOW_SECONDS
    for header in (
        signed_webhook.TIMESTAMP_HEADER,
        signed_webhook.SIGNATURE_HEADER,
        signed_webhook.DELIVERY_HEADER,
    ):
        assert f"`{header}`" in text


def test_the_projects_own_verify_gives_the_readme_examples_verdict(delivered):
    """devtools/alert_receiver.py checks with webhook.verify: it must judge every request as the README's
    example does, for the receivers people write from it."""
    readme_verify = readme_example()["verify_dashboard_webhook"]
    secret, request = delivered
    stamp = signed_webhook.TIMESTAMP_HEADER
    cases = {
        "as sent": (secret, request.headers, request.body),
        "another secret": ("another secret", request.headers, request.body),
        "body changed": (secret, request.headers, request.body + b" "),
        "old timestamp": (secret, {**request.headers, stamp: "1"}, request.body),
        "no timestamp": (secret, {k: v for k, v in request.headers.items() if k != stamp}, request.body),
        "no signature": (secret, {**request.headers, signed_webhook.SIGNATURE_HEADER: ""}, request.body),
    }
    verdicts = {name: (readme_verify(*case), signed_webhook.verify(*case)) for name, case in cases.items()}
    assert verdicts == {name: (name == "as sent",) * 2 for name in cases}
    late = time.time() + signed_webhook.REPLAY_WINDOW_SECONDS + 5
    assert not signed_webhook.verify(secret, request.headers, request.body, now=late)
