"""HTTP conventions shared by the services: RFC 9457 problem details, health, readiness, metrics,
and the development clock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pydantic import AwareDatetime, BaseModel

from rebub_shared.auth.guard import requires
from rebub_shared.bounds import JSON_BODY_MAX_BYTES
from rebub_shared.clock import Clock, MovableClock
from rebub_shared.edge import BodyLimit, Edge
from rebub_shared.permissions import Permission
from rebub_shared.problem_docs import NOT_A_PROBLEM, document_problems
from rebub_shared.problems import (
    PROBLEM_JSON,
    Problem,
    install_problem_handlers,
    problem_response,
)

__all__ = [
    "PROBLEM_JSON",
    "BodyLimit",
    "Problem",
    "install_error_contract",
    "install_problem_handlers",
    "ops_router",
    "problem_response",
]


def install_error_contract(
    app: FastAPI,
    statuses: Mapping[type[Exception], int],
    *,
    json_max_bytes: int = JSON_BODY_MAX_BYTES,
    routes: Mapping[str, BodyLimit] | None = None,
) -> None:
    """The whole error contract on ``app``: problem handlers (``statuses`` maps domain errors to
    HTTP statuses), body limits and media types at the edge (``routes``: a route's path and its
    own limit), and the problems in the OpenAPI document. See docs/error-contract.md."""
    install_problem_handlers(app, statuses)
    app.add_middleware(Edge, json_max_bytes=json_max_bytes, routes=routes)
    document_problems(app)


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

    @router.get("/ready", responses={503: {"description": "Not ready", NOT_A_PROBLEM: True}})
    async def readiness() -> Response:
        checks = await ready()
        status = 200 if all(checks.values()) else 503
        return JSONResponse({"ready": status == 200, "checks": checks}, status_code=status)

    @router.get("/metrics", response_class=PlainTextResponse, dependencies=metrics_guard)
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
