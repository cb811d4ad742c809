"""Settings → Alerts: admins only, tenant-safe, targets masked, the signing secret shown once, Send test."""

from __future__ import annotations

import json
import re

import pytest

from encodings_app import tasks
from encodings_app.models import AlertChannel, AlertDelivery
from encodings_app.services.alert_channels.delivery import PAUSE_AFTER_FAILURES, deliver_due, message_enqueue
from encodings_app.services.alert_channels.targets import channel_add
from tests.services.alert_channel_support import START, opened
from tests.support.listener import Listener

pytestmark = pytest.mark.django_db

TOKEN_PATH = "/services/T0/B0/t0kenPart9Zq"


@pytest.fixture(autouse=True)
def receivers_on_loopback(settings, monkeypatch):
    settings.ALERT_CHANNELS_ALLOW_LOOPBACK = True
    monkeypatch.setattr(tasks, "alerts_deliver_nudge", lambda: False)


def test_an_admin_adds_a_webhook_and_sees_its_signing_secret_once_and_the_url_never(world, login):
    client = login(world.admin)
    response = client.post(
        "/o/acme/settings/alerts/channels/",
        {"kind": "webhook", "name": "On-call", "target": "http://127.0.0.1:9" + TOKEN_PATH},
    )

    channel = AlertChannel.objects.get()
    secret = channel.decrypt_signing_secret()
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert secret in html
    assert "<code>http://127.0.0.1:9/••••••••t9Zq</code>" in html
    later = client.get("/o/acme/settings/alerts/").content.decode()
    for page in (html, later):
        assert "t0kenPart9Zq" not in page
    assert secret not in later
    assert "<code>http://127.0.0.1:9/••••••••t9Zq</code>" in later
    assert channel.created_by == world.admin


def test_a_refused_target_is_explained_next_to_the_field(world, settings, login):
    settings.ALERT_CHANNELS_ALLOW_LOOPBACK = False
    response = login(world.admin).post(
        "/o/acme/settings/alerts/channels/", {"kind": "slack", "name": "", "target": "http://127.0.0.1:9/x"}
    )
    assert response.status_code == 400
    assert "This dashboard does not send alerts to 127.0.0.1: it is a loopback address." in (
        response.content.decode()
    )
    assert not AlertChannel.objects.exists()


def test_a_paused_channel_shows_a_banner_and_send_test_resumes_it(world, login):
    with Listener(status=500) as receiver:
        channel = channel_add(
            organization=world.acme, kind="slack", target=receiver.url + TOKEN_PATH, name="chat"
        ).channel
        for number in range(PAUSE_AFTER_FAILURES):
            message_enqueue(message=opened(world.acme, key=f"incident-{number}-opened"))
        deliver_due(now=START, batch_size=20)
        client = login(world.admin)
        page = client.get("/o/acme/settings/alerts/").content.decode()
        assert "“chat” is paused" in page
        assert page.count("the receiver answered HTTP 500") == PAUSE_AFTER_FAILURES

        receiver.response = (200, {}, b"ok")
        response = client.post(f"/o/acme/settings/alerts/channels/{channel.pk}/test/", follow=True)

    page = response.content.decode()
    assert "Test message delivered to “chat” (answer 200). The channel is no longer paused" in page
    assert "is paused" not in page
    assert json.loads(receiver.received[-1].body)["text"].startswith(":wave: *Test message for Acme Media*")
    assert AlertDelivery.objects.filter(kind="test", delivered_at__isnull=False).count() == 1


def test_an_admin_removes_a_channel(world, login):
    channel = channel_add(organization=world.acme, kind="email", target="ops@example.com").channel
    response = login(world.admin).post(f"/o/acme/settings/alerts/channels/{channel.pk}/remove/", follow=True)
    assert "Channel “E-mail” removed" in response.content.decode()
    assert not AlertChannel.objects.exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/o/acme/settings/alerts/"),
        ("post", "/o/acme/settings/alerts/channels/"),
        ("post", "/o/acme/settings/alerts/channels/{pk}/test/"),
        ("post", "/o/acme/settings/alerts/channels/{pk}/remove/"),
    ],
)
def test_operators_and_viewers_get_the_403_page(world, login, method, path):
    channel = channel_add(organization=world.acme, kind="email", target="ops@example.com").channel
    for user in (world.operator, world.viewer):
        response = getattr(login(user), method)(path.format(pk=channel.pk))
        assert response.status_code == 403
        assert "ops@example.com" not in response.content.decode()
    assert AlertChannel.objects.filter(pk=channel.pk).exists()


def test_another_organizations_channel_is_a_404(world, login):
    theirs = channel_add(organization=world.globex, kind="email", target="ops@globex.example").channel
    client = login(world.admin)
    for action in ("test", "remove"):
        assert client.post(f"/o/acme/settings/alerts/channels/{theirs.pk}/{action}/").status_code == 404
    assert client.get("/o/globex/settings/alerts/").status_code == 404
    assert AlertChannel.objects.filter(pk=theirs.pk).exists()
    assert not AlertDelivery.objects.exists()
    page = client.get("/o/acme/settings/alerts/").content.decode()
    assert "ops@globex.example" not in page


def test_the_settings_page_links_to_alerts(world, login):
    html = login(world.admin).get("/o/acme/settings/").content.decode()
    assert re.search(r'href="/o/acme/settings/alerts/"', html)


def test_the_page_costs_the_same_queries_whatever_the_channels_and_deliveries(world, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/o/acme/settings/alerts/").status_code == 200
        return len(captured)

    channel_add(organization=world.acme, kind="email", target="ops@example.com", name="one")
    message_enqueue(message=opened(world.acme, key="first"))
    few = queries()
    for name in ("two", "three"):
        channel_add(organization=world.acme, kind="email", target=f"{name}@example.com", name=name)
    for number in range(10):
        message_enqueue(message=opened(world.acme, key=f"incident-{number}"))
    assert AlertDelivery.objects.count() == 31
    assert queries() == few
