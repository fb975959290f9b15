"""A test token issuer: an RSA key, its key set (JWKS) served on a local port or through an httpx
mock transport, and tokens shaped like the local Keycloak's (identity contract).

For unit tests of token checking and for the forgeries the real provider would never sign
(``alg: none``, HMAC with the public key, another realm). Integration tests use the real provider.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from joserfc import jwt
from joserfc.jwk import RSAKey

REALM_PATH = "/realms/rebub"
CERTS_PATH = "/protocol/openid-connect/certs"


class TestIssuer:
    """Signs contract-shaped access tokens; ``issuer`` is where its JWKS is served."""

    __test__ = False  # not a pytest test class

    def __init__(self, issuer: str = "http://issuer.test/realms/rebub", kid: str = "") -> None:
        self.issuer = issuer
        self.key = RSAKey.generate_key(
            2048, parameters={"kid": kid or uuid.uuid4().hex[:12], "use": "sig"}, private=True
        )
        self.jwks_requests = 0

    @property
    def kid(self) -> str:
        return str(self.key.kid)

    def jwks(self) -> dict[str, Any]:
        """The public key set, as the issuer's certs endpoint answers."""
        return {"keys": [self.key.as_dict(private=False) | {"alg": "RS256"}]}

    def claims(
        self, subject: str, institution: str, roles: list[str], **overrides: Any
    ) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": ["rebub", "account"],
            "sub": subject,
            "preferred_username": subject,
            "institution": institution,
            "roles": roles,
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
        }
        return claims | overrides

    def token(
        self,
        subject: str = "ub-desk",
        institution: str = "ub",
        roles: list[str] | None = None,
        header: dict[str, Any] | None = None,
        exp_in: int = 300,
        **overrides: Any,
    ) -> str:
        """A token signed with this issuer's key (``header`` and claims may be overridden)."""
        overrides.setdefault("exp", int(time.time()) + exp_in)
        claims = self.claims(subject, institution, roles or ["desk-operator"], **overrides)
        head = {"alg": "RS256", "kid": self.kid, "typ": "JWT"} | (header or {})
        return jwt.encode(head, claims, self.key)

    def transport(self) -> httpx.MockTransport:
        """An httpx transport answering the JWKS (counts the requests)."""

        def answer(request: httpx.Request) -> httpx.Response:
            self.jwks_requests += 1
            return httpx.Response(200, json=self.jwks())

        return httpx.MockTransport(answer)

    @property
    def jwks_url(self) -> str:
        return self.issuer + CERTS_PATH

    @contextmanager
    def serving(self) -> Iterator[TestIssuer]:
        """Serve the JWKS on a free local port; ``issuer`` then names that port."""
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer.jwks_requests += 1
                body = json.dumps(issuer.jwks()).encode()
                self.send_response(200 if self.path.endswith(CERTS_PATH) else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        previous = self.issuer
        self.issuer = f"http://127.0.0.1:{server.server_address[1]}{REALM_PATH}"
        try:
            yield self
        finally:
            self.issuer = previous
            server.shutdown()
            server.server_close()
