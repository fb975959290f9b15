"""The last imports of every institution for the network page, read from the network zone's
patron-sync (``GET /import-overview``) with the observer's own token.

That route gives the counts and each reject's place, field and reason, never who uploaded a feed
nor whose record was rejected: the network observer reads no personal data (docs/privacy.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from .apis import Caller, call

#: The name of the network zone's patron-sync in refusals (``desk.domain.refusals.SERVICES``).
SERVICE = "patron-sync-network"


@dataclass
class NetworkImports:
    """A client of the network zone's patron-sync (its connections kept between readings)."""

    client: httpx.AsyncClient
    per_source: int = 3

    @classmethod
    def open(cls, url: str, timeout_s: float) -> NetworkImports:
        return cls(httpx.AsyncClient(base_url=url, timeout=timeout_s))

    async def latest(self, caller: Caller) -> list[dict[str, Any]]:
        """Each institution's latest imports (the network's order, each newest first); a
        :class:`~desk.domain.refusals.Refusal` when the network zone refuses or is away."""
        params = {"per_source": self.per_source}
        found: list[dict[str, Any]] = await call(
            self.client, SERVICE, caller, "GET", "/import-overview", params=params
        )
        return found

    async def close(self) -> None:
        await self.client.aclose()
