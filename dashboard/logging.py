"""The log's formatting: JSON lines for log shippers (LOG_FORMAT=json), and one line per client error."""

import json
import logging
from datetime import UTC, datetime

# Attributes every LogRecord has; anything else was passed through `extra=` (or set by a filter, like the
# request and task ids of dashboard/log_context.py) and is worth keeping. `log_ids` is those ids again, for
# the text format only.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "log_ids"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool | None) else repr(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class ClientErrorsWithoutTraceback(logging.Filter):
    """Drops the traceback Django attaches to a 4xx answer (a PermissionDenied, a Http404): the status and
    path say all there is to say, and a 403 per refused click must not bury the real errors in the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
