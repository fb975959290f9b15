"""Every log line of a block of a test, to search them for personal data (issue 21, item 5).

The capture sets itself up, whatever ran before in the process (another test, another xdist
worker): structlog is routed through the standard library for the block (the services log
through structlog: left to its defaults it prints to stdout and no handler sees it), the root
logger takes INFO lines and a handler of its own keeps them, and the URL loggers lose their
query strings as in a running service (``rebub_shared.logging.hide_query_strings``). Everything is
put back after the block.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import structlog

from rebub_shared.logging import hide_query_strings


class CapturedLogs(logging.Handler):
    """The records of the block, and their text (a structlog line: its whole event dict)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self, *, leaving_out: tuple[str, ...] = ()) -> str:
        """Every line but those of the loggers ``leaving_out`` (and their children)."""
        return "\n".join(
            f"{r.name} {r.levelname} {r.getMessage()}"
            for r in self.records
            if not any(r.name == n or r.name.startswith(f"{n}.") for n in leaving_out)
        )


@contextmanager
def captured_logs() -> Iterator[CapturedLogs]:
    """Capture every INFO line (and above) of the process during the block."""
    config = structlog.get_config()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    hide_query_strings()
    root, capture = logging.getLogger(), CapturedLogs()
    level = root.level
    root.addHandler(capture)
    root.setLevel(logging.INFO)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.setLevel(level)
        structlog.configure(**config)
