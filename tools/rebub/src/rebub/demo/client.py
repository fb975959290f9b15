"""The demo talks to the running network over HTTP only, as a desk or a DSI would.

Each institution's requests carry that institution's bearer token, from one token provider
(``TokenProvider``: tenant -> token or None); the network zone's import carries the token of the
institution whose feed it is (``demo_tokens``: the demo clients of the identity provider).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

from rebub.identity import DevTokens
from rebub.infra.keycloak_realm import demo_client
from rebub.network import ServiceInstance, network_plan
from rebub_shared.tenancy import NETWORK, InstitutionCode

T = TypeVar("T")
Code = TypeVar("Code", bound=str)

#: The tenant's bearer token (None: send no ``Authorization`` header).
TokenProvider = Callable[[str], str | None]


def demo_tokens(issuer: str) -> TokenProvider:
    """Each institution's demo client (``rebub-demo-<inst>``, client credentials) of ``issuer``,
    its token cached until shortly before it expires."""
    tokens = DevTokens(issuer)
    return lambda tenant: tokens.client(demo_client(tenant))


class DemoError(RuntimeError):
    """A step of the demo failed: the message is one sentence saying what was expected, what
    was seen and which log to read. ``status``: the HTTP status of the answer, if any."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def not_yet(self) -> bool:
        """An answer a wait may outgrow: nothing there yet (404), a service busy or restarting
        (no answer, 503). Anything else is a failure at once."""
        return self.status in (None, 404, 503)


def log_hint(log: Path | str, service: str, tenant: str) -> str:
    """Where to look: the lines of ``service[tenant]`` in the network's log."""
    return f"read the lines of {service}[{tenant}] in {log}"


class NetworkClient:
    """URLs of every instance, and the few calls the demo makes."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        plan: list[ServiceInstance] | None = None,
        *,
        token: TokenProvider,
        log: Path | str = ".rebub/logs/network.log",
    ) -> None:
        self.http = client
        self.instances = {(i.service, i.tenant): i for i in (plan or network_plan())}
        self.token = token
        self.log = log

    def url(self, service: str, tenant: str) -> str:
        return self.instances[(service, tenant)].url  # type: ignore[index]

    def hint(self, service: str, tenant: str) -> str:
        return log_hint(self.log, service, tenant)

    def auth(self, tenant: str) -> dict[str, str]:
        """The ``Authorization`` header of ``tenant``'s requests: the operator of every desk
        action is the token's subject."""
        token = self.token(tenant)
        return {"Authorization": f"Bearer {token}"} if token else {}

    async def call(
        self,
        method: str,
        service: str,
        tenant: str,
        path: str,
        *,
        as_tenant: str | None = None,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> Any:
        """One request to ``service[tenant]`` with ``as_tenant``'s token (default: ``tenant``);
        an error answer or no answer raises :class:`DemoError`."""
        where = f"{method} {service}[{tenant}]{path}"
        sent = self.auth(as_tenant or tenant) | (headers or {})
        try:
            response = await self.http.request(
                method, self.url(service, tenant) + path, headers=sent, **kw
            )
        except httpx.HTTPError as error:
            raise DemoError(
                f"{where} expected an answer, got {type(error).__name__} {error}; "
                f"{self.hint(service, tenant)}"
            ) from error
        if response.status_code >= 400:
            raise DemoError(
                f"{where} expected success, got {response.status_code} {response.text[:300]}; "
                f"{self.hint(service, tenant)}",
                response.status_code,
            )
        return response.json() if response.content else None

    async def import_feed(self, inst: InstitutionCode, feed: Path) -> dict[str, Any]:
        """The DSI's import of ``inst``'s feed into the network zone, as ``inst``."""
        with feed.open("rb") as body:
            files = {"file": (feed.name, body, "application/xml")}
            params = {"source": inst, "mode": "full"}
            report: dict[str, Any] = await self.call(
                "POST",
                "patron-sync",
                NETWORK,
                "/imports",
                as_tenant=inst,
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


async def per_institution(
    institutions: Iterable[Code], step: Callable[[Code], Awaitable[T]]
) -> dict[Code, T]:
    """``step`` for each institution at once (their desks are independent), the results in the
    institutions' order; the first failure is the one reported."""
    codes = list(institutions)
    results = await asyncio.gather(*(step(code) for code in codes))
    return dict(zip(codes, results, strict=True))
