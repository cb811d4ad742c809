"""Settings → Alerts, the channels: admins only, tenant-safe, targets masked, the signing secret shown once,
Send test (in place with htmx), removal after a confirmation, each recorded in the audit log."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command

from encodings_app import tasks
from encodings_app.models import AlertChannel, AlertDelivery, AuditEvent
from encodings_app.services.alert_channels.delivery import PAUSE_AFTER_FAILURES, deliver_due, message_enqueue
from encodings_app.services.alert_channels.targets import channel_add
from encodings_app.services.audit import COMMAND_LINE
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
    resumed = AuditEvent.objects.get(action="alert_channel.resume")
    assert (resumed.username, resumed.target) == ("ada", "chat (Slack-compatible webhook)")
    assert "is paused" not in page
    assert json.loads(receiver.received[-1].body)["text"].startswith(":wave: *Test message for Acme Media*")
    assert AlertDelivery.objects.filter(kind="test", delivered_at__isnull=False).count() == 1


def test_removing_a_channel_asks_first_then_removes_it_and_audits_it(world, login):
    channel = channel_add(organization=world.acme, kind="email", target="ops@example.com").channel
    client = login(world.admin)
    url = f"/o/acme/settings/alerts/channels/{channel.pk}/remove/"

    ask = client.post(url)
    page = ask.content.decode()
    assert ask.status_code == 200
    assert "Remove the alert channel “E-mail”?" in page
    assert '<input type="hidden" name="confirm" value="yes">' in page
    assert 'href="/o/acme/settings/alerts/#channels">Cancel</a>' in page
    assert AlertChannel.objects.filter(pk=channel.pk).exists()

    response = client.post(url, {"confirm": "yes"}, follow=True)
    assert "Channel “E-mail” removed" in response.content.decode()
    assert not AlertChannel.objects.exists()
    removed = AuditEvent.objects.get(action="alert_channel.remove")
    assert (removed.username, removed.organization_slug, removed.target) == ("ada", "acme", "E-mail (E-mail)")
    assert removed.detail == "Sends to ops@example.com."


def test_send_test_with_htmx_redraws_the_channel_list_in_place(world, login):
    with Listener(status=500) as receiver:
        channel = channel_add(
            organization=world.acme, kind="slack", target=receiver.url + TOKEN_PATH, name="chat"
        ).channel
        client = login(world.admin)
        failed = client.post(
            f"/o/acme/settings/alerts/channels/{channel.pk}/test/", headers={"HX-Request": "true"}
        )
        receiver.response = (200, {}, b"ok")
        delivered = client.post(
            f"/o/acme/settings/alerts/channels/{channel.pk}/test/", headers={"HX-Request": "true"}
        )

    for response in (failed, delivered):
        fragment = response.content.decode()
        assert response.status_code == 200
        assert fragment.startswith('<div id="channel-list">')
        assert "<html" not in fragment and "Add a channel" not in fragment
        assert f'id="channel-{channel.pk}"' in fragment
        assert "t0kenPart9Zq" not in fragment
    assert (
        'role="alert"><p>The test message to “chat” failed: the receiver answered HTTP 500 (answer 500).'
        in (failed.content.decode())
    )
    assert 'role="status"><p>Test message delivered to “chat” (answer 200).' in delivered.content.decode()
    outcomes = list(
        AuditEvent.objects.filter(action="alert_channel.test").order_by("pk").values_list("outcome", "detail")
    )
    assert outcomes == [
        ("failed", "The test message failed: the receiver answered HTTP 500 (answer 500)."),
        ("ok", "Test message delivered (answer 200)."),
    ]


def test_the_page_posts_send_test_with_htmx_and_keeps_a_plain_form(world, login):
    channel = channel_add(organization=world.acme, kind="email", target="ops@example.com").channel
    html = login(world.admin).get("/o/acme/settings/alerts/").content.decode()
    url = f"/o/acme/settings/alerts/channels/{channel.pk}/test/"
    assert f'<form method="post" action="{url}" hx-post="{url}" hx-target="#channel-list"' in html
    assert html.count('id="channel-list"') == 1


def test_adding_a_channel_is_audited_without_its_address(world, login):
    login(world.admin).post(
        "/o/acme/settings/alerts/channels/",
        {"kind": "slack", "name": "chat", "target": "http://127.0.0.1:9" + TOKEN_PATH},
    )
    added = AuditEvent.objects.get(action="alert_channel.add")
    assert (added.username, added.target) == ("ada", "chat (Slack-compatible webhook)")
    assert added.detail == "Sends to http://127.0.0.1:9/••••••••t9Zq."
    assert "t0kenPart9Zq" not in added.detail


def test_a_channel_added_by_the_command_is_audited_as_the_command_line(world):
    call_command("alert_channel_add", "acme", "--kind=email", "--target=ops@example.com", stdout=StringIO())
    added = AuditEvent.objects.get(action="alert_channel.add")
    assert (added.user, added.username, added.organization_slug) == (None, COMMAND_LINE, "acme")


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
