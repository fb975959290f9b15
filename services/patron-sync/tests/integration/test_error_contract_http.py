"""The probes of issue 13 on patron-sync: every bad request is a small problem and writes nothing
(no account, no event); a waiting account cannot be moved to another institution or onto a
primary id another account holds."""

from __future__ import annotations

import time
from typing import Any

import pytest

from rebub.testing.problems import assert_problem, probe_framework_errors

from .conftest import EXTERNAL_READER as READER

WAITING = READER | {"primary_id": "22009999", "user_group": "L"}


async def _accounts(service: Any) -> int:
    count: int = await service.runtime.db["patrons"].count_documents({})
    return count


async def test_framework_errors_are_problems(instances: Any) -> None:
    up = await instances("ub")
    client, service = up["ub"]
    await probe_framework_errors(client, "/external-readers", READER, "last_name")
    assert await _accounts(service) == 0


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/external-readers", READER | {"last_name": "N" * 1_000_000}, None),
        ("/external-readers", READER | {"last_name": "N" * 5_000}, "last_name"),
        ("/external-readers", READER | {"last_name": "Gar\x00nier"}, "last_name"),
        ("/external-readers", READER | {"expiry_date": "1900-01-01"}, "expiry_date"),
        ("/external-readers", READER | {"expiry_date": "2099-01-01"}, "expiry_date"),
        ("/external-readers", READER | {"expiry_date": "2027-02-30"}, "expiry_date"),
        ("/waiting-accounts", WAITING | {"primary_id": "$ne"}, "primary_id"),
        ("/waiting-accounts", WAITING | {"primary_id": "a b"}, "primary_id"),
    ],
)
async def test_bounded_fields_are_refused(
    instances: Any, path: str, body: dict[str, Any], field: str | None
) -> None:
    up = await instances("ub")
    client, service = up["ub"]
    answer = await client.post(path, json=body)
    if field is None:  # a megabyte: refused by its size before any parsing
        assert_problem(answer, 413)
    else:
        refused = assert_problem(answer, 422)
        assert [e["field"] for e in refused["errors"]] == [field]
    assert await _accounts(service) == 0


async def test_a_huge_search_term_is_refused_at_once(instances: Any) -> None:
    up = await instances("ub")
    client, _ = up["ub"]
    started = time.monotonic()
    refused = assert_problem(await client.get("/patrons", params={"name": "Du" * 30_000}), 422)
    print(f"60,000-character search refused in {time.monotonic() - started:.3f} s")
    assert [e["field"] for e in refused["errors"]] == ["name"]
    assert len(refused["errors"][0]["value"]) < 300


async def test_a_note_or_block_too_long_is_refused(instances: Any) -> None:
    up = await instances("ub")
    client, service = up["ub"]
    created = await client.post("/waiting-accounts", json=WAITING)
    assert created.status_code == 201, created.text
    account = created.json()["account_id"]
    note = {"text": "n" * 3000}
    block = {"block_type": "AMENDE", "reason": "r" * 600}
    # The author is the token's subject: a body naming one, long or not, is refused.
    operator = {"text": "ok", "created_by": "o" * 8192}
    for path, body, field in [
        ("notes", note, "text"),
        ("blocks", block, "reason"),
        ("notes", operator, "created_by"),
    ]:
        refused = assert_problem(await client.post(f"/patrons/{account}/{path}", json=body), 422)
        assert [e["field"] for e in refused["errors"]] == [field]
    stored = await service.runtime.db["patrons"].find_one({"_id": account})
    assert stored is not None
    assert stored["revision"] == created.json()["revision"]


async def test_a_waiting_account_stays_in_its_institution_and_off_other_ids(
    instances: Any,
) -> None:
    up = await instances("ub")
    client, service = up["ub"]
    waiting = (await client.post("/waiting-accounts", json=WAITING)).json()
    other = await client.post("/waiting-accounts", json=WAITING | {"primary_id": "22008888"})
    assert other.status_code == 201, other.text
    path = f"/patrons/{waiting['account_id']}"
    moved = assert_problem(await client.patch(path, json={"source_institution": "ubm"}), 409)
    assert moved["errors"][0]["field"] == "source_institution"
    taken = assert_problem(await client.patch(path, json={"primary_id": "22008888"}), 409)
    assert taken["errors"][0]["field"] == "primary_id"
    for bad in ({"expiry_date": "1900-01-01"}, {"last_name": 7}, {"primary_id": "$ne"}):
        assert_problem(await client.patch(path, json=bad), 422)
    stored = await service.runtime.db["patrons"].find_one({"_id": waiting["account_id"]})
    assert stored is not None
    assert stored["revision"] == waiting["revision"]
    fixed = await client.patch(path, json={"last_name": "Garnier-Roux"})
    assert fixed.status_code == 200, fixed.text
