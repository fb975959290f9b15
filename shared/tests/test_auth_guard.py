"""The guard on a FastAPI app: 401 with a Bearer challenge, 403 naming the institutions or the
permission, the documents and metrics closed by default, health and readiness open."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI

from rebub.testing.issuer import TestIssuer
from rebub_shared.auth.guard import install_auth, requires
from rebub_shared.auth.settings import AuthNotConfiguredError, AuthSettings
from rebub_shared.auth.tokens import Principal
from rebub_shared.clock import MovableClock
from rebub_shared.http import install_problem_handlers, ops_router
from rebub_shared.permissions import Permission as P

MakeClient = Callable[..., httpx.AsyncClient]


def app_for(issuer: TestIssuer, tenant: str, **auth: Any) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app, {})

    async def ready() -> dict[str, bool]:
        return {"store": True}

    app.include_router(ops_router(ready=ready, clock=MovableClock(), dev_clock=True))

    @app.post("/loans")
    async def check_out(who: Annotated[Principal, requires(P.LOANS_CHECKOUT)]) -> dict[str, str]:
        return {"operator": who.operator}

    @app.get("/letters", dependencies=[requires(P.LETTERS_READ)])
    async def letters() -> list[str]:
        return []

    @app.post("/imports", dependencies=[requires(P.IMPORTS_RUN)])
    async def imports() -> dict[str, str]:
        return {}

    settings = AuthSettings(issuer=issuer.issuer, **auth)
    install_auth(app, settings, tenant, transport=issuer.transport())  # type: ignore[arg-type]
    return app


@pytest.fixture
def issuer() -> TestIssuer:
    return TestIssuer()


@pytest.fixture
async def client(issuer: TestIssuer) -> AsyncIterator[MakeClient]:
    clients: list[httpx.AsyncClient] = []

    def make(tenant: str = "ub", **auth: Any) -> httpx.AsyncClient:
        app = app_for(issuer, tenant, **auth)
        made = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        clients.append(made)
        return made

    yield make
    for made in clients:
        await made.aclose()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_no_token_is_401_with_a_bearer_challenge(client: MakeClient) -> None:
    answer = await client().post("/loans")
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["www-authenticate"] == 'Bearer realm="rebub"'


async def test_a_bad_token_is_401_invalid_token(client: MakeClient, issuer: TestIssuer) -> None:
    answer = await client().post("/loans", headers=bearer(issuer.token(aud="other")))
    assert answer.status_code == 401
    assert 'error="invalid_token"' in answer.headers["www-authenticate"]
    assert answer.json()["detail"].startswith("invalid token")
    basic = await client().post("/loans", headers={"Authorization": "Basic dTpw"})
    assert basic.status_code == 401


async def test_the_token_subject_is_the_operator(client: MakeClient, issuer: TestIssuer) -> None:
    answer = await client().post("/loans", headers=bearer(issuer.token("ub-desk")))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"operator": "ub-desk"}


async def test_another_institution_is_403_naming_both(
    client: MakeClient, issuer: TestIssuer
) -> None:
    answer = await client("ub").post("/loans", headers=bearer(issuer.token("bsa-desk", "bsa")))
    assert answer.status_code == 403
    problem = answer.json()
    assert (problem["token_institution"], problem["instance_tenant"]) == ("bsa", "ub")
    assert "'bsa'" in problem["detail"]
    assert "'ub'" in problem["detail"]


async def test_a_missing_permission_is_403_naming_it(
    client: MakeClient, issuer: TestIssuer
) -> None:
    answer = await client().post("/imports", headers=bearer(issuer.token("ub-desk")))
    assert answer.status_code == 403
    assert answer.json()["permission"] == "imports:run"


async def test_network_tokens_observe_any_instance_and_nothing_more(
    client: MakeClient, issuer: TestIssuer
) -> None:
    token = issuer.token("network-observer", "network", ["network-observer"])
    assert (await client("bsa").get("/letters", headers=bearer(token))).status_code == 200
    refused = await client("bsa").post("/loans", headers=bearer(token))
    assert refused.status_code == 403
    assert refused.json()["permission"] == "loans:checkout"


async def test_on_the_network_zone_an_institution_keeps_only_its_imports(
    client: MakeClient, issuer: TestIssuer
) -> None:
    feed = issuer.token("ub-feed", "ub", ["feed-loader", "desk-operator"])
    network = client("network")
    assert (await network.post("/imports", headers=bearer(feed))).status_code == 200
    assert (await network.post("/loans", headers=bearer(feed))).status_code == 403


async def test_health_and_ready_stay_open_metrics_and_documents_are_closed(
    client: MakeClient, issuer: TestIssuer
) -> None:
    closed = client()
    for path in ("/health", "/ready"):
        assert (await closed.get(path)).status_code == 200
    for path in ("/metrics", "/openapi.json", "/docs", "/redoc", "/_dev/clock"):
        assert (await closed.get(path)).status_code == 401, path
    observer = bearer(issuer.token("network-observer", "network", ["network-observer"]))
    assert (await closed.get("/metrics", headers=observer)).status_code == 200
    desk = bearer(issuer.token("ub-desk"))
    assert (await closed.get("/metrics", headers=desk)).status_code == 403
    document = await closed.get("/openapi.json", headers=desk)
    assert document.status_code == 200
    schemes = document.json()["components"]["securitySchemes"]
    assert schemes["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": schemes["bearer"]["description"],
    }
    assert (await closed.get("/docs", headers=desk)).status_code == 200
    opened = client(open_docs=True)
    assert (await opened.get("/openapi.json")).status_code == 200
    assert (await opened.get("/docs")).status_code == 200


async def test_metrics_may_be_opened(issuer: TestIssuer) -> None:
    app = FastAPI()

    async def ready() -> dict[str, bool]:
        return {}

    app.include_router(
        ops_router(ready=ready, clock=MovableClock(), dev_clock=False, open_metrics=True)
    )
    install_auth(app, AuthSettings(issuer=issuer.issuer), "ub", transport=issuer.transport())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/metrics")).status_code == 200


def test_no_issuer_no_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REBUB_OIDC_ISSUER", raising=False)
    with pytest.raises(AuthNotConfiguredError, match="REBUB_OIDC_ISSUER"):
        install_auth(FastAPI(), AuthSettings(), "ub")
    monkeypatch.setenv("REBUB_OIDC_ISSUER", "http://127.0.0.1:8180/realms/rebub")
    assert AuthSettings().keys_url() == (
        "http://127.0.0.1:8180/realms/rebub/protocol/openid-connect/certs"
    )
