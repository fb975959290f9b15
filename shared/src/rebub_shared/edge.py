"""The edge of every HTTP app: an ASGI wrapper between the server and the routes.

- A body larger than its route's limit is refused 413, from ``Content-Length`` before anything is
  read, or as soon as the streamed bytes pass the limit (the app's own answer is then dropped).
- A body of the wrong media type is refused 415 (JSON everywhere, multipart on upload routes,
  the media types a streaming route names).
- Any error no handler answered becomes a problem (503 when the store or broker is away, else a
  500 without internals) and is logged; the server sees a finished answer, so the client's
  connection stays usable (an error re-raised to the server closes it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message as MimeHeader

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rebub_shared.bounds import JSON_BODY_MAX_BYTES
from rebub_shared.logging import get_logger
from rebub_shared.problems import Problem, problem_response, unexpected_problem

log = get_logger(__name__)


class _BodyTooLargeError(Exception):
    """The streamed body passed the route's limit."""


def _media_type(content_type: str | None) -> str:
    if not content_type:
        return ""
    header = MimeHeader()
    header["content-type"] = content_type
    return header.get_content_type()


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


@dataclass(frozen=True)
class BodyLimit:
    """A route's own body limit, and its media type (JSON, or multipart for an upload, or one of
    ``media_types`` for a route that reads its body as a stream of lines)."""

    max_bytes: int
    upload: bool = False
    media_types: tuple[str, ...] = ()


class Edge:
    """Body limits, media types and the last-resort error answer (see the module docstring).

    ``routes`` maps a route's path to its own limit; other routes take JSON of
    ``json_max_bytes`` at most."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        json_max_bytes: int = JSON_BODY_MAX_BYTES,
        routes: Mapping[str, BodyLimit] | None = None,
    ) -> None:
        self.app = app
        self.default = BodyLimit(json_max_bytes)
        self.routes = dict(routes or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = self.routes.get(scope["path"], self.default)
        refusal = self._refusal(Headers(scope=scope), route)
        if refusal is not None:
            await problem_response(Request(scope), refusal)(scope, receive, send)
            return
        await self._guarded(scope, receive, send, route.max_bytes)

    def _refusal(self, headers: Headers, route: BodyLimit) -> Problem | None:
        limit, upload = route.max_bytes, route.upload
        length = headers.get("content-length")
        if length is not None and not length.isdigit():
            return Problem(400, "Bad Request", "Content-Length is not a number")
        if length is not None and int(length) > limit:
            return _too_large(limit)
        has_body = (length is not None and int(length) > 0) or "transfer-encoding" in headers
        media_type = _media_type(headers.get("content-type"))
        expected = "multipart/form-data" if upload else "application/json"
        accepted = media_type == expected if upload else _is_json(media_type)
        if route.media_types:
            expected = " or ".join(route.media_types)
            accepted = media_type in route.media_types
        if has_body and not accepted:
            return Problem(
                415,
                "Unsupported Media Type",
                f"the body must be {expected}, not {media_type or 'without a Content-Type'}",
            )
        return None

    async def _guarded(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        received = 0
        over = started = False

        async def counted() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    raise _BodyTooLargeError
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if over:  # the app's answer to a cut body (often a 400) gives way to the 413
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except Exception as error:
            if started:
                raise  # half an answer went out: only the server can end it
            problem = _too_large(limit) if over else unexpected_problem(error)
            if not over:
                log.exception(
                    "request_failed",
                    method=scope["method"],
                    path=scope["path"],
                    status=problem.status,
                )
            await problem_response(Request(scope), problem)(scope, receive, send)
            return
        if over and not started:
            await problem_response(Request(scope), _too_large(limit))(scope, receive, send)


def _too_large(limit: int) -> Problem:
    return Problem(
        413, "Content Too Large", f"the body is larger than this route's limit of {limit} bytes"
    )
