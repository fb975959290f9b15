"""The demo talks to the running network over HTTP only, as a desk or a DSI would, with the token
of each institution's demo client (``rebub-demo-<inst>``, client credentials)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

from rebub.identity import DevTokens
from rebub.infra.keycloak_realm import demo_client
from rebub.network import ServiceInstance, network_plan
from rebub_shared.tenancy import NETWORK, InstitutionCode

T = TypeVar("T")


class DemoError(RuntimeError):
    """A step of the demo failed; the message says which and why."""


class NetworkClient:
    """URLs of every instance, and the few calls the demo makes."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        plan: list[ServiceInstance] | None = None,
        tokens: DevTokens | None = None,
    ) -> None:
        self.http = client
        self.instances = {(i.service, i.tenant): i for i in (plan or network_plan())}
        self.tokens = tokens  # each institution's demo client (rebub-demo-<inst>); None: no token

    def _authorization(self, institution: str) -> dict[str, str]:
        if self.tokens is None:
            return {}
        return self.tokens.headers(demo_client(institution))

    def url(self, service: str, tenant: str) -> str:
        return self.instances[(service, tenant)].url  # type: ignore[index]

    async def call(
        self,
        method: str,
        service: str,
        tenant: str,
        path: str,
        *,
        acting_for: str | None = None,
        **kw: Any,
    ) -> Any:
        """One request, with the token of ``acting_for``'s demo client (default: ``tenant``'s)."""
        headers = (kw.pop("headers", None) or {}) | self._authorization(acting_for or tenant)
        response = await self.http.request(
            method, self.url(service, tenant) + path, headers=headers, **kw
        )
        if response.status_code >= 400:
            raise DemoError(
                f"{method} {service}[{tenant}]{path}: {response.status_code} {response.text[:300]}"
            )
        return response.json() if response.content else None

    async def import_feed(self, inst: InstitutionCode, feed: Path) -> dict[str, Any]:
        with feed.open("rb") as body:
            files = {"file": (feed.name, body, "application/xml")}
            params = {"source": inst, "mode": "full"}
            report: dict[str, Any] = await self.call(
                "POST",
                "patron-sync",
                NETWORK,
                "/imports",
                acting_for=inst,  # the network zone takes a feed from its own institution only
                params=params,
                files=files,
                timeout=300,
            )
        return report

    async def set_clock(
        self,
        inst: str,
        now: datetime,
        services: tuple[str, ...] = ("circulation", "notifier", "patron-sync"),
    ) -> None:
        for service in services:
            await self.call("PUT", service, inst, "/_dev/clock", json={"now": now.isoformat()})

    async def clock(self, inst: str) -> datetime:
        answer = await self.call("GET", "circulation", inst, "/_dev/clock")
        return datetime.fromisoformat(answer["now"])


async def eventually(
    check: Callable[[], Awaitable[T | None]], what: str, timeout_s: float = 60
) -> T:
    """Poll ``check`` until it gives a value (the network is asynchronous between services)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            value = await check()
        except DemoError:
            value = None
        if value is not None:
            return value
        await asyncio.sleep(0.3)
    raise DemoError(f"{what}: not seen within {timeout_s:.0f} s")
