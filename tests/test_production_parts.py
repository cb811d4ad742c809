"""With debug off, production refuses the demo's parts: `check --deploy`, the web server and Celery alike."""

import subprocess
import sys

import pytest

from tests.test_settings import PRODUCTION_ENV, PROJECT_ROOT, process_env, run_manage

EMBEDDED = {"DATABASE_URL": "", "REDIS_URL": "", "CACHE_URL": "", "CELERY_BROKER_URL": ""}


def start(args: list[str], env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    """A management command as a deployment runs it: none of the servers the test run itself may use."""
    return run_manage(args, env, tmp_path, embedded=True)


@pytest.mark.parametrize(
    ("overrides", "refused"),
    [
        ({"DATABASE_URL": "sqlite:////tmp/dashboard.sqlite3"}, "dashboard.E001"),
        ({"CACHE_URL": "file:///tmp/dashboard-cache"}, "dashboard.E002"),
        ({"CACHE_URL": "locmem://"}, "dashboard.E002"),
        ({"CELERY_BROKER_URL": "filesystem://"}, "dashboard.E003"),
        ({"CELERY_BROKER_URL": "redis://cache.example.com:6379/0"}, "dashboard.E004"),
        ({"CELERY_BROKER_VISIBILITY_TIMEOUT": "600"}, "dashboard.E005"),
        ({"SYNC_LEASE_SECONDS": "30"}, "dashboard.E006"),
    ],
    ids=[
        "sqlite",
        "file-cache",
        "local-memory-cache",
        "filesystem-broker",
        "shared-redis",
        "short-visibility",
        "short-lease",
    ],
)
def test_the_deploy_check_refuses_each_demo_part_with_debug_off(tmp_path, overrides, refused):
    result = start(["check", "--deploy"], {**PRODUCTION_ENV, **overrides}, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"({refused})" in result.stderr, result.stderr
    assert "HINT:" in result.stderr
    # Exactly the one part named, not a chain of complaints.
    assert result.stderr.count("(dashboard.E") == 1, result.stderr


def test_the_deploy_check_names_all_three_embedded_parts_of_a_bare_production_start(tmp_path):
    result = start(["check", "--deploy"], {**PRODUCTION_ENV, **EMBEDDED}, tmp_path)
    assert result.returncode == 1
    for refused in ("dashboard.E001", "dashboard.E002", "dashboard.E003"):
        assert refused in result.stderr
    assert "DASHBOARD_SINGLE_MACHINE=1" in result.stderr, "the hint names the way out"


def test_the_single_machine_setting_allows_the_embedded_parts(tmp_path):
    env = {**PRODUCTION_ENV, **EMBEDDED, "DASHBOARD_SINGLE_MACHINE": "1"}
    result = start(["check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_redis_url_gives_the_broker_the_next_database(tmp_path):
    code = (
        "from django.conf import settings; "
        "print(settings.CACHES['default']['LOCATION'], settings.CELERY_BROKER_URL)"
    )
    result = start(["shell", "-c", code], PRODUCTION_ENV, tmp_path)
    assert result.returncode == 0, result.stderr
    last_line = result.stdout.strip().splitlines()[-1]
    assert last_line.split() == ["redis://cache.example.com:6379/0", "redis://cache.example.com:6379/1"]


def test_a_production_start_on_postgresql_and_redis_creates_nothing_under_var(tmp_path):
    result = start(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (tmp_path / "var").exists()


def _run_python(code: str, env_overrides: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env=process_env(env_overrides, tmp_path, embedded=True),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_web_server_refuses_to_start_on_a_demo_part_with_debug_off(tmp_path):
    env = {**PRODUCTION_ENV, "CELERY_BROKER_URL": "filesystem://"}
    result = _run_python("import dashboard.wsgi", env, tmp_path)
    assert result.returncode != 0
    assert "The web server refuses to start" in result.stderr and "dashboard.E003" in result.stderr

    fine = _run_python("import dashboard.wsgi; print('ready')", PRODUCTION_ENV, tmp_path)
    assert fine.returncode == 0, fine.stderr
    assert fine.stdout.strip() == "ready"


@pytest.mark.parametrize("process", [["worker", "--pool", "solo"], ["beat"]], ids=["worker", "beat"])
def test_celery_refuses_to_start_on_a_demo_part_with_debug_off(tmp_path, process):
    env = process_env({**PRODUCTION_ENV, "DATABASE_URL": "sqlite:////tmp/x.sqlite3"}, tmp_path, embedded=True)
    result = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "dashboard", *process, "--loglevel", "WARNING"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "refuses to start" in output and "dashboard.E001" in output, output[-2000:]
