"""Celery tasks: thin wrappers that take ids, call a service and retry only transient errors."""

from celery import shared_task
from django.core.cache import cache

PING_KEY_PREFIX = "diagnostics:ping:"


@shared_task(name="diagnostics.ping", time_limit=30, soft_time_limit=20)
def ping(token: str) -> None:
    """Leave a mark in the shared cache: proves end to end that a worker consumes this project's queue."""
    cache.set(f"{PING_KEY_PREFIX}{token}", "pong", timeout=300)
