"""Access tokens from an OIDC provider, for tools and tests: a user's (password grant through the
public client ``rebub-cli``) or a machine client's (client credentials grant).

``dev_user_token`` and ``dev_client_token`` log in with the development credentials of the local
realm (``rebub.infra.keycloak_realm``); the issuer defaults to ``REBUB_OIDC_ISSUER`` or the local
provider of ``rebub infra up``.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import httpx

from rebub.infra.keycloak import default_issuer
from rebub.infra.keycloak_realm import CLI_CLIENT, dev_password, dev_secret, machine_clients

MACHINE_CLIENTS: Final = frozenset(c.name for c in machine_clients())


class TokenError(RuntimeError):
    """The provider refused to issue a token; the message carries its reason."""


def token_endpoint(issuer: str) -> str:
    """Keycloak's token endpoint under ``issuer`` (the discovery document names the same)."""
    return f"{issuer.rstrip('/')}/protocol/openid-connect/token"


def _request_token(issuer: str, form: dict[str, str], who: str) -> str:
    try:
        answer = httpx.post(token_endpoint(issuer), data=form, timeout=30.0)
    except httpx.HTTPError as error:
        raise TokenError(f"no token for {who}: {issuer} did not answer ({error})") from error
    if answer.status_code != 200:
        try:
            body = answer.json()
            reason = body.get("error_description") or body.get("error") or answer.text
        except ValueError:
            reason = answer.text[:200]
        raise TokenError(f"no token for {who} from {issuer}: {answer.status_code} {reason}")
    token: str = answer.json()["access_token"]
    return token


def password_token(issuer: str, username: str, password: str, client_id: str = CLI_CLIENT) -> str:
    """An access token for ``username`` (resource owner password grant of a public client)."""
    form = {
        "grant_type": "password",
        "client_id": client_id,
        "username": username,
        "password": password,
    }
    return _request_token(issuer, form, username)


def client_token(issuer: str, client_id: str, secret: str) -> str:
    """An access token for the machine client ``client_id`` (client credentials grant)."""
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return _request_token(issuer, form, client_id)


def dev_user_token(username: str, issuer: str | None = None) -> str:
    """An access token for a local user, with its development password."""
    return password_token(issuer or default_issuer(), username, dev_password(username))


def dev_client_token(client_id: str, issuer: str | None = None) -> str:
    """An access token for a local machine client, with its development secret."""
    return client_token(issuer or default_issuer(), client_id, dev_secret(client_id))


def claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, NOT verified: for reading one's own token (expiry, display)."""
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


@dataclass
class DevTokens:
    """Development tokens of one issuer, cached per user or client until a minute before expiry.

    ``user("ub-desk")``, ``client("rebub-demo-ub")``, and ``headers(name)``: the ``Authorization``
    header for a user, or for a machine client when ``name`` is one.
    """

    issuer: str = field(default_factory=default_issuer)
    _cache: dict[str, tuple[str, float]] = field(default_factory=dict, repr=False)

    def user(self, username: str) -> str:
        return self._cached(username, lambda: dev_user_token(username, self.issuer))

    def client(self, client_id: str) -> str:
        return self._cached(client_id, lambda: dev_client_token(client_id, self.issuer))

    def token(self, name: str) -> str:
        """A machine client's token if ``name`` is one of the realm's clients, else a user's."""
        return self.client(name) if name in MACHINE_CLIENTS else self.user(name)

    def headers(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(name)}"}

    def _cached(self, name: str, fetch: Callable[[], str]) -> str:
        cached = self._cache.get(name)
        if cached and cached[1] - 60 > time.time():
            return cached[0]
        token = fetch()
        self._cache[name] = (token, float(claims(token)["exp"]))
        return token
