"""Is the schedule running? Beat queues a heartbeat task; a worker records when it ran.

Syncs and pruning only happen while beat and a worker both run, and nothing else notices when either stops:
a web process compares the last heartbeat with the clock. The record lives in the shared cache; when it is
missing (a new deployment, a flushed cache) the watch starts then, so a schedule that never ran is reported
late once the grace period has passed instead of never.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "schedule:heartbeat"
WATCH_SINCE_KEY = "schedule:watch-since"
# Long enough to outlive any outage worth reporting; short enough that the cache can reclaim it.
RECORD_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class ScheduleState:
    last_run_at: datetime | None
    late: bool
    seconds_since: int | None  # since the last run, or since the watch started when it never ran

    @property
    def minutes_since(self) -> int:
        return (self.seconds_since or 0) // 60


def schedule_heartbeat_record(now: datetime | None = None) -> None:
    cache.set(HEARTBEAT_KEY, (now or timezone.now()).timestamp(), timeout=RECORD_SECONDS)


def schedule_state(now: datetime | None = None) -> ScheduleState:
    now = now or timezone.now()
    last = cache.get(HEARTBEAT_KEY)
    if last is None:
        cache.add(WATCH_SINCE_KEY, now.timestamp(), timeout=RECORD_SECONDS)
        since = cache.get(WATCH_SINCE_KEY, now.timestamp())
        waited = max(0, int(now.timestamp() - since))
        return ScheduleState(None, waited > settings.SCHEDULE_LATE_SECONDS, waited)
    seconds = max(0, int(now.timestamp() - last))
    return ScheduleState(
        datetime.fromtimestamp(last, tz=UTC), seconds > settings.SCHEDULE_LATE_SECONDS, seconds
    )
