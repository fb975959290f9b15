"""Token checking: every forgery and every stale or foreign token is refused (401), the key set is
refetched once for an unknown kid, and the principal reads the identity contract's claims."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from joserfc.jwk import KeySet

from rebub.testing.issuer import TestIssuer
from rebub_shared.auth.jwks import JwksCache
from rebub_shared.auth.tokens import InvalidTokenError, TokenVerifier
from rebub_shared.permissions import Permission


class Ticking:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def issuer() -> TestIssuer:
    return TestIssuer()


@pytest.fixture
def ticking() -> Ticking:
    return Ticking()


@pytest.fixture
def verifier(issuer: TestIssuer, ticking: Ticking) -> TokenVerifier:
    keys = JwksCache(issuer.jwks_url, transport=issuer.transport(), monotonic=ticking)
    return TokenVerifier(issuer.issuer, "rebub", keys, leeway_s=30)


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def refused(verifier: TokenVerifier, token: str, reason: str) -> None:
    with pytest.raises(InvalidTokenError, match=reason):
        await verifier.verify(token)


async def test_a_valid_token_gives_the_operator_institution_and_permissions(
    issuer: TestIssuer, verifier: TokenVerifier
) -> None:
    token = issuer.token("ub-manager", "ub", ["desk-operator", "circulation-manager"])
    principal = await verifier.verify(token)
    assert (principal.operator, principal.institution) == ("ub-manager", "ub")
    assert principal.can(Permission.BLOCKS_OVERRIDE)
    assert principal.can(Permission.LOANS_CHECKOUT)
    assert not principal.can(Permission.IMPORTS_FORCE)


async def test_a_network_token_keeps_only_the_observer_permissions(
    issuer: TestIssuer, verifier: TokenVerifier
) -> None:
    token = issuer.token("network-observer", "network", ["network-observer", "circulation-manager"])
    principal = await verifier.verify(token)
    assert principal.permissions == {Permission.NETWORK_OBSERVE, Permission.LETTERS_READ}


async def test_expired_and_not_yet_valid_tokens_are_refused(
    issuer: TestIssuer, verifier: TokenVerifier
) -> None:
    now = int(time.time())
    await refused(verifier, issuer.token(exp=now - 31), "expired")
    await refused(verifier, issuer.token(nbf=now + 120), "not yet valid")
    # Within the leeway (clock skew between the provider and the service) it passes.
    assert await verifier.verify(issuer.token(exp=now - 5))


async def test_wrong_issuer_audience_or_missing_claims_are_refused(
    issuer: TestIssuer, verifier: TokenVerifier
) -> None:
    await refused(verifier, issuer.token(iss="http://127.0.0.1:8180/realms/other"), "iss")
    await refused(verifier, issuer.token(aud=["account"]), "aud")
    await refused(verifier, issuer.token(institution="sorbonne"), "institution")
    await refused(verifier, issuer.token(sub=""), "sub")


async def test_alg_none_and_hmac_with_the_public_key_are_refused(
    issuer: TestIssuer, verifier: TokenVerifier
) -> None:
    claims = issuer.claims("ub-manager", "ub", ["circulation-manager"])
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': issuer.kid})}.{b64(claims)}."
    await refused(verifier, unsigned, "alg 'none'")
    # The classic confusion: HMAC keyed with the (public) RSA key a verifier might load as bytes.
    signing_input = f"{b64({'alg': 'HS256', 'kid': issuer.kid})}.{b64(claims)}"
    secret = issuer.key.as_pem(private=False)
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    await refused(verifier, forged, "alg 'HS256'")


async def test_a_tampered_payload_fails_the_signature(
    issuer: TestIssuer, verifier: TokenVerifier
) -> None:
    head, _, signature = issuer.token("ub-desk", "ub", ["desk-operator"]).split(".")
    raised = b64(issuer.claims("ub-desk", "ub", ["circulation-manager"]))
    await refused(verifier, f"{head}.{raised}.{signature}", "signature")


async def test_a_token_of_another_realm_or_key_is_refused(verifier: TokenVerifier) -> None:
    other_realm = TestIssuer("http://127.0.0.1:8180/realms/other")
    await refused(verifier, other_realm.token(), "unknown signing key")
    # Same issuer name, another key with a known kid: the signature does not match.
    impostor = TestIssuer(verifier.issuer)
    await refused(verifier, impostor.token(header={"kid": verifier_kid(verifier)}), "signature")


def verifier_kid(verifier: TokenVerifier) -> str:
    return next(iter(verifier.keys._keys))


async def test_an_unknown_kid_refetches_the_keys_once_per_interval(
    issuer: TestIssuer, verifier: TokenVerifier, ticking: Ticking
) -> None:
    assert await verifier.verify(issuer.token())
    assert issuer.jwks_requests == 1
    stranger = TestIssuer(issuer.issuer).token()
    await refused(verifier, stranger, "unknown signing key")
    assert issuer.jwks_requests == 1  # fetched less than 5 s ago: no refetch
    ticking.now += 6
    await refused(verifier, stranger, "unknown signing key")
    await refused(verifier, stranger, "unknown signing key")
    assert issuer.jwks_requests == 2  # one refetch, then rate-limited again
    assert await verifier.verify(issuer.token())  # known kid: from the cache
    assert issuer.jwks_requests == 2


async def test_a_rotated_key_is_picked_up_by_the_refetch(
    issuer: TestIssuer, verifier: TokenVerifier, ticking: Ticking
) -> None:
    assert await verifier.verify(issuer.token())
    rotated = TestIssuer(issuer.issuer)
    issuer.key = rotated.key  # the provider rotates its signing key
    ticking.now += 6
    assert (await verifier.verify(rotated.token("ub-desk"))).operator == "ub-desk"


async def test_garbage_and_encrypted_tokens_are_refused(verifier: TokenVerifier) -> None:
    await refused(verifier, "not-a-token", "three base64url parts")
    await refused(verifier, "a.b.c.d.e", "three base64url parts")
    await refused(verifier, "%%%.e30.", "header")


async def test_keys_unreachable_means_no_token_passes(issuer: TestIssuer) -> None:
    import httpx

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    keys = JwksCache(issuer.jwks_url, transport=httpx.MockTransport(down))
    verifier = TokenVerifier(issuer.issuer, "rebub", keys)
    await refused(verifier, issuer.token(), "keys are unavailable")


def test_signing_needs_no_server() -> None:
    # The issuer's JWKS holds only its public key.
    jwks = TestIssuer().jwks()
    assert "d" not in jwks["keys"][0]
    assert KeySet.import_key_set(jwks)  # type: ignore[arg-type]
