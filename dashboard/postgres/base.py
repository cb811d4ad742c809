"""PostgreSQL as Django has it, with every wait for the server bounded by the client (query_deadline.py).

Bounded: each statement (Django's cursors, through an execute wrapper), the health check run at the start of
a request (CONN_HEALTH_CHECKS), commits and rollbacks. Connecting is bounded by libpq's connect_timeout.
The deadline is OPTIONS["client_deadline"] seconds: settings put it a little past the statement_timeout the
server enforces, so a slow query still ends with the server's own clear error, and only a server that no
longer answers at all meets the client's.
"""

from __future__ import annotations

from django.db.backends.postgresql import base

from dashboard.query_deadline import deadline


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, settings_dict, *args, **kwargs):
        settings_dict = {**settings_dict, "OPTIONS": dict(settings_dict.get("OPTIONS") or {})}
        # Not a libpq parameter: taken out before the options reach psycopg.
        self.client_deadline = settings_dict["OPTIONS"].pop("client_deadline", None)
        super().__init__(settings_dict, *args, **kwargs)
        self.execute_wrappers.append(self._bounded_execute)

    def _socket(self) -> int | None:
        try:
            return self.connection.fileno() if self.connection is not None else None
        except Exception:  # closed or broken: nothing to bound, the call itself will say what is wrong
            return None

    def _bounded(self):
        return deadline(self._socket(), self.client_deadline)

    def _bounded_execute(self, execute, sql, params, many, context):
        with self._bounded():
            return execute(sql, params, many, context)

    def is_usable(self):
        with self._bounded():
            return super().is_usable()

    def _commit(self):
        with self._bounded():
            return super()._commit()

    def _rollback(self):
        with self._bounded():
            return super()._rollback()
