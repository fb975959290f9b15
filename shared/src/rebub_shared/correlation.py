"""The correlation id of the work under way: set from an HTTP request's ``X-Correlation-ID``
(or made up for it) and from a consumed record's ``ce_correlationid``; every event written
meanwhile carries it as the CloudEvents extension ``correlationid`` (``rebub_shared.cloudevents``),
so a subscriber can tie each event to the request that caused it, through every hop.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import structlog

HEADER = "X-Correlation-ID"
_CURRENT: ContextVar[str | None] = ContextVar("correlation_id", default=None)
# What a caller may send: short, printable, no spaces (it goes into headers and logs).
_ACCEPTED = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")


def current() -> str | None:
    """The correlation id of the work under way, if any."""
    return _CURRENT.get()


def adopt(value: str | None) -> str | None:
    """Make ``value`` the current correlation id (and the logs'); ``None`` clears it."""
    _CURRENT.set(value)
    structlog.contextvars.bind_contextvars(correlation_id=value)
    return value


def from_request(sent: str | None) -> str:
    """A request's correlation id: the caller's when acceptable, else a fresh one."""
    return sent if sent and _ACCEPTED.match(sent) else uuid.uuid4().hex


Next = Callable[[Any], Awaitable[Any]]


async def http_middleware(request: Any, call_next: Next) -> Any:
    """Adopt the request's correlation id for its handling and answer it back."""
    value = adopt(from_request(request.headers.get(HEADER)))
    try:
        response = await call_next(request)
    finally:
        adopt(None)
    response.headers[HEADER] = value
    return response
