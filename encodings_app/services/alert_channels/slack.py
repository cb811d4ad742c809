"""Slack-compatible incoming webhooks (Slack, Mattermost, Rocket.Chat and others take the same JSON)."""

from __future__ import annotations

import json

from django.views.decorators.debug import sensitive_variables

from encodings_app import crypto
from encodings_app.models import AlertChannel, AlertDelivery
from encodings_app.services.alert_channels import outbound
from encodings_app.services.alert_channels.message import SendResult

_ICONS = {
    "opened": ":rotating_light:",
    "update": ":hourglass_flowing_sand:",
    "resolved": ":white_check_mark:",
    "test": ":wave:",
    "digest": ":memo:",
}


def _escape(text: str) -> str:
    # Slack's three control characters; Mattermost shows the entities as the characters too.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def text(delivery: AlertDelivery) -> str:
    lines = [f"{_ICONS.get(delivery.kind, '')} *{_escape(delivery.subject)}*".strip(), _escape(delivery.body)]
    if delivery.link:
        lines.append(f"<{delivery.link}|Open in the dashboard>")
    return "\n".join(line for line in lines if line)


@sensitive_variables("url")
def send(channel: AlertChannel, delivery: AlertDelivery, *, interactive: bool) -> SendResult:
    try:
        url = channel.decrypt_target()
    except crypto.DecryptionError:
        return SendResult(ok=False, error="the channel's address cannot be decrypted; add it again")
    body = json.dumps({"text": text(delivery)}, ensure_ascii=False).encode()
    return outbound.post_json(url, body, headers={}, interactive=interactive)
