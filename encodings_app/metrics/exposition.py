"""The text a scrape of /metrics receives, in Prometheus's format.

The shared-state figures come from DashboardCollector at every scrape. The request latency histogram is kept
by each web process; under gunicorn, whose workers are separate processes, it is only whole in
prometheus_client's multiprocess mode: each worker writes its observations to files in
PROMETHEUS_MULTIPROC_DIR and the scrape adds them all up. dashboard/gunicorn_config.py sets that folder up
(README.md, "Metrics and error tracking"); a single process (the development server) needs none.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from encodings_app.metrics.collector import DashboardCollector
from encodings_app.metrics.definitions import REQUEST_DURATION

# The classic text format, which every Prometheus version reads (generate_latest writes it; newer
# prometheus_client releases call a later format "latest").
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def scrape() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DashboardCollector())
    if os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_DURATION)
    return generate_latest(registry)
