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
    "DASHBOARD_PUBLIC_URL": "https://dashboard.example.com",
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    # Production runs on PostgreSQL and Redis; these commands never connect to them.
    "DATABASE_URL": "postgres://dashboard@db.example.com:5432/dashboard",
    "REDIS_URL": "redis://cache.example.com:6379/0",
}


# What the test run itself sets (pyproject.toml's pytest env) must not leak into the starts tried here.
TEST_RUN_VARIABLES = (
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "STATIC_FROM_SOURCE",
    "DASHBOARD_DEVTOOLS",
    "DASHBOARD_SINGLE_MACHINE",
    "PROCESS_STOPPED_SECONDS",
)


# The servers a run on PostgreSQL and Redis uses; without them a start uses the embedded parts under var/.
SERVER_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CACHE_URL", "CELERY_BROKER_URL")


def process_env(env_overrides: dict[str, str], tmp_path: Path, *, embedded: bool = False) -> dict[str, str]:
    """The environment of a process started as a deployment would: none of the test run's own settings."""
    removed = TEST_RUN_VARIABLES + (SERVER_VARIABLES if embedded else ())
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "SECRET_KEY", "FIELD_")) and k not in removed
    }
    env["DASHBOARD_VAR_DIR"] = str(tmp_path / "var")
    env.update(env_overrides)
    return env


def run_manage(
    args: list[str], env_overrides: dict[str, str], tmp_path: Path, *, embedded: bool = False
) -> subprocess.CompletedProcess:
    env = process_env(env_overrides, tmp_path, embedded=embedded)
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


def test_deploy_check_warns_when_alert_links_have_no_public_address(tmp_path):
    env = {name: value for name, value in PRODUCTION_ENV.items() if name != "DASHBOARD_PUBLIC_URL"}
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert result.returncode != 0
    assert "dashboard.W001" in result.stderr + result.stdout


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
        ({"DASHBOARD_PUBLIC_URL": "dashboard.example.com"}, "DASHBOARD_PUBLIC_URL must be an http:// or"),
        ({"LOGIN_FAILURE_LIMIT": "0"}, "LOGIN_FAILURE_LIMIT must be at least 1"),
        ({"LOGIN_LOCKOUT_MINUTES": "a while"}, "LOGIN_LOCKOUT_MINUTES must be a whole number"),
        ({"TRUSTED_PROXY_COUNT": "-1"}, "TRUSTED_PROXY_COUNT must be at least 0"),
        ({"STATIC_FROM_SOURCE": "sometimes"}, "STATIC_FROM_SOURCE must be one of"),
        ({"DASHBOARD_DEVTOOLS": "maybe"}, "DASHBOARD_DEVTOOLS must be one of"),
        ({"SYNC_BUDGET_HEADROOM": "10%"}, "SYNC_BUDGET_HEADROOM must be a decimal number such as 0.1"),
        (
            {"INTERACTIVE_RESERVED_SHARE": "1"},
            "INTERACTIVE_RESERVED_SHARE must be at least 0 and less than 1",
        ),
        ({"BITMOVIN_KEY_LIMIT_PER_MINUTE": "0"}, "BITMOVIN_KEY_LIMIT_PER_MINUTE must be at least 1"),
        ({"PROCESS_STOPPED_SECONDS": "9"}, "PROCESS_STOPPED_SECONDS must be at least 10"),
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


def test_debug_is_off_unless_asked_for(tmp_path):
    production_without_debug = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_DEBUG"}
    result = run_manage(["diffsettings", "--all"], production_without_debug, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # diffsettings marks a value equal to Django's own default with "###".
    assert "### DEBUG = False" in lines or "DEBUG = False" in lines
    assert "DEBUG = True" not in lines and "### DEBUG = True" not in lines
    assert any(line.startswith("WHITENOISE_USE_FINDERS = False") for line in lines), "serves collected files"
    # The demo's receiver on 127.0.0.1 is for the demo: production sends alerts to public addresses only.
    assert any(line.strip("# ") == "ALERT_CHANNELS_ALLOW_LOOPBACK = False" for line in lines)


def test_the_demo_mode_has_debugs_conveniences_but_not_its_technical_pages(tmp_path):
    result = run_manage(["diffsettings", "--all"], {"DASHBOARD_DEMO": "1"}, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "### DEBUG = False" in lines or "DEBUG = False" in lines
    for expected in (
        "ALLOWED_HOSTS = ['127.0.0.1', 'localhost']",
        "BITMOVIN_ALLOW_LOOPBACK = True",
        "ALERT_CHANNELS_ALLOW_LOOPBACK = True",
        "WHITENOISE_USE_FINDERS = True",
        "SESSION_COOKIE_SECURE = False",
        "SECURE_SSL_REDIRECT = False",
    ):
        # diffsettings marks values with "###" (before: Django's default; after: only this project's).
        assert any(line.strip("# ") == expected for line in lines), expected
    assert (tmp_path / "var" / "secret_key").exists()
    assert (tmp_path / "var" / "field_encryption_key").exists()


@pytest.mark.parametrize("command", [["check"], ["runserver", "127.0.0.1:0", "--noreload"]])
def test_a_bare_start_without_secret_key_fails_naming_the_variable_and_generates_nothing(tmp_path, command):
    result = run_manage(command, {}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DJANGO_DEBUG is off" in result.stderr
    assert "DJANGO_DEBUG=1" in result.stderr, "the message says how to run the demo instead"
    assert not (tmp_path / "var" / "secret_key").exists()
    assert not (tmp_path / "var" / "field_encryption_key").exists()


DEVELOPMENT_COMMANDS = (
    "run_stack",
    "seed_demo",
    "alert_receiver",
    "bench_sync",
    "bench_pages",
    "bench_export",
    "bench_alerts",
    "bench_fleet",
)


def test_production_installs_no_development_tools(tmp_path):
    result = run_manage(["help"], PRODUCTION_ENV, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "sync_org" in result.stdout
    assert not any(command in result.stdout for command in DEVELOPMENT_COMMANDS), result.stdout


@pytest.mark.parametrize(
    "overrides",
    [{"DJANGO_DEBUG": "1"}, {"DASHBOARD_DEMO": "1"}, {**PRODUCTION_ENV, "DASHBOARD_DEVTOOLS": "1"}],
    ids=["debug", "demo", "asked"],
)
def test_debug_mode_or_the_setting_installs_the_development_tools(tmp_path, overrides):
    result = run_manage(["help"], overrides, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "[devtools]" in result.stdout
    assert all(command in result.stdout for command in DEVELOPMENT_COMMANDS), result.stdout


def test_production_code_imports_no_development_or_test_package():
    import ast

    forbidden = ("devtools", "simulator", "tests", "bitmovin_api_sdk", "unittest", "django.test")
    for package in ("dashboard", "encodings_app"):
        for source in (PROJECT_ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text())):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    names = [node.module or ""]
                else:
                    continue
                for name in names:
                    assert not any(name == f or name.startswith(f"{f}.") for f in forbidden), (
                        f"{source.relative_to(PROJECT_ROOT)} imports {name}"
                    )


def test_the_test_run_itself_is_not_in_debug_mode():
    from django.conf import settings

    assert os.environ["DJANGO_DEBUG"] == "0"
    assert settings.DEBUG is False


def test_sign_in_throttling_and_the_proxy_come_from_the_environment(tmp_path):
    env = {
        **PRODUCTION_ENV,
        "LOGIN_FAILURE_LIMIT": "7",
        "LOGIN_LOCKOUT_MINUTES": "30",
        "TRUSTED_PROXY_COUNT": "2",
    }
    code = (
        "from django.conf import settings as s; "
        "print(s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()), s.TRUSTED_PROXY_COUNT)"
    )
    result = run_manage(["shell", "-c", code], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["7", "1800", "2"]


@pytest.mark.parametrize("interval", [None, "2", "30"])
def test_a_stopped_process_is_reported_within_three_sweep_intervals_by_default(tmp_path, interval):
    env = {**PRODUCTION_ENV, **({"SYNC_INTERVAL_SECONDS": interval} if interval else {})}
    code = (
        "from django.conf import settings as s; "
        "print(s.SYNC_SWEEP_SECONDS, s.PROCESS_HEARTBEAT_SECONDS, s.PROCESS_STOPPED_SECONDS)"
    )
    result = run_manage(["shell", "-c", code], env, tmp_path)
    assert result.returncode == 0, result.stderr
    sweep, heartbeat, stopped = map(int, result.stdout.strip().splitlines()[-1].split())
    assert heartbeat == sweep, "a heartbeat per sweep interval"
    # A process dies at most just after a heartbeat: it is called stopped `stopped` seconds later, plus
    # the second a heartbeat's age is rounded down to.
    assert 2 * heartbeat <= stopped <= 2.5 * sweep and stopped + 1 <= 3 * sweep


FILE_MODES = """
import json, os
from pathlib import Path
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from dashboard.celery import app
cache.set("probe", "value")
app.send_task("sync.sweep")
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS probe (x integer)")
    cursor.execute("INSERT INTO probe VALUES (1)")
    modes = {
        str(path.relative_to(settings.VAR_DIR)): oct(path.stat().st_mode & 0o777)
        for path in [settings.VAR_DIR, *settings.VAR_DIR.rglob("*")]
    }
print(json.dumps(modes))
"""


@pytest.mark.slow
def test_files_under_var_are_private_to_the_user_after_a_start(tmp_path):
    env = {"DJANGO_DEBUG": "1"}
    migrate = run_manage(["migrate", "--noinput"], env, tmp_path, embedded=True)
    assert migrate.returncode == 0, migrate.stderr
    result = run_manage(["shell", "-c", FILE_MODES], env, tmp_path, embedded=True)
    assert result.returncode == 0, result.stderr
    import json

    modes = json.loads(result.stdout.strip().splitlines()[-1])
    for expected in ("db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm", "secret_key", "field_encryption_key"):
        assert expected in modes, expected
    assert any(name.startswith("cache/") for name in modes), "the file cache wrote an entry"
    assert any(name.startswith("celery/queue/") for name in modes), "the broker wrote a message"
    var = tmp_path / "var"
    for name, mode in modes.items():
        is_dir = (var / name).is_dir() if (var / name).exists() else False
        assert mode == ("0o700" if is_dir or name == "." else "0o600"), (name, mode)
    # And as they stay on disk once the process is gone.
    for path in [var, *var.rglob("*")]:
        expected = 0o700 if path.is_dir() else 0o600
        assert os.stat(path).st_mode & 0o777 == expected, path


def test_an_existing_secret_file_readable_by_others_is_made_private(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    (var / "secret_key").write_text("k" * 60)
    os.chmod(var / "secret_key", 0o644)
    result = run_manage(["check"], {"DJANGO_DEBUG": "1"}, tmp_path, embedded=True)
    assert result.returncode == 0, result.stderr
    assert os.stat(var / "secret_key").st_mode & 0o777 == 0o600


def test_the_demo_divides_stuck_thresholds_by_the_simulator_speed_but_not_below_three_syncs():
    from devtools.management.commands.run_stack import demo_stuck_thresholds

    assert demo_stuck_thresholds({"SYNC_INTERVAL_SECONDS": "5"}, speed=30) == {
        "STUCK_QUEUED_SECONDS": "30",
        "STUCK_NO_PROGRESS_SECONDS": "20",
        "STUCK_LIVE_NO_UPDATE_SECONDS": "30",
    }
    chosen = demo_stuck_thresholds({"SYNC_INTERVAL_SECONDS": "15", "STUCK_QUEUED_SECONDS": "99"}, speed=30)
    assert chosen == {
        "STUCK_QUEUED_SECONDS": "99",
        "STUCK_NO_PROGRESS_SECONDS": "45",
        "STUCK_LIVE_NO_UPDATE_SECONDS": "45",
    }


def test_every_secret_can_come_from_a_file_named_by_its_file_variable(tmp_path):
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    from_files = {}
    for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "DATABASE_URL", "REDIS_URL"):
        (secrets_dir / name).write_text(PRODUCTION_ENV[name] + "\n")
        from_files[f"{name}_FILE"] = str(secrets_dir / name)
    env = {k: v for k, v in PRODUCTION_ENV.items() if f"{k}_FILE" not in from_files}
    code = (
        "from django.conf import settings; "
        "print(settings.SECRET_KEY == {!r}, settings.FIELD_ENCRYPTION_KEYS == [{!r}], "
        "settings.DATABASES['default']['HOST'], settings.CELERY_BROKER_URL)"
    ).format(PRODUCTION_ENV["SECRET_KEY"], PRODUCTION_ENV["FIELD_ENCRYPTION_KEYS"])
    # embedded: the servers the test run itself may use (CI exports them) are not part of this start.
    result = run_manage(["shell", "-c", code], {**env, **from_files}, tmp_path, embedded=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "True",
        "True",
        "db.example.com",
        "redis://cache.example.com:6379/1",
    ]


def test_a_secret_set_twice_or_in_an_unreadable_file_stops_start_up_without_its_value(tmp_path):
    both = run_manage(
        ["check"], {**PRODUCTION_ENV, "SECRET_KEY_FILE": str(tmp_path / "secret_key")}, tmp_path
    )
    assert both.returncode != 0
    assert "Set SECRET_KEY or SECRET_KEY_FILE, not both" in both.stderr

    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    missing = run_manage(["check"], {**env, "SECRET_KEY_FILE": str(tmp_path / "nowhere")}, tmp_path)
    assert missing.returncode != 0
    assert "SECRET_KEY_FILE: cannot read" in missing.stderr and "No such file or directory" in missing.stderr
    assert PRODUCTION_ENV["SECRET_KEY"] not in both.stderr + missing.stderr


def test_the_sweeps_period_follows_the_interval_unless_set(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SYNC_SWEEP_SECONDS, s.CELERY_BEAT_SCHEDULE['sync-sweep'])"
    )
    defaults = run_manage(["shell", "-c", code], {**PRODUCTION_ENV, "SYNC_INTERVAL_SECONDS": "3"}, tmp_path)
    sped_up = run_manage(["shell", "-c", code], {**PRODUCTION_ENV, "SYNC_SWEEP_SECONDS": "1"}, tmp_path)
    assert defaults.returncode == sped_up.returncode == 0, defaults.stderr + sped_up.stderr
    assert defaults.stdout.strip().splitlines()[-1].startswith("3 ")
    assert sped_up.stdout.strip().splitlines()[-1].startswith("1 ") and "'schedule': 1.0" in sped_up.stdout
