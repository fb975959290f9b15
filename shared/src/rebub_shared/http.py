"""HTTP conventions shared by the services: RFC 9457 problem details, health, readiness, metrics,
and the development clock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pydantic import AwareDatetime, BaseModel

from rebub_shared.auth.guard import requires
from rebub_shared.clock import Clock, MovableClock
from rebub_shared.permissions import Permission
from rebub_shared.problems import PROBLEM_JSON, Problem, problem_response

__all__ = ["PROBLEM_JSON", "Problem", "install_problem_handlers", "ops_router", "problem_response"]


def install_problem_handlers(app: FastAPI, statuses: Mapping[type[Exception], int]) -> None:
    """Answer every error as problem details: ``statuses`` maps domain errors to HTTP statuses."""

    async def on_problem(request: Request, error: Exception) -> Response:
        assert isinstance(error, Problem)
        return problem_response(request, error)

    async def on_validation(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        errors = [
            {
                "field": ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]),
                "value": e.get("input"),
                "message": e["msg"],
            }
            for e in error.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['value']!r}: {e['message']}" for e in errors)
        return problem_response(request, Problem(422, "Invalid request", detail, errors=errors))

    async def on_http(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        return problem_response(
            request, Problem(error.status_code, str(error.detail), str(error.detail))
        )

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
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    for error_type, status in statuses.items():
        app.add_exception_handler(error_type, domain_handler(status))


class ClockSetting(BaseModel):
    now: AwareDatetime


def ops_router(
    *,
    ready: Callable[[], Awaitable[dict[str, bool]]],
    clock: Clock,
    dev_clock: bool,
    metrics: CollectorRegistry | None = None,
    open_metrics: bool = False,
) -> APIRouter:
    """``/health`` (live) and ``/ready`` (broker and store reachable), open to anyone;
    ``/metrics`` (a ``network:observe`` token unless ``open_metrics``); in development and test
    settings only, ``PUT /_dev/clock`` (a ``dev:operate`` token)."""
    router = APIRouter(tags=["operations"])
    metrics_guard = [] if open_metrics else [requires(Permission.NETWORK_OBSERVE)]
    dev_guard = [requires(Permission.DEV_OPERATE)]

    @router.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "live"}

    @router.get("/ready")
    async def readiness() -> Response:
        checks = await ready()
        status = 200 if all(checks.values()) else 503
        return JSONResponse({"ready": status == 200, "checks": checks}, status_code=status)

    @router.get("/metrics", dependencies=metrics_guard)
    async def prometheus_metrics() -> Response:
        body = generate_latest() + (generate_latest(metrics) if metrics is not None else b"")
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    if dev_clock and isinstance(clock, MovableClock):

        @router.put("/_dev/clock", dependencies=dev_guard)
        async def set_clock(setting: ClockSetting) -> dict[str, datetime]:
            clock.set(setting.now)
            return {"now": clock.now()}

        @router.get("/_dev/clock", dependencies=dev_guard)
        async def read_clock() -> dict[str, datetime]:
            return {"now": clock.now()}

    return router
