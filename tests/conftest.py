import os

import pytest
from django.conf import settings
from django.db import connection

from dashboard.envconfig import redact_url

# The simulator and the tests' listeners live on 127.0.0.1, where the dashboard sends API keys only when
# loopback is explicitly allowed. Allowed here for this process (whose settings are already loaded) and,
# through the environment, for every worker, web server and command a test starts.
os.environ["BITMOVIN_ALLOW_LOOPBACK"] = "1"
settings.BITMOVIN_ALLOW_LOOPBACK = True


def pytest_report_header(config):
    """Say which real parts this run uses, so a CI log shows PostgreSQL vs SQLite at a glance."""
    database = settings.DATABASES["default"]
    cache = settings.CACHES["default"]
    return [
        f"database: {connection.vendor} ({database['ENGINE']}, NAME={database['NAME']})",
        f"cache: {cache['BACKEND']} {redact_url(str(cache.get('LOCATION', '')))}",
        f"celery broker: {redact_url(settings.CELERY_BROKER_URL)}",
    ]


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="olivia", password="correct-horse-battery")


@pytest.fixture(autouse=True)
def fresh_cache():
    """Every test starts with an empty shared cache: limits and "already queued" marks are keyed by ids that
    the next test (or the next run) reuses, and must not carry over."""
    from django.core.cache import cache

    cache.clear()
