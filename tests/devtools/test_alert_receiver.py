"""The demo's alert receiver: it takes and prints what the delivery engine sends, and refuses, without
falling over, what it cannot trust or read."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.core.management import CommandError, call_command

from devtools.alert_receiver import AlertReceiver, Received, json_lines_recorder
from encodings_app import tasks
from encodings_app.models import AlertDelivery
from encodings_app.services.alert_channels import webhook as signed_webhook
from encodings_app.services.alert_channels.delivery import deliver_due, message_enqueue
from tests.factories import make_organization
from tests.services.alert_channel_support import START, opened, webhook
from tests.support.http_thread import ServedInThread
from tests.test_demo_mode import demo_environment

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Running(ServedInThread):
    """An AlertReceiver served from a thread, keeping what it printed and recorded."""

    def __init__(self, secrets=()) -> None:
        self.printed: list[str] = []
        self.recorded: list[Received] = []
        self.server = AlertReceiver(secrets=secrets, write=self.printed.append, record=self.recorded.append)
        super().__init__(self.server)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def output(self) -> str:
        return "".join(self.printed)


@pytest.fixture
def organization(db):
    return make_organization("acme")


@pytest.fixture
def deliveries_now(settings, monkeypatch):
    settings.ALERT_CHANNELS_ALLOW_LOOPBACK = True
    monkeypatch.setattr(tasks, "alerts_deliver_nudge", lambda: False)


def signed(secret: str, body: bytes, *, delivery: str = "d-1", at: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if at is None else at
    return {
        signed_webhook.TIMESTAMP_HEADER: str(timestamp),
        signed_webhook.SIGNATURE_HEADER: signed_webhook.signature(secret, timestamp, body),
        signed_webhook.DELIVERY_HEADER: delivery,
    }


@pytest.mark.django_db
def test_a_real_delivery_is_printed_with_every_field_and_answered_2xx(organization, deliveries_now):
    with Running() as receiver:
        channel, secret = webhook(organization, receiver.url)
        receiver.server.secrets = (secret,)
        message_enqueue(message=opened(organization))
        deliver_due(now=START)

    delivery = AlertDelivery.objects.get(channel=channel)
    assert delivery.delivered_at is not None and delivery.last_status == 200
    message = opened(organization)
    output = receiver.output
    assert output.startswith("--- alert received ")
    for label, value in (
        ("delivery", str(delivery.uid)),
        ("signature", "ok"),
        ("kind", "opened"),
        ("severity", "critical"),
        ("subject", message.subject),
        ("body", message.body.splitlines()[0]),
        ("link", message.link),
    ):
        assert f"\n{label:<10} {value}\n" in output, label
    # The body's second line stays under the first, not at the margin.
    assert f"\n{' ' * 11}{message.body.splitlines()[1]}\n" in output
    assert secret not in output
    [received] = receiver.recorded
    assert received.status == 200 and received.message["key"] == message.key


@pytest.mark.django_db
def test_a_delivery_whose_secret_the_receiver_does_not_have_is_refused_4xx_and_retried(
    organization, deliveries_now
):
    with Running(secrets=["the secret of some other channel"]) as receiver:
        channel, _secret = webhook(organization, receiver.url)
        message_enqueue(message=opened(organization))
        deliver_due(now=START)

    delivery = AlertDelivery.objects.get(channel=channel)
    assert delivery.delivered_at is None and delivery.last_status == 401
    assert delivery.next_attempt_at is not None, "the engine tries again later"
    assert "--- refused " in receiver.output and "signature  bad" in receiver.output
    assert opened(organization).subject not in receiver.output, "an unverified message is not shown as one"


def test_tampered_replayed_or_unsigned_messages_are_refused_401():
    body = json.dumps({"id": "d-1", "kind": "opened", "severity": "critical"}).encode()
    with Running(secrets=["one", "two"]) as receiver:
        good = requests.post(receiver.url, data=body, headers=signed("two", body), timeout=5)
        tampered = requests.post(
            receiver.url, data=body.replace(b"critical", b"info"), headers=signed("two", body), timeout=5
        )
        replay_at = int(time.time()) - signed_webhook.REPLAY_WINDOW_SECONDS - 10
        replayed = requests.post(
            receiver.url, data=body, headers=signed("two", body, at=replay_at), timeout=5
        )
        unsigned = requests.post(receiver.url, data=body, timeout=5)

    assert good.status_code == 200
    assert [tampered.status_code, replayed.status_code, unsigned.status_code] == [401, 401, 401]
    assert "a replay" in receiver.output and "not signed" in receiver.output


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"\xff\xfe", b"[1, 2]", b"", b"[" * 100_000],
    ids=["not-json", "not-utf8", "a-list", "empty", "nested-too-deep"],
)
def test_a_body_that_is_not_a_json_object_is_refused_400(body):
    with Running() as receiver:
        answer = requests.post(receiver.url, data=body, timeout=5)
    assert answer.status_code == 400
    assert "--- refused " in receiver.output and "signature  not checked" in receiver.output


def test_messages_without_an_id_are_never_taken_for_repeats():
    with Running() as receiver:
        for subject in ("one", "two"):
            requests.post(receiver.url, data=json.dumps({"subject": subject}).encode(), timeout=5)
    assert "repeat" not in receiver.output and [r.repeat for r in receiver.recorded] == [False, False]


def test_a_repeated_delivery_id_is_acknowledged_and_marked_as_a_repeat():
    body = json.dumps({"id": "d-7", "kind": "resolved", "subject": "Back to normal"}).encode()
    with Running() as receiver:
        answers = [requests.post(receiver.url, data=body, timeout=5).status_code for _ in range(2)]
    assert answers == [200, 200]
    first, second = receiver.output.split("--- alert received ")[1:]
    assert "repeat" not in first and "a repeat of a delivery already received" in second


def test_broken_requests_get_an_answer_and_the_receiver_keeps_serving():
    cases = [
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n", b"HTTP/1.1 411 "),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", b"HTTP/1.1 413 "),
        # The client hangs up in the middle of the body: nobody is left to answer.
        (b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{"id":', b""),
        # Not HTTP at all: http.server's own plain error page.
        (b"\x00\x01garbage\r\n\r\n", b"<!DOCTYPE HTML>"),
    ]
    with Running() as receiver:
        port = receiver.server.server_address[1]
        for raw, expected in cases:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
                connection.sendall(raw)
                connection.shutdown(socket.SHUT_WR)
                answer = connection.recv(200)
            assert answer.startswith(expected) if expected else answer == b"", (raw, answer)
        after = requests.post(receiver.url, data=b'{"id": "d-9", "subject": "still here"}', timeout=5)
    assert after.status_code == 200 and "still here" in receiver.output


def test_control_characters_in_a_message_cannot_drive_the_terminal():
    body = json.dumps({"id": "d-3", "subject": "red \x1b[31m alert\x07"}).encode()
    with Running() as receiver:
        requests.post(receiver.url, data=body, timeout=5)
    assert "\x1b" not in receiver.output and "\x07" not in receiver.output
    assert "red \\x1b[31m alert\\x07" in receiver.output


def test_the_recorder_writes_one_json_line_per_message(tmp_path):
    path = tmp_path / "received.jsonl"
    record = json_lines_recorder(path)
    record(Received(at=1.5, status=200, signature="ok", delivery="d-1", message={"subject": "é"}))
    record(Received(at=2.5, status=400, signature="not checked", delivery="", problem="the body is not JSON"))
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [line["status"] for line in lines] == [200, 400]
    assert lines[0]["message"] == {"subject": "é"} and lines[1]["problem"] == "the body is not JSON"


@pytest.mark.slow
def test_the_command_takes_its_secrets_from_stdin_and_prints_what_it_receives(tmp_path):
    env = {**demo_environment(tmp_path / "var"), "PYTHONUNBUFFERED": "1"}
    receiver = subprocess.Popen(
        [sys.executable, "manage.py", "alert_receiver", "--port", "0", "--secret-file", "-"],
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        receiver.stdin.write("# the demo's channels\nfirst-secret\n\nsecond-secret\n")
        receiver.stdin.close()
        ready = receiver.stdout.readline()
        assert "checking signatures with 2 secret(s)" in ready, ready
        url = ready.split("listening on ", 1)[1].split()[0]
        body = json.dumps({"id": "d-5", "kind": "test", "subject": "Test message for Acme"}).encode()
        assert (
            requests.post(url, data=body, headers=signed("second-secret", body), timeout=5).status_code == 200
        )
        assert requests.post(url, data=body, headers=signed("wrong", body), timeout=5).status_code == 401
    finally:
        receiver.terminate()
        receiver.wait(timeout=20)
        output = receiver.stdout.read()
    assert receiver.returncode == 0, output
    assert "Test message for Acme" in output and "signature  ok" in output
    assert "first-secret" not in ready + output and "second-secret" not in ready + output


def test_the_command_refuses_a_secret_file_without_a_secret(tmp_path):
    empty = tmp_path / "secrets"
    empty.write_text("# nothing yet\n")
    with pytest.raises(CommandError, match="holds no secret"):
        call_command("alert_receiver", "--port", "0", "--secret-file", str(empty))


@pytest.mark.django_db
def test_the_command_says_what_to_run_first_when_the_demo_has_no_receiver_channel(organization):
    with pytest.raises(CommandError, match="first run seed_demo --alert-receiver URL"):
        call_command("alert_receiver", "--port", "0", "--demo-channels")
