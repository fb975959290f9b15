"""The probes of issue 13 on the notifier: every bad request is a small problem and sends nothing;
the store away answers 503 with ``Retry-After``."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient

from rebub.testing.problems import assert_problem

from .conftest import Harness, at


async def test_bad_requests_are_small_problems_and_send_nothing(harness: Harness) -> None:
    async with harness.service(at(1)) as service:
        client = service.client
        report = "/patrons/PA/activity-report"
        assert_problem(
            await client.post(report, content="x", headers={"content-type": "text/plain"}), 415
        )
        huge = b"{" + b" " * (1024 * 1024) + b"}"
        assert_problem(
            await client.post(report, content=huge, headers={"content-type": "application/json"}),
            413,
        )
        assert_problem(await client.get("/no/such/route"), 404)
        wrong = assert_problem(await client.delete("/letters"), 405)
        assert wrong["instance"] == "/letters"
        long_id = assert_problem(
            await client.get("/letters", params={"patron_id": "P" * 60_000}), 422
        )
        assert len(long_id["errors"][0]["value"]) < 300
        assert_problem(await client.get("/letters", params={"loan_id": "$ne"}), 422)
        key = {"Idempotency-Key": "k" * 8192}
        assert_problem(await client.post(report, headers=key), 422)
    assert harness.mailbox.messages() == []


async def test_the_store_away_answers_503_with_retry_after(harness: Harness) -> None:
    async with harness.service(at(1)) as service:
        store = service.notifier.store
        dead: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            "mongodb://127.0.0.1:9", serverSelectionTimeoutMS=500, connectTimeoutMS=500
        )
        kept = store.letters
        store.letters = dead["away"]["letters"]
        try:
            answer = await service.client.get("/letters", params={"patron_id": "PA"})
            assert_problem(answer, 503)
            assert answer.headers["retry-after"].isdigit()
        finally:
            store.letters = kept
            await dead.close()
        assert (await service.client.get("/letters", params={"patron_id": "PA"})).status_code == 200
