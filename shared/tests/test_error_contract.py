"""The error contract on a small app (no servers): the edge, the handlers, the OpenAPI side, and
docs/error-contract.md's limits table against the code."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from pymongo.errors import AutoReconnect, ServerSelectionTimeoutError

from rebub_shared import bounds
from rebub_shared.http import BodyLimit, install_error_contract
from rebub_shared.problems import clip, echoed

DOC = Path(__file__).parents[2] / "docs" / "error-contract.md"


class Body(BaseModel):
    title: bounds.Title


def _app() -> FastAPI:
    app = FastAPI()
    install_error_contract(app, {KeyError: 404}, routes={"/big": BodyLimit(1024 * 1024)})

    @app.post("/things")
    async def create(body: Body) -> dict[str, str]:
        return {"title": body.title}

    @app.post("/big")
    async def big(body: Body) -> dict[str, str]:
        return {"title": body.title}

    @app.delete("/things/{thing_id}")
    async def delete(thing_id: str) -> None:
        return None

    @app.get("/things/{name}")
    async def read(name: str) -> dict[str, str]:
        return {"name": name}

    @app.get("/fail/{kind}")
    async def fail(kind: str) -> None:
        errors: dict[str, Exception] = {
            "bug": RuntimeError("internal path /srv/x"),
            "store": ServerSelectionTimeoutError("no server"),
            "reconnect": AutoReconnect("gone"),
            "domain": KeyError("missing"),
        }
        raise errors[kind]

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        yield client


def test_the_documented_limits_are_the_code_s() -> None:
    assert bounds.limits_table() in DOC.read_text(encoding="utf-8")


def test_echoed_values_are_clipped_and_safe() -> None:
    assert echoed(b"\x00" * 10) == "<10 bytes>"
    assert echoed("a\ud800") == "a\\ud800"
    assert len(echoed("x" * 10_000)) < 250
    assert echoed({"a": 1}) == {"a": 1}
    assert isinstance(echoed([["y" * 50] * 50]), str)
    assert clip("short") == "short"


async def test_unexpected_errors_are_500_and_unavailable_servers_503(
    client: httpx.AsyncClient,
) -> None:
    bug = await client.get("/fail/bug")
    assert (bug.status_code, bug.headers["content-type"]) == (500, "application/problem+json")
    assert "/srv" not in bug.text
    for kind in ("store", "reconnect"):
        away = await client.get(f"/fail/{kind}")
        assert away.status_code == 503
        assert away.headers["retry-after"] == "5"
    assert (await client.get("/fail/domain")).status_code == 404
    assert (await client.post("/things", json={"title": "ok"})).status_code == 200


async def test_a_route_has_its_own_body_limit(client: httpx.AsyncClient) -> None:
    body = {"title": "t" * 900}
    padded = '{"title": "' + "t" * 900 + '"' + " " * 100_000 + "}"
    headers = {"content-type": "application/json"}
    assert (await client.post("/things", content=padded, headers=headers)).status_code == 413
    assert (await client.post("/big", content=padded, headers=headers)).status_code == 200
    assert (await client.post("/big", json=body)).status_code == 200


async def test_validation_names_the_field_with_its_value_clipped(
    client: httpx.AsyncClient,
) -> None:
    for title in ("t" * 5000, "a\x00b", "line\nbreak"):
        answer = await client.post("/things", json={"title": title})
        assert answer.status_code == 422
        [error] = answer.json()["errors"]
        assert error["field"] == "title"
        assert len(error["value"]) < 250


async def test_405_allows_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    wrong = await client.put("/things/7")
    assert wrong.status_code == 405
    assert wrong.headers["content-type"] == "application/problem+json"
    assert set(wrong.headers["allow"].split(", ")) >= {"GET", "DELETE"}


def test_every_operation_documents_the_problems() -> None:
    document = _app().openapi()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for operations in document["paths"].values():
        for operation in operations.values():
            for status in ("400", "404", "405", "413", "415", "422", "500", "503"):
                content = operation["responses"][status]["content"]
                assert list(content) == ["application/problem+json"]
