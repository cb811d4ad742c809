"""Every metric /metrics shows: name, kind, help and labels, in one place (README.md lists them too).

Labels are few by construction: an organization's slug (never a secret), and values from fixed sets (statuses,
outcomes, verdicts, queues, the error-code catalogue, the client's endpoint templates, route names). Nothing
carries a path, an id, a key or a message.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import Histogram, disable_created_metrics
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

ORGANIZATION = "organization"
# A `_created` series beside every histogram says when this process first saw a label set: noise here, and
# absent in multiprocess mode anyway.
disable_created_metrics()


@dataclass(frozen=True)
class Spec:
    name: str
    kind: type[Metric]
    help: str
    labels: tuple[str, ...] = ()

    def family(self) -> Metric:
        return self.kind(self.name, self.help, labels=list(self.labels))


def _gauge(name: str, help: str, *labels: str) -> Spec:
    return Spec(name, GaugeMetricFamily, help, labels)


def _counter(name: str, help: str, *labels: str) -> Spec:
    return Spec(name, CounterMetricFamily, help, labels)


# --- per organization, from the database --------------------------------------------------------------------
SYNC_AGE = _gauge(
    "dashboard_sync_age_seconds",
    "Seconds since the organization's last successful sync; +Inf when it never synced.",
    ORGANIZATION,
)
SYNC_RUNS = _gauge(
    "dashboard_sync_runs_last_hour",
    "Sync runs started in the last hour, by outcome (running, ok, failed, rate_limited).",
    ORGANIZATION,
    "outcome",
)
ENCODINGS = _gauge(
    "dashboard_encodings",
    "Encodings in the mirror (not deleted in Bitmovin), by status.",
    ORGANIZATION,
    "status",
)
FAILURES = _gauge(
    "dashboard_encoding_failures_last_hour",
    "Encodings that failed in the last hour, by Bitmovin error code (unknown: not in the catalogue; "
    "none: no code read yet).",
    ORGANIZATION,
    "error_code",
)
WEBHOOK_DELIVERIES = _gauge(
    "dashboard_webhook_deliveries_last_hour",
    "Webhook deliveries received in the last hour, by verdict; organization is empty for an unknown one.",
    ORGANIZATION,
    "verdict",
)
PENDING_REFRESHES = _gauge(
    "dashboard_pending_refreshes",
    "Encoding refreshes waiting in the outbox (asked for by a webhook, an action or the Refresh button, not "
    "read yet); the drain reads them, retrying what failed.",
    ORGANIZATION,
)
PENDING_REFRESH_AGE = _gauge(
    "dashboard_pending_refresh_oldest_seconds",
    "Seconds since the oldest waiting refresh was first asked for; 0 when none waits.",
    ORGANIZATION,
)
OPEN_INCIDENTS = _gauge(
    "dashboard_open_incidents",
    "Alert incidents open now, by severity (critical, warning).",
    ORGANIZATION,
    "severity",
)
ALERT_DELIVERIES_WAITING = _gauge(
    "dashboard_alert_deliveries_waiting",
    "Alert messages not yet delivered to their channel nor given up: due, retrying after a failed send, or "
    "held by a paused channel.",
    ORGANIZATION,
)
ALERT_DELIVERY_OLDEST = _gauge(
    "dashboard_alert_delivery_oldest_waiting_seconds",
    "Seconds since the oldest waiting alert message was queued for its channel; 0 when none waits.",
    ORGANIZATION,
)
ALERT_DELIVERIES = _gauge(
    "dashboard_alert_deliveries_last_hour",
    "Alert messages queued for a channel in the last hour, by outcome now (waiting, retrying, delivered, "
    "given_up).",
    ORGANIZATION,
    "outcome",
)
ALERT_CHANNELS_PAUSED = _gauge(
    "dashboard_alert_channels_paused",
    "Enabled alert channels paused after failed sends in a row: nothing is sent to them until a test "
    "succeeds.",
    ORGANIZATION,
)

# --- per organization, from the shared cache ----------------------------------------------------------------
API_CALLS = _counter(
    "dashboard_bitmovin_api_calls",
    "Attempts to call the Bitmovin API, by endpoint template and HTTP status (none: no answer came).",
    ORGANIZATION,
    "endpoint",
    "status",
)
RATE_LIMITED = _counter(
    "dashboard_bitmovin_rate_limited",
    "Calls refused for the rate limit: answered 429 by the API (source=api), or kept from being sent by "
    "the key's own request budget (source=budget).",
    ORGANIZATION,
    "source",
)
BUDGET_LEFT = _gauge(
    "dashboard_bitmovin_budget_remaining",
    "Calls left in the window of the organization's API key budget (shared by organizations with the same "
    "key), by endpoint, for background work and for interactive calls (which may use the operators' share).",
    ORGANIZATION,
    "endpoint",
    "caller",
)

# --- the installation ---------------------------------------------------------------------------------------
QUEUE_LENGTH = _gauge("dashboard_celery_queue_length", "Tasks waiting in each Celery queue.", "queue")
HEARTBEAT_AGE = _gauge(
    "dashboard_schedule_heartbeat_age_seconds",
    "Seconds since the schedule's heartbeat task last ran (beat and a worker both alive); +Inf: never seen.",
)
SCHEDULE_LATE = _gauge(
    "dashboard_schedule_late", "1 when the heartbeat is older than SCHEDULE_LATE_SECONDS, as the pages say."
)
PROCESS_UP = _gauge(
    "dashboard_process_up",
    '1 while beat, or a worker of the queue (process="worker:sync" ...), was heard from within '
    "PROCESS_STOPPED_SECONDS; 0 once the pages and /readyz call it stopped.",
    "process",
)
PROCESS_HEARTBEAT_AGE = _gauge(
    "dashboard_process_heartbeat_age_seconds",
    "Seconds since beat, or any worker of the queue, last recorded its heartbeat; +Inf: never seen.",
    "process",
)
SOURCE_UP = _gauge(
    "dashboard_metrics_source_up",
    "1 when this scrape could read the source (database, cache, broker); 0 when its metrics are missing.",
    "source",
)

# --- requests, measured by each web process -----------------------------------------------------------------
REQUEST_DURATION = Histogram(
    "dashboard_http_request_duration_seconds",
    "Time to answer a request, by route name, method and status class.",
    ("route", "method", "status"),
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    # Not on prometheus_client's global registry: /metrics builds its own registry for each scrape.
    registry=None,
)
