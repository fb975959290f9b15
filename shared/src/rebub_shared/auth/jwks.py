"""The issuer's signing keys (JWKS): fetched with a bounded timeout, cached, and refetched when a
token names a key id the cache does not hold (a key rotation), at most once per interval."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey

from rebub_shared.logging import get_logger

log = get_logger(__name__)
SigningKey = RSAKey | ECKey


class KeysUnavailableError(RuntimeError):
    """The issuer's key set could not be fetched (tokens cannot be checked: none is accepted)."""


class JwksCache:
    """The key set of one issuer; ``key(kid)`` fetches it on first use and on an unknown kid."""

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = 3.0,
        refresh_min_interval_s: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._timeout_s = timeout_s
        self._min_interval_s = refresh_min_interval_s
        self._transport = transport
        self._monotonic = monotonic
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()
        self.fetches = 0  # how many times the key set was fetched (tests, metrics)

    async def key(self, kid: str) -> SigningKey | None:
        """The signing key ``kid``, refetching the set once if it is unknown (rate-limited)."""
        if kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            if kid not in self._keys and self._may_refetch():
                await self._fetch()
        return self._keys.get(kid)

    def _may_refetch(self) -> bool:
        if self._fetched_at is None:
            return True
        return self._monotonic() - self._fetched_at >= self._min_interval_s

    async def _fetch(self) -> None:
        self._fetched_at = self._monotonic()
        self.fetches += 1
        try:
            async with httpx.AsyncClient(
                timeout=self._timeout_s, transport=self._transport
            ) as client:
                response = await client.get(self.url)
                response.raise_for_status()
                document: dict[str, Any] = response.json()
            keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
        except (httpx.HTTPError, ValueError, JoseError) as error:
            log.warning("jwks_fetch_failed", url=self.url, error=str(error))
            if not self._keys:
                raise KeysUnavailableError(f"{self.url}: {error}") from error
            return  # keep the keys we have; the unknown kid stays unknown
        self._keys = {
            str(k.kid): k
            for k in keys.keys
            if k.kid and isinstance(k, RSAKey | ECKey) and k.get("use", "sig") == "sig"
        }
        log.info("jwks_fetched", url=self.url, kids=sorted(self._keys))
