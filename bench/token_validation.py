"""Benchmark: the cost of checking an access token, per request.

    uv run python -m bench.token_validation [--requests 3000 --json out.json]

Two figures, both on a real token of the run's provider (``ub-desk`` of ``REBUB_OIDC_ISSUER`` or
the local Keycloak), with the issuer's key set fetched once and cached, as in a running service:

- ``verify``: ``TokenVerifier.verify`` alone (RS256 signature, claims, principal);
- ``per_request``: the same FastAPI route called in-process (``httpx.ASGITransport``) with and
  without ``requires(...)``, interleaved: the difference of the medians is what the guard adds to
  a request (bearer parsing, verification, binding to the instance, the permission).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import httpx
from fastapi import FastAPI

from rebub.identity import DevTokens
from rebub.infra.keycloak import default_issuer
from rebub_shared.auth.guard import install_auth, requires
from rebub_shared.auth.settings import AuthSettings
from rebub_shared.auth.tokens import Principal
from rebub_shared.permissions import Permission


async def _timed(call: Callable[[], Awaitable[Any]], n: int, warm_up: int = 0) -> list[float]:
    for _ in range(warm_up):  # caches, the first key fetch
        await call()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1_000_000)
    return samples


def _summary(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100)
    return {"p50_us": cuts[49], "p95_us": cuts[94], "p99_us": cuts[98]}


def _app(issuer: str) -> FastAPI:
    app = FastAPI()

    @app.get("/open")
    async def open_route() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/guarded")
    async def guarded(
        who: Annotated[Principal, requires(Permission.PATRONS_READ)],
    ) -> dict[str, str]:
        return {"ok": who.operator}

    install_auth(app, AuthSettings(issuer=issuer), "ub")
    return app


async def benchmark(requests: int) -> dict[str, Any]:
    issuer = default_issuer()
    token = DevTokens(issuer).user("ub-desk")
    app = _app(issuer)
    verifier = app.state.guard.verifier
    verify = await _timed(lambda: verifier.verify(token), requests, warm_up=100)
    headers = {"Authorization": f"Bearer {token}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

        async def call(path: str) -> None:
            answer = await client.get(path, headers=headers)
            answer.raise_for_status()

        # Interleaved, so that the machine's load drifts over both alike.
        open_route: list[float] = []
        guarded: list[float] = []
        for _ in range(requests):
            open_route += await _timed(lambda: call("/open"), 1)
            guarded += await _timed(lambda: call("/guarded"), 1)
    per_request = statistics.median(guarded) - statistics.median(open_route)
    return {
        "issuer": issuer,
        "requests": requests,
        "key_fetches": verifier.keys.fetches,
        "verify": _summary(verify),
        "open_route": _summary(open_route),
        "guarded_route": _summary(guarded),
        "per_request_added_us": per_request,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.token_validation", description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--json", type=Path, default=None)
    options = parser.parse_args(argv)
    report = asyncio.run(benchmark(options.requests))
    text = json.dumps(report, indent=2)
    if options.json:
        options.json.write_text(text)
    print(text)
    return report


if __name__ == "__main__":
    main()
