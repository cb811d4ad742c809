"""Error reports to Sentry, when SENTRY_DSN is set (the optional `sentry` extra installs sentry-sdk).

Nothing secret leaves: no personal data (no user, address or cookies: send_default_pii is off), no request
bodies, and every event and breadcrumb passes `scrub_event` before it is sent. That applies the rules the
error pages follow (dashboard/debug.py): any value under a secret name (api_key, token, password, secret,
Authorization, X-Api-Key, Cookie ...) is replaced, wherever it sits in the event (a frame's local variables,
headers, query parameters, extra data), every text loses URL passwords, named secrets and bearer tokens,
a log line goes without its separate arguments, and a library's stack frame without its local variables,
whose names say nothing (a query's parameters may hold a session key).
Each event is tagged with the request id or task id of the log lines around it (dashboard/log_context.py).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from dashboard.debug import CLEANSED, SECRET_NAMES, redact_text
from dashboard.log_context import current_ids


def init_sentry(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    """Reports unhandled errors of the web process and of Celery's tasks, and error log lines. The release
    is sentry-sdk's own guess (SENTRY_RELEASE, else the git commit)."""
    try:
        import sentry_sdk
        from sentry_sdk.integrations.celery import CeleryIntegration
        from sentry_sdk.integrations.django import DjangoIntegration
    except ImportError:
        raise ImproperlyConfigured(
            "SENTRY_DSN is set, but sentry-sdk is not installed: install the dashboard with its sentry extra "
            "(pip install 'encodings-dashboard[sentry]')"
        ) from None
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        traces_sample_rate=traces_sample_rate,
        # No personal data: send_default_pii stays at its default, off (newer releases warn when it is named).
        max_request_body_size="never",
        # The project's frames, wherever it is installed (a wheel lives in site-packages like a library).
        in_app_include=["dashboard", "encodings_app"],
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
        integrations=[DjangoIntegration(), CeleryIntegration()],
    )


def scrub_event(event: dict[str, Any], hint: Any) -> dict[str, Any]:
    scrubbed = _scrub(event)
    entry = scrubbed.get("logentry")
    if isinstance(entry, dict) and entry.get("params"):
        # A log line's text is scrubbed whole ("formatted"); its arguments alone carry no name that would say
        # which of them is secret, so they stay behind.
        entry["params"] = []
    scrubbed.setdefault("tags", {}).update(current_ids())
    return scrubbed


def scrub_breadcrumb(breadcrumb: dict[str, Any], hint: Any) -> dict[str, Any]:
    return _scrub(breadcrumb)


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get("in_app") is False:
            # A library's frame: its variables are named for the library (a query's params, a header list,
            # a WSGI environ), so their names cannot tell a secret (a session key, a token) from the rest.
            value = {key: item for key, item in value.items() if key != "vars"}
        return {key: _scrub_named(key, item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        # Sentry writes some mappings as [name, value] pairs (headers, query parameters).
        if len(value) == 2 and isinstance(value[0], str) and SECRET_NAMES.search(value[0]):
            return [value[0], CLEANSED]
        return [_scrub(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def _scrub_named(name: Any, value: Any) -> Any:
    if isinstance(name, str) and SECRET_NAMES.search(name) and value not in (None, "", {}, []):
        return CLEANSED
    return _scrub(value)
