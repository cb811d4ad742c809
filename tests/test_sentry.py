"""Error reports to Sentry, sent over HTTP to a listener standing in for Sentry: what they keep, and every
secret they leave out."""

import gzip
import json
import zlib

import pytest
import sentry_sdk
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory, override_settings

from dashboard.debug import SecretsReporterFilter
from dashboard.sentry import init_sentry, scrub_event
from tests.support.leaky_view import API_KEY, DATABASE_PASSWORD
from tests.support.listener import Listener
from tests.test_settings import PRODUCTION_ENV, run_manage

BEARER_TOKEN = "bearer-token-5e8a1c7f"
QUERY_TOKEN = "query-token-2b9d4f6a"
FORM_PASSWORD = "form-password-8c3e"
SESSION_COOKIE = "session-cookie-1a2b3c4d"
CSRF_SECRET = "Q7wX2mZ9pL4kR8vT1nB6cY3hJ5dF0gSa"
SECRETS = (API_KEY, DATABASE_PASSWORD, BEARER_TOKEN, QUERY_TOKEN, FORM_PASSWORD, SESSION_COOKIE, CSRF_SECRET)


@pytest.fixture
def sentry():
    """Sentry's SDK set up as settings do for a DSN, sending to a listener on 127.0.0.1."""
    with Listener(status=200, body=b"{}", headers={"Content-Type": "application/json"}) as listener:
        init_sentry(
            dsn=f"http://public@127.0.0.1:{listener.port}/42", environment="test", traces_sample_rate=0
        )
        try:
            yield listener
        finally:
            client = sentry_sdk.get_client()
            client.flush(timeout=5)
            client.close()
            sentry_sdk.get_global_scope().set_client(None)


def envelopes(listener: Listener) -> list[bytes]:
    sentry_sdk.get_client().flush(timeout=10)
    bodies = []
    for received in listener.received:
        assert received.path == "/api/42/envelope/", received.path
        encoding = {key.lower(): value for key, value in received.headers.items()}.get("content-encoding")
        body = received.body
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            # sentry-sdk compresses with Brotli whenever the brotli package is installed (locust brings it).
            import brotli

            body = brotli.decompress(body)
        else:
            assert encoding is None, f"cannot read a {encoding} body"
        bodies.append(body)
    return bodies


def events(bodies: list[bytes]) -> list[dict]:
    """The items of the envelopes: a header line, then an item header and its payload, line by line."""
    found = []
    for body in bodies:
        lines = body.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                found.append(json.loads(payload))
    return found


def wsgi_post(path: str, data: dict, **headers: str) -> tuple[str, dict[str, str]]:
    """A request through Django's WSGI application, as gunicorn sends it (Sentry reads the request there)."""
    environ = RequestFactory().post(path, data, **headers).environ
    answered: dict = {}

    def start_response(status: str, response_headers: list, exc_info=None) -> None:
        answered.update(status=status, headers=dict(response_headers))

    b"".join(WSGIHandler()(environ, start_response))
    return answered["status"], answered["headers"]


# Committed rows and connections of its own, as Django's WSGI handler closes connections between requests.
@pytest.mark.django_db(transaction=True)
@override_settings(ROOT_URLCONF="tests.support.leaky_view")
def test_an_error_in_a_view_reaches_sentry_without_any_secret(sentry):
    status, headers = wsgi_post(
        f"/leaky/?token={QUERY_TOKEN}&page=2",
        {"password": FORM_PASSWORD, "name": "Acme"},
        HTTP_AUTHORIZATION=f"Bearer {BEARER_TOKEN}",
        HTTP_X_API_KEY=API_KEY,
        HTTP_COOKIE=f"sessionid={SESSION_COOKIE}; csrftoken={CSRF_SECRET}; theme=dark",
        HTTP_X_CSRFTOKEN=CSRF_SECRET,
    )
    assert status.startswith("500")

    bodies = envelopes(sentry)
    sent = b"\n".join(bodies).decode()
    for secret in SECRETS:
        assert secret not in sent, secret

    reported = events(bodies)
    # The failure itself, and the error the view logged on the way.
    crash = next(event for event in reported if event.get("exception"))
    logged = next(event for event in reported if event.get("logentry"))
    (exception,) = crash["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert "postgres://dashboard:***@db.internal:5432/dashboard" in exception["value"]
    frame = exception["stacktrace"]["frames"][-1]
    assert frame["function"] == "leaky"
    assert set(frame["vars"]) >= {"api_key", "organization_token", "database_url", "request"}
    request = crash["request"]
    assert request["method"] == "POST"
    assert request["url"].endswith("/leaky/")
    assert "page=2" in request["query_string"]
    assert "Authorization" in request["headers"] and "X-Api-Key" in request["headers"]
    assert crash["tags"]["request_id"] == headers["X-Request-Id"]
    assert logged["logentry"]["formatted"].startswith("calling Bitmovin with api_key=")


def test_scrubbing_reaches_every_corner_of_an_event():
    event = {
        "message": "connect to redis://:r3dis-pass@cache:6379/0 failed",
        "request": {
            "headers": [["Authorization", "Bearer abc.def"], ["Accept", "text/html"]],
            "query_string": "api_key=qs-key&page=2",
            "env": {"REMOTE_ADDR": "10.0.0.1"},
        },
        "extra": {
            "settings": {"FIELD_ENCRYPTION_KEYS": ["fernet-key"], "DEBUG": False},
            "note": "Bearer xyz",
        },
        "breadcrumbs": {"values": [{"message": "sending X-Api-Key: crumb-key", "data": {"secret": "s1"}}]},
        "logentry": {"message": "key %s", "formatted": "key plain-arg", "params": ["plain-arg"]},
    }
    text = json.dumps(scrub_event(event, {}))
    for secret in ("r3dis-pass", "abc.def", "qs-key", "fernet-key", "xyz", "crumb-key", "s1"):
        assert secret not in text, secret
    scrubbed = json.loads(text)
    # A log line's arguments go; its text stays, scrubbed like any text.
    assert scrubbed["logentry"]["params"] == []
    assert scrubbed["logentry"]["formatted"] == "key plain-arg"
    assert scrubbed["request"]["headers"][1] == ["Accept", "text/html"]
    assert scrubbed["request"]["query_string"].endswith("&page=2")
    assert scrubbed["extra"]["settings"]["DEBUG"] is False


@pytest.mark.slow
def test_settings_turn_sentry_on_for_a_dsn_and_refuse_it_without_the_package(tmp_path):
    dsn = {"SENTRY_DSN": "http://public@127.0.0.1:9/1", "SENTRY_TRACES_SAMPLE_RATE": "0.25"}
    code = (
        "import sentry_sdk; client = sentry_sdk.get_client(); options = client.options; "
        "collected = options.get('data_collection') or {}; "
        "no_pii = not options.get('send_default_pii') and not collected.get('user_info'); "
        "print(client.is_active(), no_pii, options['traces_sample_rate'], "
        "options['max_request_body_size'], options['before_send'].__name__)"
    )
    on = run_manage(["shell", "-c", code], {**PRODUCTION_ENV, **dsn}, tmp_path)
    assert on.returncode == 0, on.stderr
    assert on.stdout.strip().splitlines()[-1] == "True True 0.25 never scrub_event"

    active = "import sentry_sdk; print(sentry_sdk.get_client().is_active())"
    off = run_manage(["shell", "-c", active], PRODUCTION_ENV, tmp_path)
    assert off.stdout.strip().splitlines()[-1] == "False"

    # A sentry_sdk that cannot be imported stands for a deployment without the extra.
    missing = tmp_path / "without-sentry" / "sentry_sdk"
    missing.mkdir(parents=True)
    (missing / "__init__.py").write_text("raise ImportError('not installed')\n")
    refused = run_manage(["check"], {**PRODUCTION_ENV, **dsn, "PYTHONPATH": str(missing.parent)}, tmp_path)
    assert refused.returncode != 0
    assert "SENTRY_DSN is set, but sentry-sdk is not installed" in refused.stderr

    bad_rate = run_manage(["check"], {**PRODUCTION_ENV, **dsn, "SENTRY_TRACES_SAMPLE_RATE": "2"}, tmp_path)
    assert bad_rate.returncode != 0
    assert "SENTRY_TRACES_SAMPLE_RATE must be at least 0 and at most 1" in bad_rate.stderr


@override_settings(
    SENTRY_DSN="https://dsn-key-4e5f@sentry.example/7", METRICS_TOKEN="metrics-token-on-a-debug-page"
)
def test_error_pages_hide_the_dsn_and_the_metrics_token():
    shown = SecretsReporterFilter().get_safe_settings()
    assert shown["SENTRY_DSN"] == shown["METRICS_TOKEN"] == SecretsReporterFilter.cleansed_substitute
