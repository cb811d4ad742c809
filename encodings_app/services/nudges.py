"""Waking a worker after commit: an outbox row is committed first, then its drain is nudged through the
broker, best effort. The nudge is looked up in tasks.py at call time (tasks import services, and tests
replace it)."""

from __future__ import annotations

from django.db import transaction


def nudge_after_commit(nudge_name: str) -> None:
    """Call tasks.<nudge_name>() once the current transaction commits (at once outside one); never raises:
    the row waits in the database, and beat's periodic run drains it if the nudge fails."""

    def nudge() -> None:
        from encodings_app import tasks

        getattr(tasks, nudge_name)()

    transaction.on_commit(nudge, robust=True)
