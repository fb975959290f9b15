"""HTTP metrics of every app: an ASGI wrapper timing each request, per tenant, method, route
template (``/loans/{loan_id}``, never the id itself) and status, in
``rebub_http_request_duration_seconds`` (a histogram: rates, errors and latency quantiles)."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def http_histogram(registry: CollectorRegistry) -> Histogram:
    return Histogram(
        "rebub_http_request_duration_seconds",
        "HTTP requests answered, by tenant, method, route template and status",
        ["tenant", "method", "route", "status"],
        registry=registry,
        buckets=BUCKETS,
    )


class HttpMetrics:
    """Times each HTTP request; placed outermost, it sees the edge's own answers (413, 415, 500)."""

    def __init__(self, app: ASGIApp, *, registry: CollectorRegistry, tenant: str) -> None:
        self.app, self.tenant = app, tenant
        self.histogram = http_histogram(registry)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.histogram.labels(
                tenant=self.tenant, method=scope["method"], route=route, status=str(status)
            ).observe(time.perf_counter() - started)
