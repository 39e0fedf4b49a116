"""Django's own request and security log records, as JSON lines without personal data."""

import json
import logging
import traceback
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


class DjangoEventFormatter(logging.Formatter):
    """Keeps what an operator needs (level, logger, status, the exception's type and where
    it was raised) and drops the message: Django puts the raw path in it (usernames, reset
    tokens), and for a bad Host header the value the client sent."""

    def format(self, record):
        event = {"level": record.levelname, "logger": record.name}
        status = getattr(record, "status_code", None)
        if status is not None:
            event["status"] = status
        if record.exc_info and record.exc_info[0]:
            error_type, _, trace = record.exc_info
            event["error"] = error_type.__name__
            # Files and lines only: an exception's message may quote what a reader sent.
            event["where"] = [
                f"{_short(frame.filename)}:{frame.lineno} in {frame.name}"
                for frame in traceback.extract_tb(trace)
            ]
        return json.dumps(event)


def _short(filename):
    """A frame's file as a package path: django/middleware/common.py, config/views.py."""
    return filename.rpartition("site-packages/")[2].removeprefix(f"{BASE_DIR}/")
