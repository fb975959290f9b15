"""Bearer helpers every HTTP test uses, over the run's development tokens (the plugin's
``dev_tokens``, from the real provider): ``bearer(dev_tokens.user("ub-manager"))`` and, on the
network zone, ``FeedLoaderAuth`` (each upload as its source institution's feed loader); a client
acting as one user or machine client throughout: ``TokenAuth(dev_tokens, "ub-manager")``."""

from __future__ import annotations

from collections.abc import Generator

import httpx

from rebub.identity import DevTokens


def bearer(token: str) -> dict[str, str]:
    """The ``Authorization`` header of a token."""
    return {"Authorization": f"Bearer {token}"}


class FeedLoaderAuth(httpx.Auth):
    """On the network zone, each upload as the feed loader of its ``source`` institution (other
    calls as ub's), unless the request carries its own token."""

    def __init__(self, tokens: DevTokens, user: str = "feed-admin") -> None:
        self._tokens, self._user = tokens, user

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if "Authorization" not in request.headers:  # a test may send its own token
            source = request.url.params.get("source")
            name = f"{source}-{self._user}" if source else f"ub-{self._user}"
            request.headers["Authorization"] = f"Bearer {self._tokens.user(name)}"
        yield request


class TokenAuth(httpx.Auth):
    """Every request as ``name`` (a user, or a machine client of the realm), its token taken from
    the cache on each request (renewed near its expiry, so a long test keeps a valid one), unless
    the request carries its own token."""

    def __init__(self, tokens: DevTokens, name: str) -> None:
        self._tokens, self._name = tokens, name

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if "Authorization" not in request.headers:
            request.headers["Authorization"] = f"Bearer {self._tokens.token(self._name)}"
        yield request
