"""The local OIDC provider, for real: tokens of the contract's users and machine clients, refused
credentials, and a changed realm definition applied when Keycloak starts again."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from rebub.identity import DevTokens, TokenError, claims, client_token, password_token
from rebub.infra.keycloak import LocalKeycloak
from rebub.infra.keycloak_realm import realm
from rebub.infra.paths import InfraPaths
from rebub.infra.process import read_pid
from rebub.infra.server import port_open
from rebub.mailbox import free_port

pytestmark = pytest.mark.integration

DEMO = {"desk-operator", "circulation-manager", "patron-manager", "feed-loader", "feed-force"}


def _audiences(token: dict[str, Any]) -> list[str]:
    aud = token["aud"]
    return [aud] if isinstance(aud, str) else list(aud)


def _check_common(token: str, issuer: str) -> dict[str, Any]:
    payload = claims(token)
    assert payload["iss"] == issuer
    assert "rebub" in _audiences(payload)
    assert payload["exp"] - payload["iat"] == 30 * 60
    # Signed with RS256 by a key the issuer publishes.
    header = claims(f"x.{token.split('.')[0]}.x")
    keys = httpx.get(f"{issuer}/protocol/openid-connect/certs", timeout=10).json()["keys"]
    assert header["alg"] == "RS256"
    assert header["kid"] in {k["kid"] for k in keys}
    return payload


@pytest.mark.parametrize(
    ("username", "institution", "roles"),
    [
        ("ub-desk", "ub", {"desk-operator"}),
        ("bsa-manager", "bsa", {"desk-operator", "circulation-manager", "patron-manager"}),
        ("scpo-feed-admin", "scpo", {"feed-loader", "feed-force"}),
        ("network-observer", "network", {"network-observer"}),
    ],
)
def test_a_users_token_names_the_user_the_institution_and_the_roles(
    dev_tokens: DevTokens, oidc_issuer: str, username: str, institution: str, roles: set[str]
) -> None:
    payload = _check_common(dev_tokens.user(username), oidc_issuer)

    assert payload["sub"] == username
    assert payload["preferred_username"] == username
    assert payload["institution"] == institution
    assert set(payload["roles"]) == roles
    assert len(payload["roles"]) == len(roles)  # flat, no Keycloak default roles


@pytest.mark.parametrize(
    ("client_id", "institution", "roles"),
    [
        ("rebub-demo-ub", "ub", DEMO),
        ("rebub-demo-inp", "inp", DEMO),
        ("rebub-ops", "network", {"network-observer"}),
    ],
)
def test_a_machine_clients_token_names_its_service_account(
    dev_tokens: DevTokens, oidc_issuer: str, client_id: str, institution: str, roles: set[str]
) -> None:
    payload = _check_common(dev_tokens.client(client_id), oidc_issuer)

    assert payload["sub"] == f"service-account-{client_id}"
    assert payload["azp"] == client_id
    assert payload["institution"] == institution
    assert set(payload["roles"]) == roles


def test_dev_tokens_are_cached_and_give_a_bearer_header(dev_tokens: DevTokens) -> None:
    first = dev_tokens.headers("ub-manager")

    assert first == {"Authorization": f"Bearer {dev_tokens.user('ub-manager')}"}
    assert dev_tokens.headers("rebub-ops")["Authorization"].endswith(dev_tokens.client("rebub-ops"))


def test_wrong_credentials_get_no_token(oidc_issuer: str) -> None:
    with pytest.raises(TokenError, match="401"):
        password_token(oidc_issuer, "ub-desk", "bsa-desk-dev-password")
    with pytest.raises(TokenError, match="401"):
        password_token(oidc_issuer, "nobody", "nobody-dev-password")
    with pytest.raises(TokenError, match="401"):
        client_token(oidc_issuer, "rebub-ops", "rebub-demo-ub-dev-secret")
    # A machine client has no password grant, a user no client credentials.
    with pytest.raises(TokenError):
        password_token(oidc_issuer, "ub-desk", "ub-desk-dev-password", client_id="rebub-ops")


def _with_a_visitor() -> dict[str, Any]:
    """The realm, changed: ``ub-desk`` also manages patrons, and one more user exists."""
    document = realm()
    for user in document["users"]:
        if user["username"] == "ub-desk":
            user["realmRoles"] = ["desk-operator", "patron-manager"]
    visitor = {
        "username": "ub-visitor",
        "enabled": True,
        "email": "ub-visitor@rebub.test",
        "emailVerified": True,
        "firstName": "UB",
        "lastName": "ub-visitor",
        "attributes": {"institution": ["ub"]},
        "realmRoles": ["network-observer"],
        "credentials": [{"type": "password", "value": "visitor-pass", "temporary": False}],
    }
    document["users"].append(visitor)
    return document


def _kids(issuer: str) -> set[str]:
    keys = httpx.get(f"{issuer}/protocol/openid-connect/certs", timeout=10).json()["keys"]
    return {k["kid"] for k in keys}


def _private(
    paths: InfraPaths, port: int, definition: Callable[[], dict[str, Any]] = realm
) -> LocalKeycloak:
    return LocalKeycloak(paths, port, definition=definition)


@pytest.mark.e2e
@pytest.mark.timeout(900)  # three starts of a JVM server, two of them importing the realm
def test_a_changed_realm_definition_applies_at_the_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its own state folder and port (the run's provider is left alone); the distribution is the
    # one cached for every state folder.
    monkeypatch.delenv("REBUB_OIDC_ISSUER", raising=False)
    paths = dataclasses.replace(InfraPaths.default(), home=tmp_path)
    port = free_port()
    try:
        _restart_cycle(paths, port)
    finally:
        _private(paths, port).stop()
        shutil.rmtree(tmp_path, ignore_errors=True)


def _restart_cycle(paths: InfraPaths, port: int) -> None:
    first = _private(paths, port)
    first.start()
    issuer = first.issuer
    assert claims(password_token(issuer, "ub-desk", "ub-desk-dev-password"))["roles"] == [
        "desk-operator"
    ]
    with pytest.raises(TokenError):
        password_token(issuer, "ub-visitor", "visitor-pass")
    kids = _kids(issuer)

    # Same definition: the database and its signing keys are kept.
    assert first.stop()
    first.start()
    assert _kids(issuer) == kids

    # Changed definition: imported afresh.
    assert first.stop()
    changed = _private(paths, port, _with_a_visitor)
    changed.start()
    payload = claims(password_token(issuer, "ub-desk", "ub-desk-dev-password"))
    assert sorted(payload["roles"]) == ["desk-operator", "patron-manager"]
    assert claims(password_token(issuer, "ub-visitor", "visitor-pass"))["institution"] == "ub"

    assert changed.stop()
    assert read_pid(changed.pid_file) is None
    assert not port_open(changed.host, port)
