"""Structured logs: one JSON object a line in production (``LOG_FORMAT=json``), readable text
otherwise (the embedded run, development).

Every line carries the fields of the context it was written in: the request id and user of the
request being answered (``governance.middleware.RequestLogMiddleware``), the task name and id
of the Celery task being run (``governance.celery``), and whatever a caller adds with
``log_context(...)`` or ``extra={...}`` (the sweeps add the petition or work-order number).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
from collections.abc import Iterator
from typing import Any

# Immutable in use: every change sets a new dict (never updated in place).
_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "governance_log_context", default=None
)


def current() -> dict[str, Any]:
    """The fields of the current context."""
    return _context.get() or {}


# The attributes every LogRecord has: anything else on a record came from ``extra``. Django's
# own ``request`` extra is left out too: its text is the full path with the query string, which
# may hold what was searched for (the request's line has the path and the request id).
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request",
}


@contextlib.contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add ``fields`` to every line logged inside the block (in this thread or task)."""
    token = _context.set({**current(), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def bind(**fields: Any) -> contextvars.Token[dict[str, Any] | None]:
    """``log_context`` for code that cannot wrap a block (Celery's before/after signals):
    hand the token back to ``unbind``."""
    return _context.set({**current(), **fields})


def unbind(token: contextvars.Token[dict[str, Any] | None]) -> None:
    _context.reset(token)


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """The context's fields, then the record's ``extra`` (which win)."""
    extra = {
        name: value
        for name, value in vars(record).items()
        if name not in _STANDARD and not name.startswith("_")
    }
    return {**current(), **extra}


class JSONFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", ...fields, "exception"}``, one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in fields_of(record).items():
            line.setdefault(name, value)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The plain format, with the fields as ``name=value`` at the end of the line."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = " ".join(f"{name}={value}" for name, value in fields_of(record).items())
        if not fields:
            return text
        first, newline, rest = text.partition("\n")
        return f"{first} [{fields}]{newline}{rest}"
