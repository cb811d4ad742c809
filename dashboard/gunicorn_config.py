"""gunicorn's settings for the web process: `gunicorn -c python:dashboard.gunicorn_config dashboard.wsgi`.

Threads, because a page may wait on Bitmovin (an action, "Test connection") while other requests go on; the
longest such call is bounded by services/clients.py (INTERACTIVE_RETRY_BUDGET_S plus one attempt, about 20 s),
and `timeout` stays well above it, so a slow API never gets a worker killed mid-action. Every value can be
overridden with gunicorn's own GUNICORN_CMD_ARGS or the environment variables read here.
"""

import os
import shutil
import tempfile

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Processes: one per core plus one; each runs `threads` requests at once.
workers = int(os.environ.get("WEB_CONCURRENCY", str((os.cpu_count() or 1) + 1)))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Seconds a worker may go silent before it is restarted; an interactive Bitmovin call ends within about 20 s.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Idle keep-alive connections from the load balancer; longer than the balancer's own idle timeout is wrong.
keepalive = 5
# A worker is replaced after this many requests (with jitter), so that a slow leak never grows unbounded.
max_requests = 2000
max_requests_jitter = 200
# Logs go to standard output and error like every other process; the application logs each request itself.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# With the request's id, as every log line of the application has it (dashboard/log_context.py); the path
# without its query string, which may carry a token.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'
errorlog = "-"
# Behind a proxy that sets X-Forwarded-*; which proxies Django trusts is decided in settings, not here.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


# The request latency histogram of /metrics must add up every worker's requests: prometheus_client's
# multiprocess mode has each worker write its observations to files in PROMETHEUS_MULTIPROC_DIR, which the
# scrape reads (encodings_app/metrics/exposition.py). Without a folder of the operator's, one is made for
# this server in the temporary folder and removed when it stops; either way it starts empty, as
# prometheus_client requires. Set here, before any worker is started and imports the application, and not at
# import of this file, which tests and tools read without starting a server.
_made_metrics_dir: list[str] = []


def on_starting(server) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            if name.endswith(".db"):
                os.remove(os.path.join(folder, name))
    else:
        folder = tempfile.mkdtemp(prefix="dashboard-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
        _made_metrics_dir.append(folder)


def on_exit(server) -> None:
    for folder in _made_metrics_dir:
        shutil.rmtree(folder, ignore_errors=True)
