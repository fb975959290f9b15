"""The correlation id of the work under way: set from an HTTP request's ``X-Correlation-ID``
(or made up for it) and from a consumed record's ``ce_correlationid``; every event written
meanwhile carries it as the CloudEvents extension ``correlationid`` (``rebub_shared.cloudevents``),
so a subscriber can tie each event to the request that caused it, through every hop.

A single-record subscriber adopts its record's id around the handler (``rebub_shared.host``). A
batch holds records of many requests, so no one id is the batch's: a batch handler reads each
record's (``of_headers``) and adopts it (``adopted``) around the part of the work that record
causes; what is staged meanwhile keeps the id it was staged under (patron-sync's ``StagedSave``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import structlog

HEADER = "X-Correlation-ID"
RECORD_HEADER = "ce_correlationid"
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


@contextmanager
def adopted(value: str | None) -> Iterator[str | None]:
    """``value`` current for the block, the previous one back after it."""
    before = current()
    adopt(value)
    try:
        yield value
    finally:
        adopt(before)


Headers = Mapping[str, str | bytes] | Iterable[tuple[str, bytes]]


def of_headers(headers: Headers | None) -> str | None:
    """A record's correlation id (``ce_correlationid``), from FastStream's header mapping or a
    raw record's ``(name, bytes)`` pairs; None when it has none."""
    pairs = headers.items() if isinstance(headers, Mapping) else (headers or ())
    for name, value in pairs:
        if name == RECORD_HEADER:
            return value.decode() if isinstance(value, bytes) else value
    return None


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
