"""The acceptance walk: every endpoint of the generated role x endpoint table
(``docs/permissions.md``), called by every development user and client of the real provider,
against running services (circulation, notifier and patron-sync of ``ub``, and the network
zone's patron-sync): allowed (neither 401 nor 403; the business answer may be 404 or 422) exactly
where the table says one of the token's roles may, 403 elsewhere. Then the "Why" of issue 12:
anonymous calls are 401, another institution's token 403."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from circulation.entrypoints.http import create_app as circulation_app
from circulation.settings import CirculationSettings
from notifier.entrypoints.http import create_app as notifier_app
from notifier.settings import NotifierSettings
from patron_sync.entrypoints.http import create_app as patron_sync_app
from patron_sync.settings import PatronSyncSettings
from rebub.identity import DevTokens, claims
from rebub.infra.paths import project_root
from rebub.testing.plugin import Namespace
from rebub_shared.auth.settings import AuthSettings
from rebub_shared.clock import MovableClock

pytestmark = [pytest.mark.e2e]

USERS = ("ub-desk", "ub-manager", "ub-patrons", "ub-feed", "ub-feed-admin", "network-observer")
CLIENTS = ("rebub-demo-ub", "rebub-ops")
ROW = re.compile(r"^\| (?P<service>[^|]+) \| (?P<method>[A-Z]+) \| `(?P<path>[^`]+)` \| ")


@dataclass(frozen=True)
class Row:
    service: str
    method: str
    path: str
    needs: str
    allowed_roles: frozenset[str]

    def url(self) -> str:
        return re.sub(r"\{[^}]+\}", "W-1", self.path)


def table() -> list[Row]:
    """The endpoints table of the committed docs/permissions.md."""
    lines = (project_root() / "docs" / "permissions.md").read_text().splitlines()
    header = next(line for line in lines if line.startswith("| service | method |"))
    roles = [cell.strip() for cell in header.strip("|").split("|")][4:]
    rows = []
    for line in lines:
        if ROW.match(line):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            allowed = frozenset(r for r, c in zip(roles, cells[4:], strict=True) if c == "yes")
            rows.append(Row(cells[0], cells[1], cells[2].strip("`"), cells[3], allowed))
    return rows


@pytest.fixture
async def clients(namespace: Namespace, oidc_issuer: str) -> AsyncIterator[dict[str, Any]]:
    """The four instances running, an HTTP client on each (no token by default)."""
    common: dict[str, Any] = {
        "environment": "test",
        "kafka": namespace.kafka(),
        "mongo": namespace.mongo(),
        "auth": AuthSettings(issuer=oidc_issuer),
    }
    clock = MovableClock(datetime(2026, 10, 6, 8, 0, tzinfo=UTC))
    apps = {
        "circulation": circulation_app(
            CirculationSettings(
                tenant="ub", consume_patrons=False, consume_network_activity=False, **common
            ),
            clock,
        ),
        "notifier": notifier_app(
            NotifierSettings(tenant="ub", scheduler_enabled=False, **common), clock
        ),
        "patron-sync (institution)": patron_sync_app(
            PatronSyncSettings(tenant="ub", **common), clock
        ),
        "patron-sync (network zone)": patron_sync_app(
            PatronSyncSettings(tenant="network", **common), clock
        ),
    }
    async with AsyncExitStack() as stack:
        made = {}
        for name, app in apps.items():
            await stack.enter_async_context(app.router.lifespan_context(app))
            made[name] = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app),
                    base_url="http://walk",
                    headers={"X-Desk": "BUST-PRET"},
                )
            )
        yield made


async def call(client: httpx.AsyncClient, row: Row, headers: dict[str, str]) -> httpx.Response:
    kwargs: dict[str, Any] = {"headers": headers}
    if (row.method, row.path) == ("POST", "/imports"):  # the upload takes a form (else 415)
        kwargs["files"] = {"file": ("empty.xml", b"", "application/xml")}
    elif (row.method, row.path) == ("POST", "/patron-links/stream"):  # lines, not JSON
        kwargs["content"] = b""  # an empty stream: a summary of nothing linked
        kwargs["headers"] = headers | {"Content-Type": "application/x-ndjson"}
    elif row.method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}  # allowed calls then answer 404 or 422: nothing is written
    return await client.request(row.method, row.url(), **kwargs)


async def test_every_role_on_every_endpoint_is_allowed_or_403_as_the_table_says(
    clients: dict[str, Any], dev_tokens: DevTokens
) -> None:
    rows = table()
    assert len(rows) > 60  # the table was read
    wrong: list[str] = []
    for name in (*USERS, *CLIENTS):
        token = dev_tokens.token(name)
        roles = set(claims(token)["roles"])
        for row in rows:
            answer = await call(clients[row.service], row, {"Authorization": f"Bearer {token}"})
            expected_allowed = bool(roles & row.allowed_roles) or row.needs == "open"
            allowed = answer.status_code not in (401, 403)
            if allowed != expected_allowed or (not allowed and answer.status_code != 403):
                wrong.append(f"{name} {row.method} {row.path}: {answer.status_code}")
    assert wrong == []


async def test_anonymous_is_401_and_another_institution_403_everywhere_but_health(
    clients: dict[str, Any], dev_tokens: DevTokens
) -> None:
    bsa = {"Authorization": f"Bearer {dev_tokens.user('bsa-manager')}"}
    for row in table():
        client = clients[row.service]
        anonymous = await call(client, row, {})
        if row.needs == "open":
            assert anonymous.status_code == 200, row
            continue
        assert anonymous.status_code == 401, (row, anonymous.text)
        assert anonymous.headers["content-type"] == "application/problem+json"
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        if row.service != "patron-sync (network zone)":
            foreign = await call(client, row, bsa)
            assert foreign.status_code == 403, (row, foreign.text)
            if row.needs != "any valid token":
                assert foreign.json()["token_institution"] == "bsa"
