"""What an error report (Django's debug page, an error e-mail) may show: never a key, a secret, a token, a
password, or the password inside a database, cache or broker URL, whether DEBUG is on or off."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter

from dashboard.envconfig import redact_url

# What is secret, by name: Django's names (API, AUTH, TOKEN, KEY, SECRET, PASS, SIGNATURE, HTTP_COOKIE) and
# a few of ours. It matches setting names, request headers, cookies, POST fields, query parameters and the
# names of a frame's local variables (api_key, webhook_secret, new_token, password, FIELD_ENCRYPTION_KEYS,
# SENTRY_DSN, Authorization, X-Api-Key ...). Error pages and e-mails (below) and Sentry's reports
# (dashboard/sentry.py) hide the same.
SECRET_NAMES = re.compile(
    "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|COOKIE|CREDENTIAL|ENCRYPTION|FERNET|DSN", flags=re.IGNORECASE
)
CLEANSED = "********************"
# Inside free text: "name=value" and "name: value" with a secret name (an Authorization header's scheme
# included), and a bearer token on its own.
_NAMED_VALUE = re.compile(
    r"(?P<name>[\w.-]*(?:" + SECRET_NAMES.pattern + r")[\w.-]*)(?P<sep>\s*[=:]\s*)(?P<quote>[\"']?)"
    r"(?:(?:bearer|basic|token)\s+)?(?!\*{20})[^\s&\"',;]+",
    flags=re.IGNORECASE,
)
_BEARER = re.compile(r"\bbearer\s+(?!\*{20})[A-Za-z0-9._~+/=-]+", flags=re.IGNORECASE)


def redact_text(text: str) -> str:
    """Free text (an exception's message, a query string, a log line) without the secrets it may carry: URL
    passwords, values given under a secret name, bearer tokens."""
    text = redact_url(text)
    text = _NAMED_VALUE.sub(lambda m: f"{m['name']}{m['sep']}{m['quote']}{CLEANSED}", text)
    return _BEARER.sub(f"Bearer {CLEANSED}", text)


class SecretsReporterFilter(SafeExceptionReporterFilter):
    hidden_settings = SECRET_NAMES

    def is_active(self, request: HttpRequest | None) -> bool:
        # Django turns the sensitive_variables / sensitive_post_parameters marks off when DEBUG is on; a debug
        # page is still seen by whoever triggers it (and screenshots of it travel), so they always apply.
        return True

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        cleansed = super().cleanse_setting(key, value)
        if isinstance(cleansed, str):
            # DATABASE_URL, REDIS_URL, CACHES' LOCATION, CELERY_BROKER_URL ... carry their password inline.
            # str(): lazy strings (gettext_lazy, axes' settings) pass for str but are not one.
            text = str(cleansed)
            redacted = redact_url(text)
            if redacted != text:
                cleansed = redacted
        return cleansed

    def get_post_parameters(self, request: HttpRequest | None):
        parameters = super().get_post_parameters(request)
        if request is None:
            return parameters
        sensitive = [name for name in parameters if self.hidden_settings.search(name)]
        if not sensitive:
            return parameters
        parameters = parameters.copy()
        for name in sensitive:
            parameters[name] = self.cleansed_substitute
        return parameters

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame) -> list[tuple[str, Any]]:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self._cleanse_variable(name, value)) for name, value in variables]

    def _cleanse_variable(self, name: str, value: Any) -> Any:
        if self.hidden_settings.search(name):
            return self.cleansed_substitute
        if isinstance(value, str | dict):
            return self.cleanse_setting("", value)
        return value
