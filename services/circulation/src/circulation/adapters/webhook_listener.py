"""The HTTP side of webhooks (httpx): Alma's challenge GET and the signed POST."""

from __future__ import annotations

import httpx


class HttpListener:
    """One client for every listener of the institution; bounded by ``timeout_s``."""

    def __init__(self, timeout_s: float) -> None:
        self._timeout_s = timeout_s
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:  # made on first use, inside the running loop
            self._client = httpx.AsyncClient(timeout=self._timeout_s, follow_redirects=False)
        return self._client

    async def challenge(self, url: str, value: str) -> str | None:
        """Alma's registration check: ``GET url?challenge=value`` answers ``{"challenge": value}``."""
        try:
            answer = await self._http().get(url, params={"challenge": value})
            challenge = answer.json().get("challenge") if answer.status_code == 200 else None
        except (httpx.HTTPError, ValueError, AttributeError):
            return None
        return challenge if isinstance(challenge, str) else None

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        answer = await self._http().post(url, content=body, headers=headers)
        return answer.status_code

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
