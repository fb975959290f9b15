"""The patron projection from ``{inst}.patron.v1`` and the items file, on the real servers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from circulation.service_layer.commands import ListPatronLoans
from circulation.service_layer.ports import ANONYMOUS
from rebub_shared.clock import MovableClock
from rebub_shared.cloudevents import new_event
from rebub_shared.compacted import KeyedRecord, latest_record
from rebub_shared.contracts.erasures import ErasureApplied
from rebub_shared.contracts.patrons import ERASURE_HEADER, PatronChanged, WaitingAccountMerged
from rebub_shared.messaging import make_broker

from .conftest import StartApp, eventually, patron

AT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


async def test_patron_events_project_newest_versions_and_merge_waiting_accounts(
    start_app: StartApp,
) -> None:
    async with start_app(at=AT, consume_patrons=True) as desk:
        await desk.add_items(("INP0001", "ENSEIRB", "ENSEIRB-LA", None))
        await desk.add_patron("W-9", kind="waiting")
        loan = await desk.lend("W-9", "INP0001")
        clock = MovableClock(AT)
        events = [
            PatronChanged(patron=patron("inp", "P-42", "M", version=2)),
            PatronChanged(patron=patron("inp", "P-42", "L", version=1)),  # late, stale
            WaitingAccountMerged(
                institution="inp", waiting_id="W-9", primary_id="P-42", merged_at=AT
            ),
        ]
        publisher = make_broker(desk.namespace.kafka(), client_id="test-patron-sync")
        async with publisher:
            await publisher.start()
            for data in events:
                event = new_event(
                    data, source="/rebub/patron-sync/inp", tenant="inp", subject="P-42", clock=clock
                )
                await publisher.publish(
                    data.model_dump(mode="json"),
                    desk.namespace.topics.patron("inp"),
                    key=b"P-42",
                    headers=event.envelope.headers(),
                )

        async def moved() -> bool:
            doc = await desk.db["loans"].find_one({"_id": loan["loan_id"]})
            return doc is not None and doc["patron_id"] == "P-42"

        assert await eventually(moved)
        doc = await desk.db["patrons"].find_one({"_id": "P-42"})
        assert doc is not None
        assert (doc["snapshot_version"], doc["snapshot"]["user_group"]) == (2, "M")
        loans = await desk.bus.handle(
            ListPatronLoans(institution="inp", desk="ENSEIRB-PRET", operator="a", patron="P-42")
        )
        assert [view.loan_id for view in loans.loans] == [loan["loan_id"]]

        # Erasure (issue 21): a tombstone with the erasure header forgets the patron, the open
        # loan stays open and names nobody.
        async with publisher:
            await publisher.start()
            headers = {
                "ce_tenant": "inp",
                "ce_source": "/rebub/inp/patron-sync",
                ERASURE_HEADER: "req-77",
            }
            topic = desk.namespace.topics.patron("inp")
            await publisher.publish(None, topic, key=b"P-42", headers=headers)

        async def forgotten() -> bool:
            doc = await desk.db["loans"].find_one({"_id": loan["loan_id"]})
            return doc is not None and doc["patron_id"] == ANONYMOUS

        assert await eventually(forgotten)
        assert await desk.db["patrons"].find_one({"_id": "P-42"}) is None
        # ... and confirms it to the network zone, naming the request only.
        topics = desk.namespace.topics

        async def confirmation() -> KeyedRecord | None:
            return await latest_record(desk.namespace.kafka(), topics, topics.erasure, "req-77")

        async def confirmed_once() -> bool:
            return await confirmation() is not None

        assert await eventually(confirmed_once)
        confirmed = await confirmation()
        assert confirmed is not None
        assert confirmed.value is not None
        applied = ErasureApplied.model_validate_json(confirmed.value)
        assert (applied.institution, applied.service, applied.accounts) == ("inp", "circulation", 1)
        assert "P-42" not in confirmed.value.decode()


async def test_items_file_is_loaded_at_start(start_app: StartApp, tmp_path: Path) -> None:
    items = tmp_path / "inp-items.csv"
    items.write_text(
        "barcode,title,library,location,item_policy,status\n"
        "INP0001,Analyse numérique,ENSEIRB,ENSEIRB-LA,,\n"
        "INP0002,Théorie des graphes,ENSEIRB,ENSEIRB-LA,2-semaines,in_process\n",
        encoding="utf-8",
    )
    async with start_app(at=AT, items_file=items) as desk:
        docs = await desk.db["items"].find({}).sort("_id").to_list()
        assert [(d["_id"], d["item_policy"], d["status"]) for d in docs] == [
            ("INP0001", None, "available"),
            ("INP0002", "2-semaines", "in_process"),
        ]
