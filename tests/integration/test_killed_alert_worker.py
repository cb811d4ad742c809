"""A worker killed in the middle of sending an alert: the delivery is not lost, and the receiver, which
deduplicates on the delivery id, gets the message once."""

from __future__ import annotations

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from encodings_app import tasks
from encodings_app.models import AlertChannel, AlertDelivery
from encodings_app.services.alert_channels.delivery import CLAIM_SECONDS, deliver_due, message_enqueue
from tests.services.alert_channel_support import opened, webhook
from tests.support.celery_worker import CeleryBeat, CeleryWorker
from tests.support.http_thread import ServedInThread
from tests.support.redis_server import RedisServer
from tests.support.web_server import free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.timeout(300)]


class StallingReceiver(ServedInThread):
    """Records every request; leaves the first unanswered (the worker sending it is killed meanwhile) and
    answers the others 200."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, bytes]] = []
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append((self.headers["X-Dashboard-Delivery"], body))
                if len(receiver.requests) == 1:
                    receiver.release.wait(timeout=60)
                    return
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        super().__init__(ThreadingHTTPServer(("127.0.0.1", free_port()), Handler))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


def test_a_delivery_whose_worker_was_killed_mid_send_is_sent_again_with_the_same_id(settings, monkeypatch):
    from tests.factories import make_organization

    settings.ALERT_CHANNELS_ALLOW_LOOPBACK = True
    monkeypatch.setattr(tasks, "alerts_deliver_nudge", lambda: False)  # beat runs the worker's deliveries
    organization = make_organization("acme")
    with RedisServer() as redis_server, StallingReceiver() as receiver:
        webhook(organization, receiver.url)
        message_enqueue(message=opened(organization))
        env = {
            "REDIS_URL": redis_server.url(0),
            "CACHE_URL": redis_server.url(0),
            "CELERY_BROKER_URL": redis_server.url(1),
            "ALERT_CHANNELS_ALLOW_LOOPBACK": "1",
            "ALERTS_DELIVER_SECONDS": "1",
        }
        beat = CeleryBeat(extra_env=env)
        worker = CeleryWorker(queue="alerts", extra_env=env)
        try:
            assert worker.wait_for(lambda: len(receiver.requests) == 1, timeout=120), worker.output()[-3000:]
            worker.kill()
        finally:
            worker.close()
            beat.close()
            receiver.release.set()

        row = AlertDelivery.objects.get()
        assert (row.attempts, row.delivered_at) == (1, None), "claimed by the dead worker, not delivered"
        assert row.claimed_until is not None
        # The next run, once the dead worker's claim has run out.
        outcome = deliver_due(now=row.claimed_until + timedelta(seconds=1))
        later = deliver_due(now=timezone.now() + timedelta(seconds=CLAIM_SECONDS * 10))

    assert (outcome.delivered, later.sends) == (1, 0)
    row.refresh_from_db()
    assert (row.attempts, row.last_status) == (2, 200)
    assert row.delivered_at is not None
    # At least once: the receiver saw it twice, as one delivery id, which it keeps once.
    ids = [delivery_id for delivery_id, _body in receiver.requests]
    assert ids == [str(row.uid), str(row.uid)]
    assert receiver.requests[0][1] == receiver.requests[1][1]
    assert AlertChannel.objects.get().consecutive_failures == 0
