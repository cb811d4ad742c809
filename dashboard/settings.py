"""Settings, all from environment variables (see the configuration table in README.md).

Without DATABASE_URL, REDIS_URL and friends the project runs on embedded defaults (SQLite, the filesystem
broker, a file cache, all under var/), which is what `make run` and a plain `make test` use. Debug is off
unless DJANGO_DEBUG=1 asks for it. The demo (`make run`) runs with debug off and DASHBOARD_DEMO=1, so it shows
the product's own error pages; either of the two generates SECRET_KEY and FIELD_ENCRYPTION_KEYS under var/
and allows plain HTTP on localhost. Without them SECRET_KEY, ALLOWED_HOSTS and FIELD_ENCRYPTION_KEYS are
required. A missing
or malformed value stops start-up with a clear message naming the variable.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from dashboard.envconfig import (
    broker_transport_options,
    broker_url_beside_cache,
    env_bool,
    env_choice,
    env_fraction,
    env_https_urls,
    env_int,
    env_list,
    env_networks,
    env_public_url,
    env_secret,
    env_str,
    new_django_secret_key,
    new_fernet_key,
    parse_cache_url,
    parse_fernet_keys,
    read_or_create_secret,
)
from dashboard.private_files import private_dir, private_file

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent
# Run from a checkout, templates/, static/, devtools/ and var/ sit at its top. An installed wheel has no
# checkout around it: its templates and static files come inside this package (pyproject.toml maps them
# there), and the embedded defaults keep their files under the environment's prefix (a virtualenv's own
# folder), as Flask does for an installed application's instance folder, never inside site-packages.
SOURCE_TREE = (BASE_DIR / "pyproject.toml").is_file()
ASSETS_DIR = BASE_DIR if SOURCE_TREE else PACKAGE_DIR
VAR_DIR = Path(
    env_str("DASHBOARD_VAR_DIR")
    or (BASE_DIR / "var" if SOURCE_TREE else Path(sys.prefix) / "var" / "encodings-dashboard")
)

# Off unless asked for: a bare runserver, a check, a production start, the tests and the demo never show
# Django's technical pages.
DEBUG = env_bool("DJANGO_DEBUG", False)
# The demo on this machine: debug's conveniences (secrets generated under var/, plain HTTP on localhost, the
# simulator on loopback, static files from source, the development tools) without its technical pages.
DEMO = env_bool("DASHBOARD_DEMO", False)
_LOCAL = DEBUG or DEMO
# Production on one machine, knowingly: SQLite, the file cache and the filesystem broker are refused with
# debug off (dashboard/checks.py) unless this says so. What it costs is in README.md ("One machine only").
SINGLE_MACHINE = env_bool("DASHBOARD_SINGLE_MACHINE", False)
# Only the demo, development and a single-machine deployment keep files under var/; a production start on
# PostgreSQL and Redis writes nothing at import, so it runs from a read-only image.
EMBEDDED_PARTS_ALLOWED = _LOCAL or SINGLE_MACHINE
if EMBEDDED_PARTS_ALLOWED:
    try:
        private_dir(VAR_DIR)
    except OSError as exc:
        raise ImproperlyConfigured(
            f"cannot create the folder for the embedded defaults' files ({exc}); set DASHBOARD_VAR_DIR to a "
            "folder this user may write"
        ) from None
_DEBUG_HINT = (
    "for the demo or local development, set DASHBOARD_DEMO=1 or DJANGO_DEBUG=1 to generate one under var/"
)

SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not _LOCAL:
        raise ImproperlyConfigured(f"SECRET_KEY must be set when DJANGO_DEBUG is off ({_DEBUG_HINT})")
    SECRET_KEY = read_or_create_secret(VAR_DIR / "secret_key", new_django_secret_key)

# Rotating SECRET_KEY: put the new one in SECRET_KEY and the old ones here (comma-separated), so sessions and
# signed values made with them stay valid until they expire; then drop them.
SECRET_KEY_FALLBACKS = [key.strip() for key in env_secret("SECRET_KEY_FALLBACKS").split(",") if key.strip()]

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if _LOCAL else [])
if not _LOCAL and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_DEBUG is off")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entries must start with http:// or https://: {_origin!r}"
        )

INSTALLED_APPS = [
    # Django's admin, on a site of the dashboard's own (encodings_app/admin_site.py).
    "encodings_app.admin_site.DashboardAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "axes",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "encodings_app",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]
# The demo runner, the benchmarks and the simulator launcher: devtools/ beside this project, in the source
# tree only (the wheel leaves it out), so an installed wheel never carries them.
_DEVTOOLS_FOUND = SOURCE_TREE and (BASE_DIR / "devtools" / "apps.py").is_file()
DEVTOOLS = env_bool("DASHBOARD_DEVTOOLS", _LOCAL and _DEVTOOLS_FOUND)
if DEVTOOLS:
    if not _DEVTOOLS_FOUND:
        raise ImproperlyConfigured(
            "DASHBOARD_DEVTOOLS is on, but the development tools are not installed: they come with the "
            "source tree (devtools/), not with the wheel"
        )
    INSTALLED_APPS.append("devtools")

MIDDLEWARE = [
    # First, so that the latency histogram of /metrics times every request, the probes' included.
    "encodings_app.metrics.latency.RequestLatencyMiddleware",
    # Next, so that every response carries X-Request-Id, every log line its request's id, and the API's log
    # line times the whole request.
    "encodings_app.api.middleware.RequestIdMiddleware",
    # Before anything reads the Host header or redirects to HTTPS: load balancers probe, and Prometheus
    # scrapes, over plain HTTP with the machine's address as Host (dashboard/probes.py).
    "dashboard.probes.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "dashboard.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the user is known: marks every answer to a logged-in user, and every API answer, uncacheable.
    "dashboard.middleware.PrivateResponsesMiddleware",
    # Every page needs a login unless its view is marked login_not_required (health checks, the login page).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a login refused during a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dashboard.urls"
WSGI_APPLICATION = "dashboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [ASSETS_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboard.context_processors.product",
                "dashboard.context_processors.liveness",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------
DATABASE_URL = env_secret("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
try:
    _database = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
_database["CONN_HEALTH_CHECKS"] = True
if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["CONN_MAX_AGE"] = 0
    _database["OPTIONS"] = {
        # WAL lets the web server read while the worker writes; IMMEDIATE transactions and a busy
        # timeout make concurrent writers wait for each other instead of failing with "database is locked".
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so that a Celery worker started by a test can open the test database too.
    _database["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
    # Created private before SQLite opens it; SQLite gives its -wal and -shm files the same mode.
    if EMBEDDED_PARTS_ALLOWED and _database["NAME"] and _database["NAME"] != ":memory:":
        private_file(Path(_database["NAME"]))
elif _database["ENGINE"] == "django.db.backends.postgresql":
    # A database that stops answering must turn into a fast, clear error, not a hung request: a bounded
    # connect, a statement limit the server enforces, TCP settings that notice a peer gone silent, and a
    # deadline the client keeps on every wait, for a server that accepts and never answers
    # (dashboard/postgres).
    _database["ENGINE"] = "dashboard.postgres"
    _statement_ms = env_int("DATABASE_STATEMENT_TIMEOUT_MS", 30_000, minimum=0)
    _client_deadline = env_int(
        "DATABASE_CLIENT_DEADLINE_SECONDS", _statement_ms // 1000 + 5 if _statement_ms else 0, minimum=0
    )
    _database.setdefault("OPTIONS", {}).update(
        {
            "client_deadline": _client_deadline or None,
            "connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1),
            "options": f"-c statement_timeout={_statement_ms}",
            "keepalives": 1,
            "keepalives_idle": 30,
            "keepalives_interval": 10,
            "keepalives_count": 3,
            "tcp_user_timeout": env_int("DATABASE_TCP_USER_TIMEOUT_MS", 20_000, minimum=0),
        }
    )
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (also used for locks and rate limits, so it must work across processes) -----------------------
REDIS_URL = env_secret("REDIS_URL")
CACHE_URL = env_secret("CACHE_URL") or REDIS_URL or f"file://{VAR_DIR / 'cache'}"
CACHES = {
    "default": parse_cache_url(
        "CACHE_URL" if env_secret("CACHE_URL") else "REDIS_URL", CACHE_URL, default_file_dir=VAR_DIR / "cache"
    )
}

# --- Celery -----------------------------------------------------------------------------------------------
# With only REDIS_URL, the broker uses the next database on the same server: never the cache's.
CELERY_BROKER_URL = env_secret("CELERY_BROKER_URL") or (
    broker_url_beside_cache(REDIS_URL) if REDIS_URL else "filesystem://"
)
# A task's retry by countdown never waits longer than this: the broker's visibility timeout below must
# outlast it plus a task's time limit; dashboard/checks.py makes sure it does. (Refreshes back off in the
# outbox's rows, not in the broker: services/refresh_outbox.py.)
TASK_MAX_RETRY_COUNTDOWN_SECONDS = 5 * 60
# Redis delivers a task again when no worker acknowledged it this long after it was handed out: a task taken
# by a killed worker comes back after this long, so it stays only a little above that rule (300 + 300 s).
CELERY_BROKER_VISIBILITY_TIMEOUT = env_int("CELERY_BROKER_VISIBILITY_TIMEOUT", 15 * 60, minimum=60)
CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(
    CELERY_BROKER_URL,
    VAR_DIR,
    visibility_timeout=CELERY_BROKER_VISIBILITY_TIMEOUT,
    create=EMBEDDED_PARTS_ALLOWED,
)
CELERY_BROKER_CONNECTION_TIMEOUT = 5
# A task queued from a page or the sweep waits at most about a second for a broker that is down. Refreshes
# (webhooks, actions, the Refresh button) do not depend on it: they are rows of the outbox, and the nudge
# that wakes its drain sends once with a shorter limit of its own (tasks.py).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.3,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker or beat that loses the broker tries to reconnect for as long as it takes: Celery's default gives
# up after 100 attempts (about 50 minutes of an outage) and the worker exits, with nothing to restart it.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A worker tries every second or two, not at Celery's growing intervals of up to 30 s, so that it is back
# soon after the broker; it starts and reconnects without mingle and gossip (dashboard/worker_consumer.py).
CELERY_WORKER_CONSUMER = "dashboard.worker_consumer:Consumer"
# A task running when the broker connection drops is left to finish, not killed: either way its message
# cannot be acknowledged on the lost connection and is delivered again after the visibility timeout (tasks
# are safe to run twice), and a sync killed halfway would hold its organization's lease until it expires.
# (dashboard/broker_guard.py keeps the worker alive through that reconnect.)
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = max(1, CELERY_TASK_TIME_LIMIT - 30)
# One task at a time per worker process: with acks_late a prefetched task would wait behind a long sync.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Beat keeps its schedule in memory, not in a file: every periodic task here is an idempotent interval
# (a restarted beat runs the frequent ones at once and the others a period later), and a production image
# stays read-only. The subclass (dashboard/heartbeats.py) adds beat's own heartbeat and the runs at start.
CELERY_BEAT_SCHEDULER = "dashboard.heartbeats:HeartbeatScheduler"
# Periodic tasks: name -> {"task": ..., "schedule": seconds}. Each is added below, next to the settings of
# its feature: the schedule's heartbeat, the sync sweep, the retention prune, the refresh drain and the
# alerts' evaluation.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}
# Three queues, so that a sync of up to CELERY_TASK_TIME_LIMIT seconds never delays what an operator waits
# for: "sync" (syncs, pruning), "refresh" (one encoding's read after a webhook or an action, the sweep that
# plans the syncs every few seconds, and the schedule's heartbeat) and "alerts". Each wants its own worker
# (README.md, "Production deployment").
CELERY_TASK_DEFAULT_QUEUE = "refresh"
CELERY_TASK_ROUTES = {
    "sync.sweep": {"queue": "refresh"},
    "sync.organization": {"queue": "sync"},
    "retention.prune": {"queue": "sync"},
    "connections.check": {"queue": "sync"},
    "sync.refresh_encoding": {"queue": "refresh"},
    "schedule.heartbeat": {"queue": "refresh"},
    "alerts.*": {"queue": "alerts"},
}
TASK_QUEUES = ("sync", "refresh", "alerts")
# Beat queues a heartbeat task this often; pages and /readyz say the schedule is late once none ran for
# SCHEDULE_LATE_SECONDS. Beside the processes' own heartbeats (PROCESS_HEARTBEAT_SECONDS below) it proves
# the whole path: beat publishes, the broker delivers, a worker of the "refresh" queue runs tasks.
SCHEDULE_HEARTBEAT_SECONDS = env_int("SCHEDULE_HEARTBEAT_SECONDS", 30, minimum=5)
SCHEDULE_LATE_SECONDS = env_int("SCHEDULE_LATE_SECONDS", 180, minimum=SCHEDULE_HEARTBEAT_SECONDS * 2)
CELERY_BEAT_SCHEDULE["schedule-heartbeat"] = {
    "task": "schedule.heartbeat",
    "schedule": float(SCHEDULE_HEARTBEAT_SECONDS),
}

# --- Sync of the mirror ----------------------------------------------------------------------------------
# How often an organization is synced while something may change in it; the demo uses 15 s. The sweep
# stretches it when the organizations sharing an API key cannot all afford it within the key's budget.
SYNC_INTERVAL_SECONDS = env_int("SYNC_INTERVAL_SECONDS", 30, minimum=1)
# How often a quiet organization (nothing active, no recent webhook, no wall screen watching) whose webhooks
# are registered is synced anyway: its webhooks announce changes, polling is the safety net.
SYNC_SAFETY_NET_SECONDS = env_int("SYNC_SAFETY_NET_SECONDS", 300, minimum=1)
# How often a full reconciliation (every encoding, to catch deletions and anything missed) replaces an
# incremental sync.
FULL_SYNC_INTERVAL_SECONDS = env_int("FULL_SYNC_INTERVAL_SECONDS", 6 * 3600, minimum=60)
# At most this many status Task reads per sync run (active encodings first); the rest wait for the next run.
SYNC_MAX_STATUS_CALLS = env_int("SYNC_MAX_STATUS_CALLS", 500, minimum=1)
# A sync run holds its organization's lease this long after each API call, so a killed worker's organization
# waits this long for the next run. Unset (0): the shortest safe lease, derived from the worker's API timeouts
# (encodings_app/services/lease.py); a value below that is refused at start (dashboard/checks.py).
SYNC_LEASE_SECONDS = env_int("SYNC_LEASE_SECONDS", 0, minimum=0)
# An encoding counts as stuck when QUEUED longer than this, or RUNNING without progress for this long; a live
# encoding (always at 0 %) when RUNNING without a status read confirming it for STUCK_LIVE_NO_UPDATE_SECONDS.
STUCK_QUEUED_SECONDS = env_int("STUCK_QUEUED_SECONDS", 15 * 60, minimum=1)
STUCK_NO_PROGRESS_SECONDS = env_int("STUCK_NO_PROGRESS_SECONDS", 10 * 60, minimum=1)
STUCK_LIVE_NO_UPDATE_SECONDS = env_int("STUCK_LIVE_NO_UPDATE_SECONDS", 15 * 60, minimum=1)

# The sweep plans which organizations are due; it looks more often than the interval, so that a sync
# starts soon after it is due and room in a key's budget is not left unused. Settable for stacks whose time
# runs faster (bench_fleet), where five seconds would be a long while.
SYNC_SWEEP_SECONDS = env_int("SYNC_SWEEP_SECONDS", min(5, SYNC_INTERVAL_SECONDS), minimum=1)
CELERY_BEAT_SCHEDULE["sync-sweep"] = {"task": "sync.sweep", "schedule": float(SYNC_SWEEP_SECONDS)}

# --- Liveness of beat and the workers (services/liveness.py, dashboard/heartbeats.py) ---------------------
# Beat and every worker record a heartbeat this often (a worker one per queue it consumes), by default once
# per sweep interval; /readyz, /metrics and the pages call a process stopped once none was heard for
# PROCESS_STOPPED_SECONDS, two and a half heartbeats by default: a dead process is reported within three
# sweep intervals, and one late heartbeat is not yet an alarm.
PROCESS_HEARTBEAT_SECONDS = env_int("PROCESS_HEARTBEAT_SECONDS", SYNC_SWEEP_SECONDS, minimum=1)
PROCESS_STOPPED_SECONDS = env_int(
    "PROCESS_STOPPED_SECONDS", PROCESS_HEARTBEAT_SECONDS * 5 // 2, minimum=2 * PROCESS_HEARTBEAT_SECONDS
)

# --- Request budgets of the Bitmovin API keys (services/key_budget.py, services/sweep.py) ------------------
# Bitmovin's limit on list calls (GET /encoding/encodings) per key and minute, the tightest of its limits.
BITMOVIN_KEY_LIMIT_PER_MINUTE = env_int("BITMOVIN_KEY_LIMIT_PER_MINUTE", 60, minimum=1)
# The length of that minute: only tests, against a simulator with a shortened window, change it.
BITMOVIN_RATE_WINDOW_SECONDS = env_int("BITMOVIN_RATE_WINDOW_SECONDS", 60, minimum=1)
# The share of every limit left unused: for clocks that disagree and calls made with the key elsewhere.
SYNC_BUDGET_HEADROOM = env_fraction("SYNC_BUDGET_HEADROOM", 0.1)
# The share of what is left that only interactive calls (actions, connection tests, webhook registration)
# may use, so that a busy sweep never blocks an operator.
INTERACTIVE_RESERVED_SHARE = env_fraction("INTERACTIVE_RESERVED_SHARE", 0.1)

# --- Webhooks and retention of the dashboard's own bookkeeping -------------------------------------------
# Deliveries one address (an IPv6 /64) may post per minute; past it the endpoint answers 429 and stores
# nothing. A refused notification loses nothing: the next sync reads the same change.
WEBHOOK_RATE_LIMIT_PER_MINUTE = env_int("WEBHOOK_RATE_LIMIT_PER_MINUTE", 300, minimum=1)
# Webhook deliveries and sync runs older than this are removed (each organization keeps its latest sync run).
WEBHOOK_DELIVERY_RETENTION_DAYS = env_int("WEBHOOK_DELIVERY_RETENTION_DAYS", 14, minimum=1)
SYNC_RUN_RETENTION_DAYS = env_int("SYNC_RUN_RETENTION_DAYS", 30, minimum=1)
# Encodings deleted at Bitmovin stay visible (marked deleted) this long, then go with their messages.
DELETED_ENCODING_RETENTION_DAYS = env_int("DELETED_ENCODING_RETENTION_DAYS", 30, minimum=1)
# Audit entries older than this are removed; 0 keeps the audit log for ever.
AUDIT_LOG_RETENTION_DAYS = env_int("AUDIT_LOG_RETENTION_DAYS", 730, minimum=0)

CELERY_BEAT_SCHEDULE["retention-prune"] = {"task": "retention.prune", "schedule": 3600.0}

# --- Account connections (services/account_connect.py) --------------------------------------------------
# How often each connection's key is asked what it reaches: new organizations are offered to the account
# admin, watched ones it no longer reaches are marked. A few calls per connection each time.
CONNECTION_CHECK_SECONDS = env_int("CONNECTION_CHECK_SECONDS", 3600, minimum=60)
CELERY_BEAT_SCHEDULE["connections-check"] = {
    "task": "connections.check",
    "schedule": float(CONNECTION_CHECK_SECONDS),
}

# --- Usage (services/usage.py) ----------------------------------------------------------------------------
# How often each organization's usage is read from Bitmovin's statistics (three calls each, on endpoints
# allowed 60 a minute per key); the first read goes back USAGE_HISTORY_DAYS, later ones re-read the last
# USAGE_RECENT_DAYS (a day's figures change while its encodings finish) and any day missing. Beat looks every
# USAGE_PLAN_SECONDS (and at its start) for organizations that are due and reads those the keys' budgets
# have room for; the others wait for a later look.
USAGE_SYNC_SECONDS = env_int("USAGE_SYNC_SECONDS", 3600, minimum=60)
USAGE_PLAN_SECONDS = env_int("USAGE_PLAN_SECONDS", 60, minimum=10)
USAGE_HISTORY_DAYS = env_int("USAGE_HISTORY_DAYS", 90, minimum=2)
USAGE_RECENT_DAYS = env_int("USAGE_RECENT_DAYS", 2, minimum=1)
CELERY_TASK_ROUTES["usage.*"] = {"queue": "sync"}
CELERY_BEAT_SCHEDULE["usage-sync"] = {
    "task": "usage.sync_all",
    "schedule": float(USAGE_PLAN_SECONDS),
    "options": {"expires": float(USAGE_PLAN_SECONDS)},
}

# --- Refreshes of one encoding (services/refresh_outbox.py) ----------------------------------------------
# Webhooks, pages and actions ask for fresh reads in the database (the outbox); the web nudges a drain after
# each request, and beat runs one this often as well, which also catches up after a broker outage. A drain
# message older than the interval is dropped unread: a newer one is already queued behind it.
REFRESH_DRAIN_SECONDS = env_int("REFRESH_DRAIN_SECONDS", 2, minimum=1)
CELERY_TASK_ROUTES["refresh.drain"] = {"queue": "refresh"}
# Bulk actions send what an operator confirmed and watches: the queue of what people wait for. Beat queues
# the run again of a job whose items wait while no run is queued (a message lost with the broker).
CELERY_TASK_ROUTES["bulk.run"] = {"queue": "refresh"}
CELERY_TASK_ROUTES["bulk.resume"] = {"queue": "refresh"}
BULK_RESUME_SECONDS = env_int("BULK_RESUME_SECONDS", 60, minimum=10)
CELERY_BEAT_SCHEDULE["bulk-resume"] = {
    "task": "bulk.resume",
    "schedule": float(BULK_RESUME_SECONDS),
    "options": {"expires": float(BULK_RESUME_SECONDS)},
}
CELERY_BEAT_SCHEDULE["refresh-drain"] = {
    "task": "refresh.drain",
    "schedule": float(REFRESH_DRAIN_SECONDS),
    "options": {"expires": float(REFRESH_DRAIN_SECONDS)},
}
# --- Alert channels (services/alert_channels/) -----------------------------------------------------------
# Messages wait in the database (one AlertDelivery per message and channel); whoever writes one nudges a
# delivery run after commit, and beat runs one this often as well, which catches up after a broker outage.
ALERTS_DELIVER_SECONDS = env_int("ALERTS_DELIVER_SECONDS", 5, minimum=1)
CELERY_BEAT_SCHEDULE["alerts-deliver"] = {
    "task": "alerts.deliver",
    "schedule": float(ALERTS_DELIVER_SECONDS),
    "options": {"expires": float(ALERTS_DELIVER_SECONDS)},
}
# The delivery log keeps delivered (or given up) messages this long; the retention prune removes the rest.
ALERT_DELIVERY_RETENTION_DAYS = env_int("ALERT_DELIVERY_RETENTION_DAYS", 30, minimum=1)
# Channel URLs (Slack-compatible and signed webhooks) obey the API client's destination rules: public
# addresses only. This also allows 127.0.0.1 and ::1 (a receiver on the same machine, as in the demo);
# private, link-local and reserved addresses stay refused.
ALERT_CHANNELS_ALLOW_LOOPBACK = env_bool("ALERT_CHANNELS_ALLOW_LOOPBACK", _LOCAL)
# E-mail channels go through Django's e-mail backend; these are Django's own settings. In development
# without EMAIL_HOST the messages are printed on the console instead.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if _LOCAL and not EMAIL_HOST
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = EMAIL_HOST or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "EMAIL_USE_TLS (STARTTLS) and EMAIL_USE_SSL (TLS from the start) exclude each other"
    )
# Seconds one SMTP conversation may take; a slow server delays a delivery run by at most this.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 15, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "dashboard@localhost")

# --- The encodings list -------------------------------------------------------------------------------------
# The list counts its rows exactly up to this many (a count that stops after one more); past it the page shows
# the database's estimate ("about 1.2 million") and a link that counts exactly, so that a page of a million
# encodings does not count them all. The API counts only when asked (includeTotalCount=true), exactly.
LIST_EXACT_COUNT_LIMIT = env_int("LIST_EXACT_COUNT_LIMIT", 1_000, minimum=1)

# --- Wall displays ----------------------------------------------------------------------------------------
# A wall's board, rendered once for every screen showing the same organizations, stays in use this many
# seconds while only their data moved (views/wall_board.py): at most one render per set of organizations in
# that time, however busy their encodings, and a screen shows the mirror at most that much later. 0 renders
# every change.
WALL_BOARD_SETTLE_SECONDS = env_int("WALL_BOARD_SETTLE_SECONDS", 5, minimum=0)

# --- Actions on encodings ---------------------------------------------------------------------------------
# Each user may ask for this many actions (start, stop, delete, reprioritize, restart live, refresh) per
# window, on the pages and through the API together; past it the answer is "wait N s" (HTTP 429).
ACTION_RATE_LIMIT = env_int("ACTION_RATE_LIMIT", 30, minimum=1)
ACTION_RATE_WINDOW_SECONDS = env_int("ACTION_RATE_WINDOW_SECONDS", 60, minimum=1)
# After Bitmovin accepts a start, stop, delete or live restart, the pages show the state it leads to, marked
# as pending, until a read of the encoding settles it; past this many seconds they show the mirror's own
# state again, so that an action lost on the way does not pin a state that never comes. Four sync intervals
# by default: the action's own refresh and at least three syncs have had their chance to read it.
PENDING_ACTION_SECONDS = env_int("PENDING_ACTION_SECONDS", 4 * SYNC_INTERVAL_SECONDS, minimum=1)

# --- Alerts (encodings_app/services/alerts/) ---------------------------------------------------------------
# Beat evaluates every organization's alert rules this often on the "alerts" queue: a failure, a stuck
# encoding or a broken sync opens its incident within one interval of the mirror showing it. A run older than
# the interval is dropped unread: the next one evaluates the same state.
ALERTS_EVALUATE_SECONDS = env_int("ALERTS_EVALUATE_SECONDS", 30, minimum=1)
# Where people open the dashboard (https://dashboard.example.com): alert messages link to the incident and to
# the encodings it is about under this address. Without it messages carry no links (`check --deploy` warns).
DASHBOARD_PUBLIC_URL = env_public_url("DASHBOARD_PUBLIC_URL")
CELERY_BEAT_SCHEDULE["alerts-evaluate"] = {
    "task": "alerts.evaluate",
    "schedule": float(ALERTS_EVALUATE_SECONDS),
    "options": {"expires": float(ALERTS_EVALUATE_SECONDS)},
}

# --- API keys of organizations -------------------------------------------------------------------------
_field_keys = env_secret("FIELD_ENCRYPTION_KEYS")
if not _field_keys:
    if not _LOCAL:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be set when DJANGO_DEBUG is off "
            f"(losing it makes stored API keys unreadable; {_DEBUG_HINT})"
        )
    _field_keys = read_or_create_secret(VAR_DIR / "field_encryption_key", new_fernet_key)
FIELD_ENCRYPTION_KEYS = parse_fernet_keys("FIELD_ENCRYPTION_KEYS", _field_keys)

# --- Where organizations' API keys may be sent -------------------------------------------------------------
# The API base URLs an organization may be set to; the settings form, the services and the client refuse
# any other. The simulator on 127.0.0.1 / localhost (any port) is allowed only with BITMOVIN_ALLOW_LOOPBACK,
# on by default in development; the client then also connects to loopback addresses, never to private ones.
BITMOVIN_API_BASE_URLS = env_https_urls("BITMOVIN_API_BASE_URLS", ["https://api.bitmovin.com/v1"])
BITMOVIN_ALLOW_LOOPBACK = env_bool("BITMOVIN_ALLOW_LOOPBACK", _LOCAL)

# --- Auth ---------------------------------------------------------------------------------------------------
# django-axes first: it refuses a sign-in during a lockout before the password is even checked. It guards
# every form that calls authenticate() with the request (the site's login and /admin/login/); the REST
# API's tokens do not go through it.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
# Behind this many proxies that each append to X-Forwarded-For, the client is the N-th entry from the right;
# 0 ignores the header (see dashboard/client_ip.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
# A user name is locked from one address at a time: an attacker cannot lock a colleague out from elsewhere,
# and one address guessing many names is stopped name by name.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "dashboard.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "encodings_app.views.login.lockout_response"
# The database handler: the same tables on PostgreSQL and SQLite, visible (and clearable) in the admin,
# rolled back with each test; the cache is for data that may vanish, and a lockout must not.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# Successful sign-ins are not kept by axes; lockouts go to the audit log (encodings_app/services/audit.py).
AXES_DISABLE_ACCESS_LOG = True
# A successful sign-in forgets that user name's earlier failures from that address: typos spread over a day
# must not add up to a lockout.
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation and time ------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [ASSETS_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT") or VAR_DIR / "staticfiles")
# Serve static files straight from static/ and the apps, without collectstatic: the demo and the tests.
STATIC_FROM_SOURCE = env_bool("STATIC_FROM_SOURCE", _LOCAL)
WHITENOISE_USE_FINDERS = STATIC_FROM_SOURCE
if STATIC_FROM_SOURCE:
    # WhiteNoise warns at every start when the folder is missing; nothing is collected into it here.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if STATIC_FROM_SOURCE
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security -----------------------------------------------------------------------------------------------
# Django's database sessions, refusing cookies that hold what no session key does (see dashboard/sessions.py).
SESSION_ENGINE = "dashboard.sessions"
SESSION_COOKIE_SECURE = not _LOCAL
CSRF_COOKIE_SECURE = not _LOCAL
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not _LOCAL)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if _LOCAL else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto; only enable when the proxy strips
    # the header from client requests.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Error reports (the debug page, error e-mails) never show a key, a token, a password or a URL's password.
DEFAULT_EXCEPTION_REPORTER_FILTER = "dashboard.debug.SecretsReporterFilter"
SILENCED_SYSTEM_CHECKS: list[str] = []
if not _LOCAL and not SECURE_SSL_REDIRECT:
    # The operator turned the redirect off because the proxy in front already redirects to HTTPS.
    SILENCED_SYSTEM_CHECKS.append("security.W008")

CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'",
)

# --- Django REST framework --------------------------------------------------------------------------------
# The API lives in encodings_app/api/ (see its README.md): Bitmovin's envelope, codes and X-Api-Key.
REST_FRAMEWORK = {
    # X-Api-Key first: its WWW-Authenticate value makes DRF answer 401 (not 403) to missing credentials.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "encodings_app.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["encodings_app.api.envelope.EnvelopeRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "encodings_app.api.errors.envelope_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Encodings Dashboard API",
    "DESCRIPTION": (
        "The dashboard's mirror of Bitmovin encodings and its operator actions, in the Bitmovin API's "
        "envelope. Authenticate with a personal API token in the X-Api-Key header (create one at /account/)."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # The schema describes the API, not itself; it and the docs are public (they hold no data).
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "EncodingStatusEnum": "encodings_app.models.choices.EncodingStatus",
        "MessageTypeEnum": "encodings_app.models.choices.MessageType",
        "RoleEnum": "encodings_app.models.choices.Role",
        "SuccessStatusEnum": ["SUCCESS"],
        "ErrorStatusEnum": ["ERROR"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "encodings_app.api.schema.finish_schema",
    ],
}

# --- Logging ------------------------------------------------------------------------------------------------
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("debug", "info", "warning", "error", "critical")).upper()
LOG_FORMAT = env_choice("LOG_FORMAT", "text", ("text", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # log_ids: the request's or the task's id, "-" for neither (dashboard/log_context.py).
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(log_ids)s] %(message)s"},
        "json": {"()": "dashboard.logging.JsonFormatter"},
    },
    "filters": {
        "client_errors_one_line": {"()": "dashboard.logging.ClientErrorsWithoutTraceback"},
        "log_ids": {"()": "dashboard.log_context.LogIdsFilter"},
    },
    # A refused or unknown address, a bad Host header, is the client's business: one line, no traceback.
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["client_errors_one_line", "log_ids"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Request bodies never reach the logs; Django's request logger only names the path and status.
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}

PRODUCT_NAME = "Encodings Dashboard"

# --- Metrics and error tracking -----------------------------------------------------------------------------
# /metrics for Prometheus is off (404) unless a token or networks are set; with both, a scrape needs both
# (encodings_app/views/metrics.py; README.md, "Metrics and error tracking").
METRICS_TOKEN = env_secret("METRICS_TOKEN")
if METRICS_TOKEN and len(METRICS_TOKEN) < 16:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 16 characters long")
METRICS_ALLOWED_NETWORKS = env_networks("METRICS_ALLOWED_NETWORKS")
# Errors to Sentry, scrubbed of every secret (dashboard/sentry.py); off without a DSN.
SENTRY_DSN = env_secret("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "production")
SENTRY_TRACES_SAMPLE_RATE = env_fraction("SENTRY_TRACES_SAMPLE_RATE", 0.0, one_allowed=True)
if SENTRY_DSN:
    from dashboard.sentry import init_sentry

    init_sentry(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT, traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE)
