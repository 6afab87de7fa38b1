"""Logging for the app: a rotating file in the data folder's logs/ plus stderr."""

from __future__ import annotations

import logging
from pathlib import Path

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def configure_logging(log_file: Path, level: int = logging.INFO) -> logging.Handler:
    """Send every ``app.*`` record to a rotating file (1 MB x 5). Returns the file handler."""
    import logging.handlers  # pulls in socket and pickle: kept off the start-up import path

    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        log_file, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger("app")
    root.setLevel(level)
    for existing in list(root.handlers):
        if isinstance(existing, logging.handlers.RotatingFileHandler):
            root.removeHandler(existing)
            existing.close()
    root.addHandler(handler)
    return handler
