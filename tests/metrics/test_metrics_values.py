"""What a scrape of /metrics says about a known world, what it never says, and what it costs."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily

from dashboard.celery import app as celery_app
from encodings_app import crypto
from encodings_app.bitmovin import RateLimitedError
from encodings_app.metrics import definitions
from encodings_app.models import (
    AlertChannel,
    AlertDelivery,
    AlertKind,
    EncodingStatus,
    Incident,
    PendingRefresh,
    SyncRun,
    WebhookDelivery,
)
from encodings_app.services import api_call_counts, clients
from encodings_app.services.alert_channels.targets import channel_add
from encodings_app.services.key_budget import ApiBudget
from encodings_app.services.refresh_outbox import refresh_request
from encodings_app.services.schedule import schedule_heartbeat_record
from tests.factories import (
    TEST_API_KEY,
    failed_encoding,
    make_delivery,
    make_encoding,
    make_organization,
    make_sync_run,
    populate,
    running_encoding,
)
from tests.metrics.conftest import TOKEN, parse, scrape, scrape_text, series, value
from tests.support.broker import queued_tasks

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("metrics_on")]

LIST = "GET /encoding/encodings"
STATUS = "GET /encoding/encodings/{id}/status"
HOUR_AGO = timedelta(hours=1)


@pytest.fixture
def world():
    """Acme synced two minutes ago; Globex never did. Both use the same API key."""
    now = timezone.now()
    acme = make_organization("acme", last_sync_succeeded_at=now - timedelta(seconds=120))
    acme.ensure_webhook_secret()
    acme.save()
    globex = make_organization("globex")
    return acme, globex


def test_sync_age_and_outcomes_per_organization(world):
    acme, globex = world
    now = timezone.now()
    for outcome in ("ok", "ok", "ok", "failed"):
        make_sync_run(acme, outcome=outcome, started_at=now - timedelta(minutes=10))
    make_sync_run(acme, outcome="ok", started_at=now - HOUR_AGO - timedelta(minutes=5))  # outside the hour
    make_sync_run(globex, outcome=SyncRun.Outcome.RATE_LIMITED, started_at=now - timedelta(minutes=1))

    samples = scrape()

    assert value(samples, "dashboard_sync_age_seconds", organization="acme") == pytest.approx(120, abs=10)
    assert value(samples, "dashboard_sync_age_seconds", organization="globex") == float("inf")
    runs = "dashboard_sync_runs_last_hour"
    assert value(samples, runs, organization="acme", outcome="ok") == 3
    assert value(samples, runs, organization="acme", outcome="failed") == 1
    assert value(samples, runs, organization="acme", outcome="rate_limited") == 0
    assert value(samples, runs, organization="globex", outcome="rate_limited") == 1
    assert value(samples, runs, organization="globex", outcome="running") == 0


def test_encodings_by_status_and_failures_by_code_in_the_last_hour(world):
    acme, globex = world
    running_encoding(acme)
    running_encoding(acme)
    running_encoding(acme, deleted_at=timezone.now())  # gone from Bitmovin: not counted
    make_encoding(acme, status=EncodingStatus.FINISHED)
    failed_encoding(acme, code=2016, minutes_ago=5)
    failed_encoding(acme, code=2016, minutes_ago=30)
    failed_encoding(acme, code=987_654, minutes_ago=10)  # a code the catalogue does not know
    failed_encoding(acme, code=None, minutes_ago=10, error_category="", error_text="")
    failed_encoding(acme, code=1000, minutes_ago=120, status=EncodingStatus.TRANSFER_ERROR)  # too long ago
    make_encoding(globex, status="SOMETHING_NEW")

    samples = scrape()

    encodings = "dashboard_encodings"
    assert value(samples, encodings, organization="acme", status="RUNNING") == 2
    assert value(samples, encodings, organization="acme", status="FINISHED") == 1
    assert value(samples, encodings, organization="acme", status="ERROR") == 4
    assert value(samples, encodings, organization="acme", status="TRANSFER_ERROR") == 1
    assert value(samples, encodings, organization="acme", status="QUEUED") == 0
    assert value(samples, encodings, organization="globex", status="unknown") == 1
    failures = series(samples, "dashboard_encoding_failures_last_hour")
    assert failures == {
        (("error_code", "2016"), ("organization", "acme")): 2,
        (("error_code", "unknown"), ("organization", "acme")): 1,
        (("error_code", "none"), ("organization", "acme")): 1,
    }


def test_webhook_deliveries_by_verdict_in_the_last_hour(world):
    acme, _ = world
    make_delivery(acme)
    make_delivery(acme)
    make_delivery(acme, verdict=WebhookDelivery.Verdict.INVALID)
    make_delivery(acme, received_at=timezone.now() - HOUR_AGO - timedelta(minutes=1))
    make_delivery(None, verdict=WebhookDelivery.Verdict.UNKNOWN_ORGANIZATION)

    samples = scrape()

    deliveries = "dashboard_webhook_deliveries_last_hour"
    assert value(samples, deliveries, organization="acme", verdict="valid") == 2
    assert value(samples, deliveries, organization="acme", verdict="invalid") == 1
    assert value(samples, deliveries, organization="acme", verdict="missing") == 0
    assert value(samples, deliveries, organization="globex", verdict="valid") == 0
    assert value(samples, deliveries, organization="", verdict="unknown_organization") == 1


def test_refreshes_waiting_in_the_outbox_and_the_age_of_the_oldest(world):
    acme, _ = world
    refresh_request(organization_id=acme.pk, bitmovin_id="enc-waiting-1")
    PendingRefresh.objects.update(requested_at=timezone.now() - timedelta(seconds=90))
    refresh_request(organization_id=acme.pk, bitmovin_id="enc-waiting-2")
    refresh_request(organization_id=acme.pk, bitmovin_id="enc-waiting-2")  # one row per encoding

    samples = scrape()

    assert value(samples, "dashboard_pending_refreshes", organization="acme") == 2
    assert 90 <= value(samples, "dashboard_pending_refresh_oldest_seconds", organization="acme") < 150
    assert value(samples, "dashboard_pending_refreshes", organization="globex") == 0
    assert value(samples, "dashboard_pending_refresh_oldest_seconds", organization="globex") == 0


def test_api_calls_by_endpoint_and_status_and_the_rate_limit_refusals(world):
    acme, globex = world
    calls = api_call_counts.ApiCallCounter(acme.pk)
    for status in (200, 200, 429, None):
        calls.attempted("GET", LIST, status)
    calls.attempted("GET", STATUS, 200)
    calls.attempted("GET", STATUS, 429)
    api_call_counts.ApiCallCounter(globex.pk).attempted("GET", LIST, 503)
    with pytest.raises(RateLimitedError):
        calls.spending(refusing_budget)("GET", LIST)

    samples = scrape()

    assert series(samples, "dashboard_bitmovin_api_calls_total") == {
        (("endpoint", LIST), ("organization", "acme"), ("status", "200")): 2,
        (("endpoint", LIST), ("organization", "acme"), ("status", "429")): 1,
        (("endpoint", LIST), ("organization", "acme"), ("status", "none")): 1,
        (("endpoint", STATUS), ("organization", "acme"), ("status", "200")): 1,
        (("endpoint", STATUS), ("organization", "acme"), ("status", "429")): 1,
        (("endpoint", LIST), ("organization", "globex"), ("status", "503")): 1,
    }
    limited = "dashboard_bitmovin_rate_limited_total"
    assert value(samples, limited, organization="acme", source="api") == 2
    assert value(samples, limited, organization="acme", source="budget") == 1
    assert value(samples, limited, organization="globex", source="api") == 0


def refusing_budget(method: str, endpoint: str) -> None:
    raise RateLimitedError("our own budget is spent", retry_after=10.0)


def test_budget_left_falls_with_each_call_for_every_organization_on_the_key(world):
    acme, _ = world
    keyless = make_organization("keyless", api_key=None)
    before = scrape()
    budget = ApiBudget(clients.budget_fingerprint(acme))
    for _ in range(3):
        budget("GET", LIST)

    after = scrape()

    left = "dashboard_bitmovin_budget_remaining"
    for slug in ("acme", "globex"):  # the same key at the same API: one budget
        for caller in ("background", "interactive"):
            list_left = {"organization": slug, "endpoint": LIST, "caller": caller}
            status_left = {"organization": slug, "endpoint": STATUS, "caller": caller}
            assert value(before, left, **list_left) - 3 == value(after, left, **list_left)
            assert value(before, left, **status_left) == value(after, left, **status_left)
    # Operators keep a share of the key that background work may not use.
    background = {"organization": "acme", "endpoint": LIST, "caller": "background"}
    interactive = {**background, "caller": "interactive"}
    assert 0 < value(after, left, **background) < value(after, left, **interactive)
    assert not [labels for labels in series(after, left) if ("organization", keyless.slug) in labels]


def test_queue_length_is_read_from_the_broker(world):
    acme, _ = world
    before = scrape()
    celery_app.send_task("sync.organization", args=[acme.pk])
    celery_app.send_task("sync.organization", args=[acme.pk])
    try:
        after = scrape()
    finally:
        for task in queued_tasks("sync.organization"):
            task.remove()

    length = "dashboard_celery_queue_length"
    assert value(after, length, queue="sync") == value(before, length, queue="sync") + 2
    assert value(after, length, queue="refresh") == value(before, length, queue="refresh")
    assert {labels for labels in series(after, length)} == {(("queue", q),) for q in settings.TASK_QUEUES}


def test_heartbeat_age_and_lateness(world):
    schedule_heartbeat_record(timezone.now() - timedelta(seconds=100))
    samples = scrape()
    assert value(samples, "dashboard_schedule_heartbeat_age_seconds") == pytest.approx(100, abs=5)
    assert value(samples, "dashboard_schedule_late") == 0

    schedule_heartbeat_record(timezone.now() - timedelta(seconds=settings.SCHEDULE_LATE_SECONDS + 60))
    samples = scrape()
    assert value(samples, "dashboard_schedule_late") == 1


def test_no_secret_is_anywhere_in_a_scrape(world, client):
    acme, globex = world
    populate(acme, encodings=14)
    make_delivery(acme, verdict=WebhookDelivery.Verdict.INVALID)
    api_call_counts.ApiCallCounter(acme.pk).attempted("GET", LIST, 200)
    acme.refresh_from_db()

    text = scrape_text(client)

    webhook_secret = crypto.decrypt(acme.webhook_secret_encrypted)
    fingerprint = clients.budget_fingerprint(acme)
    for secret in (
        TEST_API_KEY,
        acme.connection.api_key_encrypted,
        globex.connection.api_key_encrypted,
        webhook_secret,
        acme.webhook_secret_encrypted,
        fingerprint,
        TOKEN,
        settings.SECRET_KEY,
        *settings.FIELD_ENCRYPTION_KEYS,
    ):
        assert secret and secret not in text
    assert "dashboard_bitmovin_api_calls_total" in text


def test_series_grow_with_organizations_only_never_with_encodings_or_paths(world, client):
    acme, _ = world
    populate(acme, encodings=7)
    scrape(client)
    first = scrape(client)

    populate(acme, encodings=21)  # three times as many encodings, every status and error code again
    for encoding in acme.encodings.all()[:5]:  # five different paths of one route
        client.get(f"/o/acme/encodings/{encoding.bitmovin_id}/")
    client.get("/o/acme/encodings/no-such-encoding/")
    client.generic("BREW", "/metrics")
    second = scrape(client)

    database_series = {name for name, _ in first if not name.startswith("dashboard_http_")}
    for name in database_series:
        assert len(series(second, name)) == len(series(first, name)), name
    # The histogram is the process's: only what this test's requests added is looked at.
    requests = "dashboard_http_request_duration_seconds_count"
    added = set(series(second, requests)) - set(series(first, requests))
    assert {(dict(labels)["route"], dict(labels)["method"]) for labels in added} <= {
        ("encoding-detail", "GET"),
        ("metrics", "other"),
    }
    # Only the series this test's requests moved: earlier tests in the process may have left others.
    before, after = series(first, requests), series(second, requests)
    detail = [
        labels
        for labels, count in after.items()
        if ("route", "encoding-detail") in labels and count != before.get(labels, 0)
    ]
    assert len(detail) == 1, "five paths, one route"

    more = [make_organization(f"org-extra-{n}") for n in range(3)]
    third = scrape(client)
    for name in database_series:
        per_organization = (len(series(third, name)) - len(series(second, name))) / len(more)
        assert per_organization == len(
            [1 for labels in series(second, name) if ("organization", "globex") in labels]
        )

    label_names = {key for (_, labels) in third for key, _ in labels}
    assert label_names <= {
        "organization",
        "outcome",
        "status",
        "error_code",
        "verdict",
        "severity",
        "endpoint",
        "source",
        "caller",
        "queue",
        "process",
        "route",
        "method",
        "le",
    }
    organizations = {dict(labels).get("organization") for (_, labels) in third} - {None}
    assert organizations == {"acme", "globex", "", *(org.slug for org in more)}


def test_a_scrape_costs_the_same_few_queries_however_many_organizations(
    world, client, django_assert_num_queries
):
    acme, _ = world
    populate(acme, encodings=7)
    alerting(acme)
    with django_assert_num_queries(9):
        few = scrape_text(client)
    for n in range(8):
        organization = make_organization(f"org-more-{n}")
        populate(organization, encodings=3)
        alerting(organization)
    with django_assert_num_queries(9):
        many = scrape_text(client)
    assert len(parse(many)) > len(parse(few))


def alerting(organization) -> None:
    """An open incident, and a paused channel with a message waiting and one delivered."""
    Incident.objects.create(organization=organization, kind=AlertKind.SYNC, cause="sync:failing", title="x")
    channel = channel_add(organization=organization, kind="email", target="ops@example.com").channel
    AlertChannel.objects.filter(pk=channel.pk).update(paused_at=timezone.now())
    for key, delivered_at in (("waits", None), ("went", timezone.now())):
        AlertDelivery.objects.create(
            channel=channel,
            message_key=key,
            kind=AlertDelivery.Kind.OPENED,
            subject=key,
            body=key,
            delivered_at=delivered_at,
            next_attempt_at=None if delivered_at else timezone.now(),
        )


def test_a_source_that_cannot_be_read_leaves_out_its_metrics_only(world, monkeypatch):
    # Nothing listens on port 1: the broker cannot be reached.
    unreachable = "redis://127.0.0.1:1/0"
    monkeypatch.setitem(celery_app.conf, "broker_url", unreachable)
    monkeypatch.setenv("CELERY_BROKER_URL", unreachable)  # Celery prefers it to its configuration

    samples = scrape()

    assert value(samples, "dashboard_metrics_source_up", source="broker") == 0
    assert value(samples, "dashboard_metrics_source_up", source="database") == 1
    assert value(samples, "dashboard_metrics_source_up", source="cache") == 1
    assert not series(samples, "dashboard_celery_queue_length")
    assert value(samples, "dashboard_sync_age_seconds", organization="acme") > 0


def test_the_readme_lists_every_metric():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    specs = [spec for spec in vars(definitions).values() if isinstance(spec, definitions.Spec)]
    names = [f"{spec.name}_total" if spec.kind is CounterMetricFamily else spec.name for spec in specs] + [
        definitions.REQUEST_DURATION.describe()[0].name
    ]
    assert len(names) > 20
    assert [name for name in names if f"`{name}`" not in readme] == []
