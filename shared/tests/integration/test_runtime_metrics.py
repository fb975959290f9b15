"""A running service instance exposes its broker's metrics on /metrics."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from rebub.identity import DevTokens
from rebub.testing.plugin import Namespace
from rebub_shared.auth.guard import install_auth
from rebub_shared.auth.settings import AuthSettings
from rebub_shared.clock import SystemClock
from rebub_shared.http import ops_router
from rebub_shared.runtime import build_runtime, running
from rebub_shared.settings import ServiceSettings


async def test_published_messages_are_counted_and_readiness_checks_both_servers(
    namespace: Namespace, oidc_issuer: str, dev_tokens: DevTokens
) -> None:
    settings = ServiceSettings(
        tenant="ubm", environment="test", kafka=namespace.kafka(), mongo=namespace.mongo()
    )
    runtime = build_runtime(settings, "circulation", SystemClock())
    app = FastAPI()
    install_auth(app, AuthSettings(issuer=oidc_issuer), "ubm")
    app.include_router(
        ops_router(
            ready=runtime.ready, clock=runtime.clock, dev_clock=False, metrics=runtime.metrics
        )
    )

    async with running(runtime):
        await runtime.broker.publish({"ping": 1}, runtime.topics.loan("ubm"), key=b"P1")
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as client:
            # /metrics: a network observer's token (the operations client of `rebub status`)
            metrics = (await client.get("/metrics", headers=dev_tokens.headers("rebub-ops"))).text
            ready = (await client.get("/ready")).json()

    assert 'faststream_published_messages_total{app_name="ubm.circulation"' in metrics
    assert ready == {"ready": True, "checks": {"broker": True, "store": True}}
