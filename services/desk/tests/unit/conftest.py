"""The desk's app without servers, for the screen tests: a ``client`` (FastAPI's test client on
the ub desk, sessions in memory) and ``desk``, to log in as any roles and answer for the APIs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from desk.adapters.apis import Apis
from desk.adapters.oidc import Tokens
from desk.adapters.sessions import MemorySessions, Session
from desk.entrypoints.http import create_app
from desk.entrypoints.web import COOKIE, DeskState
from desk.settings import DeskSettings
from rebub_shared.auth.settings import AuthSettings
from rebub_shared.auth.tokens import Principal
from rebub_shared.clock import SystemClock
from rebub_shared.permissions import permissions_of

ISSUER = "http://idp.test/realms/rebub"


def desk_client(tenant: str = "ub", **settings: object) -> Iterator[TestClient]:
    """The desk of ``tenant`` (``settings``: more of :class:`DeskSettings`), started."""
    chosen = DeskSettings(
        tenant=tenant,
        environment="test",
        auth=AuthSettings(issuer=ISSUER),
        public_url="http://desk.test",
        client_secret="s3cret",
        **settings,  # type: ignore[arg-type]
    )
    sessions = MemorySessions(chosen.session_idle_s, SystemClock())
    with TestClient(create_app(chosen, sessions), base_url="http://desk.test") as test_client:
        yield test_client


@pytest.fixture
def client() -> Iterator[TestClient]:
    yield from desk_client()


class Desk:
    """What a screen test does to the desk behind ``client``."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    @property
    def state(self) -> DeskState:
        found: DeskState = self.client.app.state.desk  # type: ignore[attr-defined]
        return found

    def log_in(self, roles: tuple[str, ...] = ("desk-operator",), institution: str = "ub") -> str:
        """A session as the login would leave it (tokens kept here, at the desk BUST-PRET);
        its CSRF token."""
        sessions = self.state.sessions
        session = asyncio.run(sessions.new())
        session.tokens = Tokens("access", "refresh", "id", time.time() + 600)
        permissions = permissions_of(roles, institution)
        session.principal = Principal("ub-desk", institution, frozenset(roles), permissions)
        session.desk = "BUST-PRET"
        asyncio.run(sessions.save(session))
        self.client.cookies.set(COOKIE, session.sid)
        return session.csrf

    def kept(self) -> Session:
        """The session of the client's cookie, as the desk keeps it."""
        found = asyncio.run(self.state.sessions.get(self.client.cookies[COOKIE]))
        assert found is not None
        return found

    def answering(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        """The APIs (circulation, patron-sync, notifier: ``request.url.host``) answer ``handler``."""
        mock = httpx.MockTransport(handler)
        self.state.apis = Apis(
            httpx.AsyncClient(transport=mock, base_url="http://circulation"),
            httpx.AsyncClient(transport=mock, base_url="http://patron-sync"),
            httpx.AsyncClient(transport=mock, base_url="http://notifier"),
        )


@pytest.fixture
def desk(client: TestClient) -> Desk:
    return Desk(client)
