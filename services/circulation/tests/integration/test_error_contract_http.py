"""The probes of issue 13 on circulation: every bad request is a small problem, nothing is written,
and the connection stays usable after an unexpected error or with the store away."""

from __future__ import annotations

from typing import Any

import pytest
from pymongo import AsyncMongoClient

from rebub.testing.problems import assert_problem, probe_framework_errors

from .conftest import StartApp

ITEM = ("INP0001", "ENSEIRB", "ENSEIRB-LA", None)
CHECKOUT = {"patron": "P-42", "item_barcode": "INP0001"}


async def _nothing_written(desk: Any) -> None:
    assert await desk.db["loans"].count_documents({}) == 0
    assert await desk.db["items"].count_documents({}) <= 1


async def test_framework_errors_are_problems(start_app: StartApp) -> None:
    async with start_app() as desk:
        await desk.add_patron("P-42")
        await desk.add_items(ITEM)
        await probe_framework_errors(desk.client, "/loans", CHECKOUT, "patron")
        await _nothing_written(desk)


async def test_a_megabyte_title_is_refused_with_its_value_clipped(start_app: StartApp) -> None:
    title = "T" * 1_000_000
    item = {"barcode": "INP0002", "title": title, "library": "ENSEIRB", "location": "ENSEIRB-LA"}
    async with start_app() as desk:
        refused = assert_problem(await desk.client.post("/items", json={"items": [item]}), 422)
        [error] = refused["errors"]
        assert error["field"] == "items.0.title"
        assert error["value"].startswith("TTTT")
        assert len(error["value"]) < 300
        assert await desk.db["items"].count_documents({}) == 0


@pytest.mark.parametrize(
    ("path", "body", "headers", "field"),
    [
        ("/loans", {"patron": "$ne", "item_barcode": "INP0001"}, {}, "patron"),
        # The desk's headers are bounded; the operator is the token's subject, never the body's.
        ("/loans", CHECKOUT, {"X-Desk": "D" * 8192}, "x-desk"),
        ("/loans", CHECKOUT | {"operator": "o" * 8192}, {}, "operator"),
        ("/loans", CHECKOUT | {"override": {"reason": "r" * 1000}}, {}, "override.reason"),
        (
            "/returns",
            {"item_barcode": "INP0001", "returned_at": "1900-01-01T00:00:00Z"},
            {},
            "returned_at",
        ),
    ],
)
async def test_bounded_fields_are_refused(
    start_app: StartApp, path: str, body: dict[str, Any], headers: dict[str, str], field: str
) -> None:
    async with start_app() as desk:
        await desk.add_patron("P-42")
        await desk.add_items(ITEM)
        refused = assert_problem(await desk.client.post(path, json=body, headers=headers), 422)
        assert [e["field"] for e in refused["errors"]] == [field]
        await _nothing_written(desk)


async def test_a_note_with_nul_bytes_is_refused(start_app: StartApp) -> None:
    async with start_app() as desk:
        await desk.add_patron("P-42")
        await desk.add_items(ITEM)
        loan = await desk.lend("P-42", "INP0001")
        note = "a\x00b" * 300_000
        answer = await desk.client.post(f"/loans/{loan['loan_id']}/notes", json={"note": note})
        assert answer.status_code == 413  # 1 MB: over the body limit before any parsing
        refused = assert_problem(
            await desk.client.post(f"/loans/{loan['loan_id']}/notes", json={"note": "a\x00b"}),
            422,
        )
        assert [e["field"] for e in refused["errors"]] == ["note"]
        stored = await desk.db["loans"].find_one({"_id": loan["loan_id"]})
        assert stored is not None
        assert not stored.get("notes")


async def test_an_unexpected_error_is_a_500_problem_and_the_next_request_works(
    start_app: StartApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with start_app() as desk:
        await desk.add_patron("P-42")
        await desk.add_items(ITEM)
        handle = desk.bus.handle

        async def broken(command: Any) -> Any:
            raise RuntimeError("secret internals: /srv/rebub/db.sqlite")

        monkeypatch.setattr(desk.bus, "handle", broken)
        failed = assert_problem(await desk.client.post("/loans", json=CHECKOUT), 500)
        assert "secret" not in failed["detail"]
        monkeypatch.setattr(desk.bus, "handle", handle)
        assert (await desk.client.post("/loans", json=CHECKOUT)).status_code == 201


async def test_the_store_away_answers_503_with_retry_after(start_app: StartApp) -> None:
    async with start_app() as desk:
        await desk.add_patron("P-42")
        await desk.add_items(ITEM)
        runtime = desk.app.state.runtime
        dead: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            "mongodb://127.0.0.1:9", serverSelectionTimeoutMS=500, connectTimeoutMS=500
        )
        kept, runtime.db = runtime.db, dead["away"]
        try:
            answer = await desk.client.post("/loans", json=CHECKOUT)
            assert_problem(answer, 503)
            assert answer.headers["retry-after"].isdigit()
        finally:
            runtime.db = kept
            await dead.close()
        assert (await desk.client.post("/loans", json=CHECKOUT)).status_code == 201
