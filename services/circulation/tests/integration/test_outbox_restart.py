"""Killed between the loan write and the relay: after a restart the event is published once."""

from __future__ import annotations

from datetime import UTC, datetime

from rebub_shared.outbox import PENDING

from .conftest import StartApp, eventually, header, read_topic

ITEM = ("INP0001", "ENSEIRB", "ENSEIRB-LA", None)


async def test_an_event_left_in_the_outbox_is_published_exactly_once_after_restart(
    start_app: StartApp,
) -> None:
    at = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    async with start_app(at=at, relay_enabled=False) as crashed:  # writes, never relays
        await crashed.add_patron("P-42")
        await crashed.add_items(ITEM)
        loan = await crashed.lend("P-42", "INP0001")
        doc = await crashed.db["loans"].find_one({"_id": loan["loan_id"]})
        assert doc is not None
        assert doc[PENDING] is True
        # The loan event and, in the same write, the network activity summary and loan state.
        loan_id = loan["loan_id"]
        assert sorted(doc["outbox"]) == [
            f"{loan_id}:1",
            f"{loan_id}:1:activity",
            f"{loan_id}:1:state",
        ]
    topic = crashed.namespace.topics.loan("inp")
    bootstrap = crashed.namespace.backends.kafka_bootstrap
    assert await read_topic(bootstrap, topic, expected=1, timeout_s=1) == []

    async with start_app(at=at) as restarted:  # same database: the background relay finds it

        async def relayed() -> bool:
            doc = await restarted.db["loans"].find_one({"_id": loan["loan_id"]})
            return doc is not None and doc["outbox"] == {} and doc[PENDING] is False

        assert await eventually(relayed)
        records = await read_topic(bootstrap, topic, expected=1)
    assert [header(r, "ce_id") for r in records] == [f"{loan['loan_id']}:1"]
    assert [header(r, "ce_type") for r in records] == ["fr.bordeaux.rebub.loan.created.v1"]
