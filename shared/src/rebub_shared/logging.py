"""structlog configuration, as its authors recommend.

``merge_contextvars`` first, so that the tenant, service, correlation id and topic bound per message
(``bind_message_context``) reach every line; JSON when stderr is not a terminal; the standard library's
loggers (aiokafka, pymongo, faststream, uvicorn) routed through the same processors. The lines
that quote a request's URL (uvicorn's access log, httpx's requests) lose its query string: a
desk search's ``?name=`` is a person's name (docs/privacy.md, Logs).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

_SHARED: list[structlog.types.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.StackInfoRenderer(),
]
_QUIET = {"aiokafka": logging.WARNING, "pymongo": logging.WARNING, "kafka": logging.WARNING}
#: The loggers whose lines quote request URLs (uvicorn's access log; httpx's "HTTP Request").
URL_LOGGERS = ("uvicorn.access", "httpx")
HIDDEN_QUERY = "?(query hidden)"


class QueryStringFilter(logging.Filter):
    """Drops the query string of every URL or path a record's arguments quote (search terms
    are personal data); the path, method and status stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_without_query(a) for a in record.args)
        return True


def _without_query(arg: Any) -> Any:
    if isinstance(arg, int | float | bytes | type(None)):
        return arg
    text = str(arg)
    if "?" in text and text.startswith(("/", "http://", "https://")):
        return text.split("?", 1)[0] + HIDDEN_QUERY
    return arg


def configure_logging(
    *, service: str, tenant: str, json: bool | None = None, level: int = logging.INFO
) -> None:
    """Configure structlog and the standard library for one service instance (call at start-up)."""
    use_json = (not sys.stderr.isatty()) if json is None else json
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if use_json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        # ExtraAdder: the fields other libraries pass in ``extra`` (FastStream: topic, group_id,
        # message_id) become keys of the line.
        foreign_pre_chain=[*_SHARED, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info if use_json else _identity,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, quiet in _QUIET.items():
        logging.getLogger(name).setLevel(quiet)
    hide_query_strings()
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service, tenant=tenant)


def hide_query_strings() -> None:
    """Put the :class:`QueryStringFilter` on the loggers that quote URLs (once each)."""
    for name in URL_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, QueryStringFilter) for f in logger.filters):
            logger.addFilter(QueryStringFilter())


def _identity(_: Any, __: str, event_dict: Any) -> Any:
    return event_dict


def bind_message_context(
    *, topic: str, correlation_id: str | None, event_id: str | None = None
) -> None:
    """Bind the per-message context (the service and tenant are bound once at start-up)."""
    structlog.contextvars.bind_contextvars(
        topic=topic, correlation_id=correlation_id, event_id=event_id
    )


def get_logger(name: str | None = None) -> Any:
    """A structlog logger (the service's settings were applied by ``configure_logging``)."""
    return structlog.stdlib.get_logger(name)
