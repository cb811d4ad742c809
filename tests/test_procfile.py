"""The process types a deployment runs: every queue has a worker, beat runs once, the README says the same."""

import re

from django.conf import settings

from tests.test_settings import PROJECT_ROOT


def procfile() -> dict[str, str]:
    lines = (PROJECT_ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def test_every_queue_a_task_is_routed_to_has_a_worker_and_beat_runs_once():
    processes = procfile()
    consumed = set()
    for command in processes.values():
        found = re.search(r"worker -Q (\S+)", command)
        if found:
            consumed.update(found.group(1).split(","))
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed | {settings.CELERY_TASK_DEFAULT_QUEUE} <= consumed == set(settings.TASK_QUEUES)
    assert sum("celery -A dashboard beat" in command for command in processes.values()) == 1
    assert processes["release"] == "dashboard migrate --noinput"


def test_the_readme_starts_the_same_processes():
    readme = (PROJECT_ROOT / "README.md").read_text()
    for name, command in procfile().items():
        if name != "release":
            assert command in readme, command
