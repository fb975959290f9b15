"""Bad input answers a problem naming the field, and writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from .conftest import StartApp

ITEM = ("INP0001", "ENSEIRB", "ENSEIRB-LA", None)


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "field"),
    [
        ("/loans", {"patron": "P-42", "item_barcode": "INP9999"}, {}, 404, "item_barcode"),
        ("/loans", {"patron": "P-404", "item_barcode": "INP0001"}, {}, 404, "patron"),
        ("/loans", {"patron": "P-42", "item_barcode": "INP 0001!"}, {}, 422, "item_barcode"),
        (
            "/loans",
            {"patron": "P-42", "item_barcode": "INP0001"},
            {"X-Desk": "NOPE"},
            422,
            "X-Desk",
        ),
        (
            "/returns",
            {"item_barcode": "INP0001", "returned_at": "06/11/2026"},
            {},
            422,
            "returned_at",
        ),
        (
            "/returns",
            {"item_barcode": "INP0001", "returned_at": "2026-11-06T10:00"},
            {},
            422,
            "returned_at",
        ),
        # The operator is the token's subject: a body may not name another one.
        ("/returns", {"item_barcode": "INP0001", "operator": "Chief"}, {}, 422, "operator"),
        (
            "/loans",
            {
                "patron": "P-42",
                "item_barcode": "INP0001",
                "override": {"reason": "r", "operator": "Chief"},
            },
            {},
            422,
            "override.operator",
        ),
    ],
)
async def test_bad_input_names_the_field_and_writes_nothing(
    start_app: StartApp,
    path: str,
    body: dict[str, Any],
    headers: dict[str, str],
    status: int,
    field: str,
) -> None:
    async with start_app(at=datetime(2026, 10, 1, 8, 0, tzinfo=UTC)) as desk:
        await desk.add_patron("P-42")
        await desk.add_items(ITEM)
        answer = await desk.client.post(path, json=body, headers=headers)
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in answer.json()["errors"]] == [field]
        assert await desk.db["loans"].count_documents({}) == 0
        patron = await desk.db["patrons"].find_one({"_id": "P-42"})
        assert patron is not None
        assert "suspended_until" not in patron


async def test_a_desk_given_in_the_body_is_named_as_the_body_field(start_app: StartApp) -> None:
    async with start_app(headers={}) as desk:
        answer = await desk.client.post(
            "/returns", json={"item_barcode": "INP0001", "desk": "BUST-PRET"}
        )
        assert answer.status_code == 422
        assert answer.json()["errors"] == [
            {"field": "desk", "value": "BUST-PRET", "message": answer.json()["detail"]}
        ]


async def test_items_with_an_unknown_location_are_refused_whole(start_app: StartApp) -> None:
    async with start_app() as desk:
        good = {
            "barcode": "INP0001",
            "title": "Analyse",
            "library": "ENSEIRB",
            "location": "ENSEIRB-LA",
        }
        bad = good | {"barcode": "INP0002", "location": "ENSEIRB-CAVE"}
        answer = await desk.client.post("/items", json={"items": [good, bad]})
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "items[1].location"
        assert await desk.db["items"].count_documents({}) == 0
