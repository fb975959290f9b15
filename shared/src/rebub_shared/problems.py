"""The one error contract of every service: RFC 9457 problem details for every error, the
framework's own included (malformed JSON, unknown route, wrong method, validation), domain errors
mapped to statuses, an unavailable store as 503 with ``Retry-After``, anything else as a 500
without internals. Echoed values are clipped, so no answer grows with the request.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Any

from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from pymongo.errors import ConnectionFailure, PyMongoError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from rebub_shared.bounds import ECHOED_VALUE_MAX_CHARS
from rebub_shared.logging import get_logger

log = get_logger(__name__)

PROBLEM_JSON = "application/problem+json"
DETAIL_MAX_CHARS = 1000
#: Seconds a client should wait before retrying when the store or broker is unavailable.
RETRY_AFTER_S = 5


class Problem(Exception):
    """An error answered as RFC 9457 problem details; ``field`` and ``value`` name the bad input."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        field: str | None = None,
        value: Any = None,
        kind: str = "about:blank",
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.kind = status, title, detail, kind
        self.headers = dict(headers or {})
        self.extensions = extensions
        if field is not None:
            self.extensions["errors"] = [{"field": field, "value": value, "message": detail}]


def clip(text: str, limit: int = ECHOED_VALUE_MAX_CHARS) -> str:
    """``text`` made safe to echo: lone surrogates escaped, at most ``limit`` characters."""
    safe = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if len(safe) <= limit:
        return safe
    return f"{safe[:limit]}… ({len(text)} characters)"


def echoed(value: Any) -> Any:
    """A bad value as an answer may echo it: never bytes, never more than a few hundred
    characters (a structure too large to echo becomes its clipped JSON text)."""
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return clip(value)
    text = json.dumps(value, default=str, ensure_ascii=False)
    return json.loads(text) if len(text) <= ECHOED_VALUE_MAX_CHARS else clip(text)


def _bounded(extension: Any) -> Any:
    if isinstance(extension, str):
        return clip(extension, DETAIL_MAX_CHARS)
    if isinstance(extension, list) and all(isinstance(e, dict) for e in extension):
        return [
            {k: echoed(v) if k == "value" else _bounded(v) for k, v in e.items()} for e in extension
        ]
    return extension


def problem_response(request: Request, problem: Problem) -> JSONResponse:
    """The problem as RFC 9457 JSON; strings clipped, so the answer stays small."""
    body = {
        "type": problem.kind,
        "title": clip(problem.title, DETAIL_MAX_CHARS),
        "status": problem.status,
        "detail": clip(problem.detail, DETAIL_MAX_CHARS),
        "instance": clip(request.url.path),
        **{k: _bounded(v) for k, v in problem.extensions.items()},
    }
    return JSONResponse(
        body, status_code=problem.status, media_type=PROBLEM_JSON, headers=problem.headers
    )


def validation_problem(errors: list[Any], *, in_request: bool) -> Problem:
    """422 naming each field with its (clipped) value; 400 when the body is not JSON at all.

    ``in_request``: pydantic locations start with where the value came from (body, query...)."""
    if any(e.get("type") == "json_invalid" for e in errors):
        where = "; ".join(str(e.get("ctx", {}).get("error", e["msg"])) for e in errors)
        return Problem(400, "Malformed request body", f"the body is not valid JSON: {where}")
    fields = [
        {
            "field": ".".join(str(p) for p in e["loc"][1 if in_request else 0 :])
            or str(e["loc"][0]),
            "value": echoed(e.get("input")),
            "message": e["msg"],
        }
        for e in errors
    ]
    detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    return Problem(422, "Invalid request", detail, errors=fields)


def unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the store or the broker cannot be reached now (a 503, not a 500)."""
    if isinstance(error, BaseExceptionGroup):
        return any(unavailable(e) for e in error.exceptions)
    if isinstance(error, ConnectionFailure | KafkaConnectionError | KafkaTimeoutError):
        return True
    return isinstance(error, PyMongoError) and error.timeout


def unavailable_problem() -> Problem:
    return Problem(
        503,
        "Service unavailable",
        "the document store or the broker did not answer in time; retry later",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def unexpected_problem(error: BaseException) -> Problem:
    """What an unexpected error answers: 503 when a server is away, else a 500 that says nothing
    of the internals (they are in the log)."""
    if unavailable(error):
        return unavailable_problem()
    return Problem(500, "Internal error", "the request could not be completed; it was logged")


def allowed_methods(request: Request) -> str:
    """Every method some route answers on this path (the router names only the first matching
    route's: ``GET /loans/{id}`` and ``DELETE /loans/{id}`` are two routes)."""
    routes = request.app.router.routes
    allowed = [
        method
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
        if any(r.matches({**request.scope, "method": method})[0] is Match.FULL for r in routes)
    ]
    return ", ".join(allowed)


def install_problem_handlers(app: FastAPI, statuses: Mapping[type[Exception], int]) -> None:
    """Answer every error as problem details: ``statuses`` maps domain errors to HTTP statuses."""

    async def on_problem(request: Request, error: Exception) -> Response:
        assert isinstance(error, Problem)
        return problem_response(request, error)

    async def on_request_validation(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        return problem_response(request, validation_problem(list(error.errors()), in_request=True))

    async def on_model_validation(request: Request, error: Exception) -> Response:
        """A model built inside a handler refused its input (a field of the body, transformed)."""
        assert isinstance(error, ValidationError)
        return problem_response(request, validation_problem(list(error.errors()), in_request=False))

    async def on_http(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        title = HTTPStatus(error.status_code).phrase
        default = {404: f"no route {request.url.path}", 405: f"{request.method} is not allowed"}
        text = str(error.detail)
        if text == title:  # the framework's own 404 and 405 say no more than their title
            text = default.get(error.status_code, title)
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        return problem_response(request, Problem(error.status_code, title, text, headers=headers))

    async def on_unavailable(request: Request, error: Exception) -> Response:
        log.warning(
            "store_or_broker_unavailable",
            method=request.method,
            path=request.url.path,
            error=f"{type(error).__name__}: {str(error)[:300]}",
        )
        return problem_response(request, unavailable_problem())

    def domain_handler(status: int) -> Callable[[Request, Exception], Awaitable[Response]]:
        async def on_domain(request: Request, error: Exception) -> Response:
            field = getattr(error, "field", None)
            value = getattr(error, "value", None)
            title = type(error).__name__.removesuffix("Error")
            return problem_response(
                request, Problem(status, title, str(error), field=field, value=value)
            )

        return on_domain

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_request_validation)
    app.add_exception_handler(ValidationError, on_model_validation)
    app.add_exception_handler(HTTPException, on_http)
    for error_type in (ConnectionFailure, KafkaConnectionError, KafkaTimeoutError):
        app.add_exception_handler(error_type, on_unavailable)
    for error_type, status in statuses.items():
        app.add_exception_handler(error_type, domain_handler(status))
