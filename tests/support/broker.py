"""What is waiting in the Celery broker, read from the broker itself (the filesystem transport's folder, or
Redis's list), so that a test counts the tasks that really left the web process."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from dashboard.celery import app


@dataclass
class QueuedTask:
    name: str
    args: list
    remove: Callable[[], None]


def queued_tasks(name: str) -> list[QueuedTask]:
    """The messages of task `name` waiting in its queue (settings.CELERY_TASK_ROUTES), oldest first."""
    queue = settings.CELERY_TASK_ROUTES.get(name, {}).get("queue", app.conf.task_default_queue)
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        return _from_folder(Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]), queue, name)
    if url.startswith(("redis://", "rediss://")):
        return _from_redis(url, queue, name)
    raise RuntimeError(f"no test support for reading the broker {url.split(':', 1)[0]}")


def _task(raw: bytes | str, name: str) -> tuple[str, list] | None:
    message = json.loads(raw)
    if message.get("headers", {}).get("task") != name:
        return None
    body = message["body"]
    if message.get("properties", {}).get("body_encoding") == "base64":
        body = base64.b64decode(body)
    args, _kwargs, _embed = json.loads(body)
    return name, args


def _from_folder(folder: Path, queue: str, name: str) -> list[QueuedTask]:
    found = []
    for path in sorted(folder.glob(f"*.{queue}.msg")):
        try:
            task = _task(path.read_bytes(), name)
        except FileNotFoundError:  # consumed meanwhile
            continue
        if task is not None:
            found.append(QueuedTask(*task, remove=lambda path=path: path.unlink(missing_ok=True)))
    return found


def _from_redis(url: str, queue: str, name: str) -> list[QueuedTask]:
    import redis

    client = redis.Redis.from_url(url)
    found = []
    # Kombu pushes on the left and pops on the right: the right end is the oldest.
    for raw in reversed(client.lrange(queue, 0, -1)):
        task = _task(raw, name)
        if task is not None:
            found.append(QueuedTask(*task, remove=lambda raw=raw: client.lrem(queue, 1, raw)))
    return found
