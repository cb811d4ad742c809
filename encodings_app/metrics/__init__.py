"""Prometheus metrics: every metric's definition (definitions.py), the figures read from shared state at
each scrape (collector.py, sources.py), the request latency histogram (latency.py) and the scrape's text
(exposition.py). The view answering /metrics, with its access check, is views/metrics.py."""
