"""How every process logs (DESIGN.md §8): one line per event, as text for people at a terminal or as JSON
for a log pipeline (`ANJU_LOG_FORMAT=json`). Requests are logged by core/observability with the route's
template and no client address: uvicorn's own access log (full paths, which carry application numbers,
and IP addresses, both personal information) is switched off."""

from __future__ import annotations

import logging
import sys
from typing import Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

LogFormat = Literal["text", "json"]
TEXT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging(log_format: LogFormat = "text", *, level: int = logging.INFO) -> logging.Handler:
    """Send every logger's records to standard error in ``log_format``; returns the handler."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                reserved_attrs=[*RESERVED_ATTRS, "color_message"],  # uvicorn's copy with terminal colours
                datefmt="%Y-%m-%dT%H:%M:%S%z",
                json_ensure_ascii=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):  # uvicorn's own lines go through the same handler
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # Alembic says which dialect it uses on every start; only what went wrong is worth a line.
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))
    return handler
