"""Log lines as JSON (one object a line, for log shippers) or as text for a person at a
terminal; both carry the time, level, logger, message, and the request id and cycle run
id when the line was logged inside a request or a cycle.

`configure_logging` replaces the root logger's handlers, so calling it again (a test,
`demo` then `serve`) changes the format instead of doubling every line."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC
from datetime import datetime
from typing import TextIO

from hub.observe import context

_HANDLER_NAME = "hub.observe"


class ContextFilter(logging.Filter):
    """Stamp each record with the current request id and cycle run id (None outside)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.request_id.get()
        record.cycle_run_id = context.cycle_run_id.get()
        return True


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {"ts": _timestamp(record), "level": record.levelname,
                                   "logger": record.name, "message": record.getMessage()}
        for name in ("request_id", "cycle_run_id"):
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`2026-11-23T06:00:01.123Z INFO hub.cycle [req=ab12 run=7] message`."""

    def format(self, record: logging.LogRecord) -> str:
        ids = [f"{label}={value}" for label, value in
               (("req", getattr(record, "request_id", None)),
                ("run", getattr(record, "cycle_run_id", None))) if value is not None]
        where = f" [{' '.join(ids)}]" if ids else ""
        text = (f"{_timestamp(record)} {record.levelname} {record.name}{where}: "
                f"{record.getMessage()}")
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def wants_json(log_format: str, stream: TextIO) -> bool:
    if log_format == "auto":
        isatty = getattr(stream, "isatty", None)
        return not (callable(isatty) and isatty())
    return log_format == "json"


def configure_logging(level: str, log_format: str = "auto",
                      stream: TextIO | None = None) -> logging.Handler:
    """Send the root logger's lines to `stream` (stderr) in the chosen format."""
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if wants_json(log_format, stream) else TextFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME
                or type(h) is logging.StreamHandler]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return handler
