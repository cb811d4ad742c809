"""The parts of bench_alerts that judge what arrived: its stack's seeding and record, and which message tells
of which failure."""

from __future__ import annotations

import json
import shutil
from types import SimpleNamespace

import pytest

from devtools.alert_stack import RECEIVER, AlertStack
from devtools.management.commands.bench_alerts import _AlertBench


@pytest.fixture
def stack_of():
    made = []

    def make(*, webhooks: bool) -> AlertStack:
        stack = AlertStack(
            webhooks=webhooks,
            admin_database_url="postgres://postgres@127.0.0.1:5432/postgres",
            interval=10,
            organizations=2,
            encodings=10,
            speed=1,
            log=print,
        )
        stack.simulator = SimpleNamespace(base_url="http://127.0.0.1:9999/v1")
        made.append(stack)
        return stack

    yield make
    for stack in made:
        shutil.rmtree(stack.folder, ignore_errors=True)


def test_the_sync_only_stack_registers_no_webhooks_and_both_point_the_channels_at_the_receiver(stack_of):
    with_webhooks, sync_only = stack_of(webhooks=True).seed_arguments(), stack_of(webhooks=False)
    arguments = sync_only.seed_arguments()
    assert "--webhook-base" in with_webhooks and "--webhook-base" not in arguments
    assert arguments[arguments.index("--alert-receiver") + 1] == sync_only.receiver_url
    assert sync_only.LATE_PARTS[0] == RECEIVER, "the receiver listens before the workers send"
    command = sync_only.command(RECEIVER)
    assert "--demo-channels" in command and str(sync_only.received_path) in command


def test_the_record_is_read_once_and_a_line_still_being_written_waits(stack_of):
    stack = stack_of(webhooks=True)
    assert list(stack.received()) == []
    first = {"at": 1.0, "status": 200, "message": {"subject": "one"}}
    stack.received_path.write_text(json.dumps(first) + "\n" + '{"at": 2.0, "sta')
    assert list(stack.received()) == [first]
    with stack.received_path.open("a") as record:
        record.write('tus": 200, "message": {"subject": "two"}}\n')
    assert [item["message"]["subject"] for item in stack.received()] == ["two"]
    assert list(stack.received()) == []


def received(organization: str, kind: str, subject: str, text: str = "") -> dict:
    message = {"organization": organization, "kind": kind, "subject": subject, "text": text}
    return {"at": 5.0, "status": 200, "repeat": False, "message": message}


def test_a_message_tells_of_a_failure_by_its_organization_and_error_code():
    opened = received("acme", "opened", "Acme: 3 encodings failed: Input file not found (error 2100)")
    in_digest = received(
        "acme", "digest", "Acme: 5 alerts", "- Opened, warning: 1 encoding failed: x (error 2101)"
    )
    assert _AlertBench._tells_of(opened, "acme", 2100)
    assert not _AlertBench._tells_of(opened, "acme", 210)
    assert not _AlertBench._tells_of(opened, "globex", 2100)
    assert _AlertBench._tells_of(in_digest, "acme", 2101)


def test_a_burst_counts_its_digests_spike_and_codes_and_leaves_older_news_aside():
    bench = _AlertBench.__new__(_AlertBench)
    about = [
        received("acme", "digest", "Acme: 6 alerts (6 opened)"),
        received("acme", "opened", "Acme: Failure spike: 1000 encodings failed in 10 min"),
        received("acme", "opened", "Acme: 100 encodings failed: Bucket not found (error 2101)"),
    ]
    older = received(
        "acme", "resolved", "Resolved: Acme: 1 encoding failed: Infrastructure problem (error 2019)"
    )
    assert all(bench._about_burst(message, "acme", [2101, 2102]) for message in about)
    assert not bench._about_burst(older, "acme", [2101, 2102])
