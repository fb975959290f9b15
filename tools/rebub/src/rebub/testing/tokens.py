"""Access tokens for tests: the identity contract's users and clients, and the bearer helpers
every HTTP test uses (one place: a test sends ``bearer(dev_tokens.user("ub-manager"))``).

Until the local provider is wired into the run (``oidc_issuer`` from ``rebub.testing.backends``),
``oidc_issuer`` serves a test key set on a local port and ``dev_tokens`` signs contract-shaped
tokens with it.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Final

import httpx
import pytest

from rebub.testing.issuer import TestIssuer
from rebub_shared.tenancy import INSTITUTION_CODES

ALL_STAFF_ROLES: Final = [
    "desk-operator",
    "circulation-manager",
    "patron-manager",
    "feed-loader",
    "feed-force",
]
#: The contract's per-institution users: suffix -> realm roles.
USER_ROLES: Final[dict[str, list[str]]] = {
    "desk": ["desk-operator"],
    "manager": ["desk-operator", "circulation-manager", "patron-manager"],
    "patrons": ["desk-operator", "patron-manager"],
    "feed": ["feed-loader"],
    "feed-admin": ["feed-loader", "feed-force"],
}


def contract_identity(name: str) -> tuple[str, str, list[str]]:
    """(subject, institution, roles) of a contract user or machine client."""
    if name in ("network-observer", "rebub-ops"):
        subject = name if name == "network-observer" else f"service-account-{name}"
        return subject, "network", ["network-observer"]
    if name.startswith("rebub-demo-"):
        return f"service-account-{name}", name.removeprefix("rebub-demo-"), ALL_STAFF_ROLES
    institution, _, kind = name.partition("-")
    if institution not in INSTITUTION_CODES or kind not in USER_ROLES:
        raise KeyError(f"{name!r} is not a user of the identity contract")
    return name, institution, USER_ROLES[kind]


class DevTokens:
    """Tokens of the contract's development users and clients (cached per name)."""

    def __init__(self, issuer: TestIssuer) -> None:
        self._issuer = issuer
        self._cache: dict[str, str] = {}

    def user(self, username: str) -> str:
        if username not in self._cache:
            subject, institution, roles = contract_identity(username)
            self._cache[username] = self._issuer.token(subject, institution, roles, exp_in=3600)
        return self._cache[username]

    client = user


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


@pytest.fixture(scope="session")
def test_issuer() -> Iterator[TestIssuer]:
    with TestIssuer().serving() as issuer:
        yield issuer


@pytest.fixture(scope="session")
def oidc_issuer(test_issuer: TestIssuer) -> str:
    """The issuer whose tokens the services under test accept."""
    return test_issuer.issuer


@pytest.fixture(scope="session")
def dev_tokens(test_issuer: TestIssuer) -> DevTokens:
    """Tokens of the contract's users (``dev_tokens.user("ub-desk")``) and clients."""
    return DevTokens(test_issuer)
