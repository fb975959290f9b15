"""Circulation and patron-sync, called with the staff member's own token.

Every refusal becomes a :class:`~desk.domain.refusals.Refusal` (the problem body kept for the
words chosen by the screen); an unreachable service is a refusal of status 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import structlog

from desk.domain.refusals import Refusal

log = structlog.get_logger(__name__)


@dataclass
class Apis:
    """One HTTP client per service of the institution (connections kept between requests)."""

    circulation: httpx.AsyncClient
    patron_sync: httpx.AsyncClient
    notifier: httpx.AsyncClient

    @classmethod
    def open(cls, urls: tuple[str, str, str], timeout_s: float) -> Apis:
        """Clients of circulation, patron-sync and the notifier, in that order."""
        return cls(*(httpx.AsyncClient(base_url=url, timeout=timeout_s) for url in urls))

    async def circ(self, caller: Caller, method: str, path: str, **options: Any) -> Any:
        """A call to circulation (see :func:`call`)."""
        return await call(self.circulation, "circulation", caller, method, path, **options)

    async def patrons(self, caller: Caller, method: str, path: str, **options: Any) -> Any:
        """A call to patron-sync (see :func:`call`)."""
        return await call(self.patron_sync, "patron-sync", caller, method, path, **options)

    async def letters(self, caller: Caller, method: str, path: str, **options: Any) -> Any:
        """A call to the notifier (see :func:`call`)."""
        return await call(self.notifier, "notifier", caller, method, path, **options)

    async def close(self) -> None:
        for client in (self.circulation, self.patron_sync, self.notifier):
            await client.aclose()


@dataclass(frozen=True)
class Caller:
    """Who calls (the bearer token) and from which desk (circulation's ``X-Desk`` headers)."""

    token: str
    desk: str | None = None
    desk_session: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if self.desk:
            headers["X-Desk"] = self.desk
        if self.desk_session:
            headers["X-Desk-Session"] = self.desk_session
        return headers


async def call(
    client: httpx.AsyncClient,
    service: str,
    caller: Caller,
    method: str,
    path: str,
    *,
    json: Any = None,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """The JSON answer of a successful call, else :class:`Refusal`."""
    try:
        answer = await client.request(
            method, path, json=json, params=params, headers=caller.headers() | (headers or {})
        )
    except httpx.HTTPError as error:
        log.warning("api unreachable", service=service, path=path, error=str(error))
        raise Refusal(service, 0) from error
    if answer.is_success:
        return answer.json() if answer.content else None
    try:
        problem = answer.json()
    except ValueError:
        problem = {}
    log.info(
        "api refused",
        service=service,
        path=path,
        status=answer.status_code,
        detail=problem.get("detail") if isinstance(problem, dict) else None,
    )
    raise Refusal(service, answer.status_code, problem if isinstance(problem, dict) else {})
