"""Authorization Code flow with PKCE against the institution's OIDC provider (Keycloak's paths).

The browser only ever carries the session cookie: the code comes back to the desk, which exchanges
it (with the client secret and the PKCE verifier) for tokens it keeps server-side, and refreshes
them when they near expiry.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx


class LoginError(RuntimeError):
    """The provider refused the code or the refresh (the staff member logs in again)."""


@dataclass
class Tokens:
    access_token: str
    refresh_token: str | None
    id_token: str | None
    expires_at: float

    def fresh(self, margin_s: float = 30.0) -> bool:
        return self.expires_at - margin_s > time.time()


@dataclass(frozen=True)
class LoginStart:
    """What the desk keeps between the redirect to the provider and the way back."""

    state: str
    verifier: str
    nonce: str


def pkce_challenge(verifier: str) -> str:
    """S256 challenge of a PKCE verifier (RFC 7636)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class OidcClient:
    issuer: str
    client_id: str
    client_secret: str | None
    redirect_uri: str
    timeout_s: float = 10.0

    def _endpoint(self, name: str) -> str:
        return f"{self.issuer.rstrip('/')}/protocol/openid-connect/{name}"

    def start(self) -> tuple[LoginStart, str]:
        """A new login: what to remember, and the provider's address to send the browser to."""
        start = LoginStart(
            state=secrets.token_urlsafe(24),
            verifier=secrets.token_urlsafe(48),
            nonce=secrets.token_urlsafe(16),
        )
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": "openid",
            "state": start.state,
            "nonce": start.nonce,
            "code_challenge": pkce_challenge(start.verifier),
            "code_challenge_method": "S256",
            "ui_locales": "fr",
        }
        return start, f"{self._endpoint('auth')}?{urlencode(query)}"

    def logout_url(self, id_token: str | None, after: str) -> str:
        query = {"client_id": self.client_id, "post_logout_redirect_uri": after}
        if id_token:
            query["id_token_hint"] = id_token
        return f"{self._endpoint('logout')}?{urlencode(query)}"

    async def exchange(self, code: str, start: LoginStart) -> Tokens:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": start.verifier,
        }
        return await self._token(form)

    async def refresh(self, tokens: Tokens) -> Tokens:
        if not tokens.refresh_token:
            raise LoginError("no refresh token")
        return await self._token(
            {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
        )

    async def _token(self, form: dict[str, str]) -> Tokens:
        form = form | {"client_id": self.client_id}
        if self.client_secret:
            form["client_secret"] = self.client_secret
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                answer = await client.post(self._endpoint("token"), data=form)
        except httpx.HTTPError as error:
            raise LoginError(f"the provider did not answer: {error}") from error
        if answer.status_code != 200:
            raise LoginError(f"the provider refused: {answer.status_code} {answer.text[:200]}")
        body: dict[str, Any] = answer.json()
        return Tokens(
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token"),
            id_token=body.get("id_token"),
            expires_at=time.time() + float(body.get("expires_in", 60)),
        )
