"""Settings come from the environment and fail at start-up, with a clear message, on a malformed value."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from dashboard import envconfig

PROJECT_ROOT = Path(__file__).resolve().parents[1]

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "SECRET_KEY": "x" * 60 + "-production-secret-key-with-enough-entropy",
    "ALLOWED_HOSTS": "dashboard.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://dashboard.example.com",
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
}


def run_manage(args: list[str], env_overrides: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECRET_KEY", "FIELD_"))}
    env["DASHBOARD_VAR_DIR"] = str(tmp_path / "var")
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_debug_off_and_documented_variables(tmp_path):
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_passes_behind_a_tls_terminating_proxy(tmp_path):
    env = {**PRODUCTION_ENV, "SECURE_SSL_REDIRECT": "0", "SECURE_PROXY_SSL_HEADER": "1"}
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG must be one of"),
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set when DJANGO_DEBUG is off"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must be set"),
        ({"FIELD_ENCRYPTION_KEYS": ""}, "FIELD_ENCRYPTION_KEYS must be set"),
        ({"FIELD_ENCRYPTION_KEYS": "not-a-key"}, "key #1 is not a valid Fernet key"),
        ({"DATABASE_URL": "nosuchdb://somewhere/x"}, "DATABASE_URL is not a valid database URL"),
        ({"CACHE_URL": "memcached://x"}, "CACHE_URL must start with"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be one of text, json"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of"),
        ({"CELERY_TASK_TIME_LIMIT": "soon"}, "CELERY_TASK_TIME_LIMIT must be a whole number"),
        ({"CSRF_TRUSTED_ORIGINS": "dashboard.example.com"}, "CSRF_TRUSTED_ORIGINS entries must start with"),
    ],
)
def test_malformed_setting_stops_start_up_with_a_clear_message(tmp_path, overrides, message):
    result = run_manage(["check"], {**PRODUCTION_ENV, **overrides}, tmp_path)
    assert result.returncode != 0
    assert message in result.stderr


def test_bad_encryption_key_is_not_echoed_in_the_error(tmp_path):
    secret_looking = "S3cr3tValueThatIsNotAFernetKey"
    result = run_manage(["check"], {**PRODUCTION_ENV, "FIELD_ENCRYPTION_KEYS": secret_looking}, tmp_path)
    assert result.returncode != 0
    assert secret_looking not in result.stderr + result.stdout


def test_embedded_defaults_generate_secrets_once_and_reuse_them(tmp_path):
    env = {"DJANGO_DEBUG": "1"}
    first = run_manage(
        ["shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"], env, tmp_path
    )
    second = run_manage(
        ["shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"], env, tmp_path
    )
    assert first.returncode == 0, first.stderr
    first_key = first.stdout.strip().splitlines()[-1]
    assert first_key == second.stdout.strip().splitlines()[-1]
    assert len(first_key) > 40
    assert (tmp_path / "var" / "secret_key").read_text().strip() == first_key
    assert (tmp_path / "var" / "field_encryption_key").exists()


def test_json_log_format_writes_one_json_object_per_line(tmp_path):
    code = "import logging; logging.getLogger('encodings_app').warning('hello %s', 'world', extra={'org': 7})"
    result = run_manage(["shell", "-c", code], {"DJANGO_DEBUG": "1", "LOG_FORMAT": "json"}, tmp_path)
    assert result.returncode == 0, result.stderr
    import json

    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello world"
    assert line["level"] == "WARNING"
    assert line["org"] == 7


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("off", False), ("FALSE", False)])
def test_env_bool_accepts_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert envconfig.env_bool("SOME_FLAG", not expected) is expected


def test_cache_url_schemes_map_to_django_backends(tmp_path):
    assert envconfig.parse_cache_url("CACHE_URL", "redis://127.0.0.1:6379/1", default_file_dir=tmp_path)[
        "BACKEND"
    ].endswith("RedisCache")
    file_cache = envconfig.parse_cache_url("CACHE_URL", "file:///srv/cache", default_file_dir=tmp_path)
    assert file_cache["LOCATION"] == "/srv/cache"
    with pytest.raises(ImproperlyConfigured):
        envconfig.parse_cache_url("CACHE_URL", "ftp://x", default_file_dir=tmp_path)


def test_redact_url_hides_the_password_only():
    assert envconfig.redact_url("redis://:hunter2@cache:6379/0") == "redis://:***@cache:6379/0"
    assert envconfig.redact_url("postgres://app:pw@db/app") == "postgres://app:***@db/app"
    assert envconfig.redact_url("filesystem://") == "filesystem://"
