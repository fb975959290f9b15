"""The streamed bulk link, ``POST /patron-links/stream``: primary ids in (NDJSON, one JSON string
or ``{"primary_id": ...}`` a line; or CSV, the first column, a ``primary_id`` header skipped),
an NDJSON report out line by line, then one summary line.

The body is read as it arrives and linked ``STREAM_BATCH`` ids at a time (the bounded bulk
link's own handler): the memory used is one batch and one line, whatever the size of the body.
Each input line gets one report line (``line``, ``primary_id``, ``outcome``: linked,
already_linked, unknown, invalid with its ``error``); a report without its final
``{"summary": ...}`` line was cut (the store away, say): linking is idempotent, send it again.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import TypeAdapter, ValidationError
from starlette.types import Receive, Scope, Send

from patron_sync.service_layer import commands as cmds
from patron_sync.service_layer.bulk_link import STREAM_BATCH, outcomes
from rebub_shared import bounds
from rebub_shared.audit import Audit
from rebub_shared.auth.guard import requires
from rebub_shared.auth.tokens import Principal
from rebub_shared.http import BodyLimit, Problem
from rebub_shared.permissions import Permission as P

from .instance import PatronSync

NDJSON, CSV = "application/x-ndjson", "text/csv"
PATH = "/patron-links/stream"
#: A line longer than this is reported invalid and skipped (never held whole in memory).
MAX_LINE_BYTES = 1024
#: The body's limit: about three million ids (a larger migration sends several).
BODY_LIMIT = BodyLimit(64 * 1024 * 1024, media_types=(NDJSON, CSV))
OUTCOMES = ("linked", "already_linked", "unknown", "invalid")
_IDENTIFIER: TypeAdapter[str] = TypeAdapter(bounds.Identifier)


class LineStream(StreamingResponse):
    """A streamed answer written while the route still reads its request body: no listener
    for a disconnect (under ASGI before 2.4 it would take the body's own messages)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.stream_response(send)


async def lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes | None]:
    """The body's lines without their end (``None`` for a line past ``MAX_LINE_BYTES``)."""
    pending, skipping = b"", False
    async for chunk in chunks:
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for line in complete:
            yield None if skipping or len(line) > MAX_LINE_BYTES else line
            skipping = False
        if len(pending) > MAX_LINE_BYTES:  # drop it now; its end is reported when it comes
            pending, skipping = b"", True
    if pending or skipping:
        yield None if skipping else pending


def primary_id(line: bytes, media_type: str) -> tuple[str | None, str | None]:
    """``(primary id, None)``, ``(value, error)`` for an invalid line, ``(None, None)`` for a line
    to skip (blank, the CSV header)."""
    text = line.decode("utf-8", errors="replace").strip()
    if not text:
        return None, None
    value: Any = text
    if media_type == CSV:
        value = text.split(",", 1)[0].strip().strip('"')
        if value == "primary_id":
            return None, None
    else:
        try:
            value = json.loads(text)
        except ValueError:
            return text[:64], "not a JSON value"
        if isinstance(value, dict):
            value = value.get("primary_id")
    if not isinstance(value, str):
        return None, 'expected a string or {"primary_id": string}'
    try:
        return _IDENTIFIER.validate_python(value), None
    except ValidationError as error:
        return value[:64], error.errors()[0]["msg"]


def _line(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, ensure_ascii=False).encode() + b"\n"


async def report(
    service: PatronSync, body: AsyncIterator[bytes], media_type: str, counts: dict[str, int]
) -> AsyncIterator[bytes]:
    """The report lines in the order of the body's, each batch's as soon as it is linked, then
    the summary (``counts`` is filled as the lines go, for the audit)."""
    batch: list[tuple[int, str | None, str | None]] = []  # line, primary id, error

    async def flush() -> AsyncIterator[bytes]:
        ids = [found for _, found, error in batch if error is None and found is not None]
        done = cmds.LinkReport((), (), ())
        if ids:
            done = await service.handle(cmds.LinkPatrons(service.institution, tuple(ids)))
        linked = iter(outcomes(ids, done))
        for number, found, error in batch:
            outcome = "invalid" if error is not None else next(linked)
            counts[outcome] += 1
            fields = {"line": number, "primary_id": found, "outcome": outcome}
            yield _line(fields if error is None else fields | {"error": error})
        batch.clear()

    number, valid = 0, 0
    async for line in lines(body):
        number += 1
        found, error = (
            primary_id(line, media_type)
            if line is not None
            else (None, f"longer than {MAX_LINE_BYTES} bytes")
        )
        if found is None and error is None:
            continue  # a blank line, the CSV header
        batch.append((number, found, error))
        valid += error is None
        if valid == STREAM_BATCH or len(batch) == 2 * STREAM_BATCH:
            async for out in flush():
                yield out
            valid = 0
    if batch:
        async for out in flush():
            yield out
    yield _line({"summary": {"lines": number, **counts}})


def link_stream_router() -> APIRouter:
    router = APIRouter(tags=["patrons"])
    documented = {
        "requestBody": {
            "required": True,
            "content": {
                NDJSON: {"schema": {"type": "string"}},
                CSV: {"schema": {"type": "string"}},
            },
        }
    }

    @router.post(
        PATH,
        response_class=LineStream,
        responses={200: {"content": {NDJSON: {"schema": {"type": "string"}}}}},
        openapi_extra=documented,
    )
    async def link_patrons_streamed(
        request: Request, audit: Audit, who: Annotated[Principal, requires(P.PATRONS_EDIT)]
    ) -> LineStream:
        """Link network accounts into this institution zone from a stream of primary ids of
        any length (NDJSON or CSV), answered line by line in NDJSON, then a summary line (see
        the module). ``POST /patron-links`` keeps the bounded JSON form (1,000 ids)."""
        service: PatronSync = request.app.state.service
        media_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if media_type not in BODY_LIMIT.media_types:  # no body at all (the edge checks one)
            expected = " or ".join(BODY_LIMIT.media_types)
            raise Problem(415, "Unsupported Media Type", f"the body must be {expected}")
        counts = dict.fromkeys(OUTCOMES, 0)

        async def answer() -> AsyncIterator[bytes]:
            async for out in report(service, request.stream(), media_type, counts):
                yield out
            await audit.record(who, "patrons-linked", streamed=True, counts=counts)

        return LineStream(answer(), media_type=NDJSON)

    return router
