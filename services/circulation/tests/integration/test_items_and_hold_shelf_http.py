"""Items and the hold shelf over HTTP on the real broker and store: the item lookup (status,
loan, queue), a library's hold shelf, the job's pass expiring a hold after its last day (the
expired-holds list, the item reshelved), a staff status change with its reason (audited),
internal processing of an item not on loan, and request complete over HTTP; a staff status
change read back as its event on the item topic; the jobs' loop runs in one replica (lease)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from circulation.entrypoints.jobs import JOBS_LEASE, job_loop
from rebub_shared.lease import LEASES, Lease

from .conftest import StartApp, eventually, header, read_topic

FEB_25 = datetime(2027, 2, 25, 9, 0, tzinfo=UTC)


async def test_an_item_lookup_and_a_hold_that_expires_on_the_9th_pass(start_app: StartApp) -> None:
    async with start_app(at=FEB_25) as desk:
        await desk.add_patron("P-42")
        await desk.add_patron("P-7")
        await desk.add_items(("INP0001", "ENSEIRB", "ENSEIRB-LA", None))
        loan = await desk.lend("P-42", "INP0001")
        hold = await desk.client.post(
            "/requests", json={"kind": "hold", "patron": "P-7", "item_barcode": "INP0001"}
        )
        request_id = hold.json()["request"]["request_id"]
        item = (await desk.client.get("/items/INP0001")).json()
        assert (item["status"], item["loan"]["loan_id"]) == ("on_loan", loan["loan_id"])
        assert [(r["patron_id"], r["position"]) for r in item["requests"]] == [("P-7", 1)]

        await desk.set_clock(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
        await desk.client.post("/returns", json={"item_barcode": "INP0001"})
        shelf = (await desk.client.get("/libraries/ENSEIRB/requests/hold-shelf")).json()
        assert [(r["patron_id"], r["hold_shelf_expiry"]) for r in shelf["requests"]] == [
            ("P-7", "2027-03-08")
        ]
        await desk.set_clock(datetime(2027, 3, 8, 5, 0, tzinfo=UTC))
        assert (await desk.client.post("/_dev/jobs/hold-shelf")).json()["ids"] == []
        await desk.set_clock(datetime(2027, 3, 9, 5, 0, tzinfo=UTC))
        assert (await desk.client.post("/_dev/jobs/hold-shelf")).json()["ids"] == [request_id]
        expired = (await desk.client.get("/libraries/ENSEIRB/requests/expired-holds")).json()
        assert [(r["request_id"], r["status"]) for r in expired["requests"]] == [
            (request_id, "expired")
        ]
        item = (await desk.client.get("/items/INP0001")).json()
        assert (item["status"], item["loan"], item["requests"]) == ("available", None, [])

        wrong = await desk.client.put(
            "/items/INP0001/status", json={"status": "on_loan", "reason": "x"}
        )
        assert (wrong.status_code, wrong.json()["errors"][0]["field"]) == (422, "status")
        missing = await desk.client.put(
            "/items/INP0001/status", json={"status": "missing", "reason": "introuvable en rayon"}
        )
        assert missing.json()["status"] == "missing", missing.text
        records = (await desk.client.get("/audit", params={"action": "item-status"})).json()
        assert [r["targets"] for r in records["records"]] == [{"item": "INP0001"}]
        # Internal processing on an item not on loan (binding): in process until completed.
        placed = await desk.client.post("/items/INP0001/internal-processing")
        assert placed.status_code == 201, placed.text
        assert (await desk.client.get("/items/INP0001")).json()["status"] == "in_process"
        done = await desk.client.post(
            f"/requests/{placed.json()['request']['request_id']}/complete"
        )
        assert done.json()["status"] == "closed", done.text
        assert (await desk.client.get("/items/INP0001")).json()["status"] == "available"
        again = await desk.client.post(
            "/requests", json={"kind": "hold", "patron": "P-7", "item_barcode": "INP0001"}
        )
        cancelled = await desk.client.post(
            f"/requests/{again.json()['request']['request_id']}/cancel",
            json={"reason": "plus besoin"},
        )
        assert (cancelled.json()["status"], cancelled.json()["task"]) == ("cancelled", "done")
        unknown = await desk.client.get("/items/NOPE0001")
        assert unknown.status_code == 404


async def test_a_staff_status_change_is_published_on_the_item_topic(start_app: StartApp) -> None:
    async with start_app(at=datetime(2027, 3, 10, 9, 30, tzinfo=UTC)) as desk:
        await desk.add_items(("INP0002", "ENSEIRB", "ENSEIRB-LA", None))
        body = {"status": "in_process", "reason": "reliure abîmée"}
        answer = await desk.client.put("/items/INP0002/status", json=body)
        assert answer.json()["status"] == "in_process", answer.text
        bootstrap = desk.namespace.backends.kafka_bootstrap
        topic = desk.namespace.topics.item("inp")
        records = await read_topic(bootstrap, topic, expected=1)
        assert [(r.key, header(r, "ce_type")) for r in records] == [
            (b"INP0002", "fr.bordeaux.rebub.item.status-changed.v1")
        ]
        data = json.loads(records[0].value)
        assert (data["previous_status"], data["status"], data["reason"], data["version"]) == (
            "available",
            "in_process",
            "reliure abîmée",
            1,
        )

        async def relayed() -> bool:
            stored = await desk.db["items"].find_one({"_id": "INP0002"})
            return stored is not None and not stored.get("outbox")

        assert await eventually(relayed)  # published, then removed from the item's outbox


async def test_one_replica_runs_the_jobs_the_one_holding_the_lease(start_app: StartApp) -> None:
    """A hold on the shelf from 1 March 2027 (last day the 8th); on the 9th two replicas' job
    loops run: the first takes the lease and expires it, the second runs nothing; once the
    first stops (graceful), the second takes the lease and runs."""
    async with start_app(at=datetime(2027, 3, 1, 9, 0, tzinfo=UTC)) as desk:
        await desk.add_patron("P-7")
        await desk.add_items(("INP0003", "ENSEIRB", "ENSEIRB-LA", None))
        body = {"kind": "hold", "patron": "P-7", "item_barcode": "INP0003"}
        hold = (await desk.client.post("/requests", json=body)).json()["request"]
        picked = await desk.client.post("/returns", json={"item_barcode": "INP0003"})
        assert picked.json()["next_step"]["kind"] == "hold_shelf", picked.text
        await desk.set_clock(datetime(2027, 3, 9, 5, 0, tzinfo=UTC))
        first, second = (
            job_loop(desk.bus, 3600, Lease(desk.db[LEASES], JOBS_LEASE, holder, 7200))
            for holder in ("replica-a", "replica-b")
        )
        assert await first.run_if_holding()
        assert not await second.run_if_holding()  # the first holds the lease
        expired = (await desk.client.get("/libraries/ENSEIRB/requests/expired-holds")).json()
        assert [r["request_id"] for r in expired["requests"]] == [hold["request_id"]]
        await first.stop()  # a graceful stop gives the lease up
        assert await second.run_if_holding()
