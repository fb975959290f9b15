"""Checking an access token (a signed JWT) and reading who it speaks for.

Only JWS compact tokens signed with RS256 or ES256 by a key of the issuer's key set pass; ``alg:
none``, HMAC (``HS*``, the classic "public key as secret" forgery) and encrypted tokens are refused
before any key is looked up. ``exp``, ``nbf``, ``iss`` and ``aud`` are checked with a small leeway.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from joserfc import jwt
from joserfc.errors import JoseError

from rebub_shared.permissions import Permission, permissions_of
from rebub_shared.tenancy import TenantCode, UnknownTenantError, check_tenant

from .jwks import JwksCache, KeysUnavailableError

ALGORITHMS: Final = ("RS256", "ES256")


class InvalidTokenError(Exception):
    """The token is missing, malformed, not signed by the issuer, expired or not for us (401)."""


@dataclass(frozen=True)
class Principal:
    """Who calls: the operator (the token's subject), the institution it acts for, its roles."""

    operator: str
    institution: TenantCode
    roles: frozenset[str]
    permissions: frozenset[Permission]

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


def _header(token: str) -> dict[str, Any]:
    parts = token.split(".")
    if len(parts) != 3 or not all(parts[:2]):
        raise InvalidTokenError("not a signed JWT (three base64url parts)")
    try:
        padded = parts[0] + "=" * (-len(parts[0]) % 4)
        header = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidTokenError("unreadable token header") from error
    if not isinstance(header, dict):
        raise InvalidTokenError("unreadable token header")
    return header


class TokenVerifier:
    """Checks tokens of one issuer and audience against the issuer's key set."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        keys: JwksCache,
        *,
        leeway_s: int = 30,
        operator_claim: str = "sub",
        now: Callable[[], float] = time.time,
    ) -> None:
        self.issuer, self.audience, self.keys = issuer, audience, keys
        self._operator_claim = operator_claim
        self._claims = jwt.JWTClaimsRegistry(
            now=lambda: int(now()),
            leeway=leeway_s,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
        )

    async def verify(self, token: str) -> Principal:
        """The principal of a valid token, or ``InvalidTokenError`` saying what is wrong."""
        header = _header(token)
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise InvalidTokenError(f"alg {alg!r} is not accepted (only {', '.join(ALGORITHMS)})")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidTokenError("the token names no signing key (kid)")
        try:
            key = await self.keys.key(kid)
        except KeysUnavailableError as error:
            raise InvalidTokenError(f"the issuer's keys are unavailable: {error}") from error
        if key is None:
            raise InvalidTokenError(f"unknown signing key kid={kid!r}")
        try:
            claims = jwt.decode(token, key, algorithms=[alg]).claims
            self._claims.validate(claims)
        except JoseError as error:
            raise InvalidTokenError(error.description or error.error) from error
        return self._principal(claims)

    def _principal(self, claims: dict[str, Any]) -> Principal:
        operator = claims.get(self._operator_claim)
        if not isinstance(operator, str) or not operator.strip():
            raise InvalidTokenError(f"the token has no {self._operator_claim!r} (the operator)")
        try:
            institution = check_tenant(str(claims.get("institution")), "institution")
        except UnknownTenantError as error:
            raise InvalidTokenError(str(error)) from error
        raw_roles = claims.get("roles", [])
        if not isinstance(raw_roles, list) or not all(isinstance(r, str) for r in raw_roles):
            raise InvalidTokenError("roles: expected a list of role names")
        roles = frozenset(raw_roles)
        return Principal(operator, institution, roles, permissions_of(roles, institution))
