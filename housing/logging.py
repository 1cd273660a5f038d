"""Keeping CPR numbers out of every log line, traceback and error report.

A CPR number reaches a log record in more places than its message: the arguments, the exception
(``int('0101901234')`` fails with the number in its text; a database error quotes the value), the
traceback of a chained exception and the stack. ``RedactCprFilter`` rewrites all of them on the
record itself before any handler formats it, so handlers with formatters of their own (Django's
``django.server``, Celery's, a future file or syslog handler) get a clean record too.
``RedactCprFormatter`` redacts the finished line once more, for anything a format string pulls in
that the filter does not know about. ``config/settings/base.py`` puts both on every handler, and
``tests/system/test_cpr_logging.py`` checks that every handler actually attached in the process has them.
"""

from __future__ import annotations

import logging

from .cpr import redact

_TRACEBACKS = logging.Formatter()


def _safe_text(value) -> str:
    try:
        return str(value)
    except Exception:  # an object whose __str__ fails must not take the log line with it
        return object.__repr__(value)


class RedactCprFilter(logging.Filter):
    """Redacts message, arguments, exception text and stack of a record; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            # A broken format string: logging would print msg and args raw to stderr in its
            # "--- Logging error ---" report, so fold them into one redacted text instead.
            message = f"{_safe_text(record.msg)} {_safe_text(record.args)}"
        record.msg, record.args = redact(message), None
        if record.exc_info:
            # The formatted traceback replaces the live exception: a handler that renders
            # exc_info itself (e-mail, error trackers) would otherwise show the raw values.
            if not record.exc_text:
                record.exc_text = _TRACEBACKS.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RedactCprFormatter(logging.Formatter):
    """A formatter whose every output (message, traceback, stack, extra fields) is redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
