"""Webhooks end to end: a real HTTP listener (uvicorn, in the test, checking Alma's signature
itself) registered by a manager gets a check-out, a renewal and a return of ub once each, in
order, signed as Alma signs, and refuses a tampered body; down for a while, it gets what happened
meanwhile once it is back, once, in order; a listener down past the pause threshold is paused
without holding the other one up, and once resumed gets its backlog once, in order; a range is
redelivered on demand.

"Down for a minute", in test time: what a minute's outage does to the deliverer is a number of
failed attempts of one delivery, fewer than ``pause_after``. With the production schedule
(1 s doubling, 12 attempts) a minute is six failed attempts (waits 1+2+4+8+16+32 = 63 s); with
the test's schedule (0.2 s doubling up to 1 s, 8 attempts) the listener stays down until the
store shows six failed attempts too (about 3.4 s): the same state of the same code. The other
listener stays down past its 8th attempt: paused, as a day's outage would leave it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event

from circulation.domain.webhooks import RetrySchedule
from rebub.identity import DevTokens
from rebub.testing.tokens import bearer

from .alma_listener import AlmaListener, free_port
from .conftest import Desk, StartApp, eventually, read_topic

UB_DESK = {"X-Desk": "BUST-PRET"}
THU_1_OCT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
SECRET = "listener-secret-1"
# Short waits: the schedule is configuration (REBUB_CIRCULATION__WEBHOOK_RETRY__*).
FAST_RETRY = RetrySchedule(first_wait_s=0.2, max_wait_s=1.0, pause_after=8, timeout_s=2.0)


async def deliveries(desk: Desk, subscription_id: str) -> list[dict[str, Any]]:
    answer = await desk.client.get(f"/webhooks/{subscription_id}/deliveries")
    assert answer.status_code == 200, answer.text
    log: list[dict[str, Any]] = answer.json()
    return log


async def test_a_listener_gets_each_loan_event_once_in_order_signed(
    start_app: StartApp, dev_tokens: DevTokens
) -> None:
    listener, other = AlmaListener(SECRET), AlmaListener(SECRET)
    await listener.start()
    await other.start()
    overrides = {"webhooks_enabled": True, "webhook_retry": FAST_RETRY, "webhook_poll_s": 0.2}
    async with start_app("ub", at=THU_1_OCT, headers=UB_DESK, **overrides) as desk:
        events = ["LOAN_CREATED", "LOAN_RENEWED", "LOAN_RETURNED"]
        registered = await desk.client.post(
            "/webhooks", json={"url": listener.url, "secret": SECRET, "events": events}
        )
        assert registered.status_code == 201, registered.text
        assert "secret" not in registered.json()
        assert listener.challenged == 1
        sid = registered.json()["subscription_id"]
        for user in ("inp-manager", "ub-desk"):  # another institution's manager, a desk operator
            refused = await desk.client.get("/webhooks", headers=bearer(dev_tokens.user(user)))
            assert refused.status_code == 403, (user, refused.text)
        other_hook = {
            "url": other.url,
            "secret": SECRET,
            "events": ["LOAN_CREATED", "LOAN_RETURNED"],
        }
        other_id = (await desk.client.post("/webhooks", json=other_hook)).json()["subscription_id"]
        dead = await desk.client.post(
            "/webhooks",
            json={"url": f"http://127.0.0.1:{free_port()}/x", "secret": SECRET, "events": events},
        )
        assert dead.status_code == 422  # it cannot even answer the challenge

        await desk.add_patron("U-42")
        await desk.add_items(
            ("UB000001", "BUST", "BUST-LA", None),
            ("UB000002", "BUST", "BUST-LA", None),
            ("UB000003", "BUST", "BUST-LA", None),
        )
        lent = await desk.client.post(
            "/loans",
            json={"patron": "U-42", "item_barcode": "UB000001"},
            headers={"X-Correlation-ID": "portal-req-42"},
        )
        assert lent.headers["X-Correlation-ID"] == "portal-req-42"
        loan = lent.json()["loan"]
        renewal = await desk.client.post(f"/loans/{loan['loan_id']}/renewal")
        assert renewal.status_code == 200, renewal.text
        returned = await desk.client.post("/returns", json={"item_barcode": "UB000001"})
        assert returned.status_code == 200, returned.text

        assert await eventually(lambda: _all_delivered(desk, sid, 3))
        bodies = listener.bodies()
        assert [b["event"]["value"] for b in bodies] == events  # once each: no more, in order
        assert {b["item_loan"]["loan_id"] for b in bodies} == {loan["loan_id"]}
        assert listener.refused_unsigned == 0  # every one signed as Alma signs
        assert bodies[0]["institution"] == {"value": "ub", "desc": "Université de Bordeaux"}
        assert bodies[2]["item_loan"]["loan_status"] == "COMPLETE"
        # A tampered body fails the listener's own check.
        tampered = listener.received[0].replace(b"U-42", b"U-43")
        async with httpx.AsyncClient() as client:
            answer = await client.post(
                listener.url, content=tampered, headers={"X-Exl-Signature": listener.signatures[0]}
            )
        assert answer.status_code == 401
        assert listener.refused_unsigned == 1

        # The records themselves, as the CloudEvents SDK reads them: the request's correlation
        # id on the event it caused, Alma's code in ce_almaevent.
        records = await read_topic(
            desk.namespace.backends.kafka_bootstrap, desk.namespace.topics.loan("ub"), expected=3
        )
        parsed = [from_binary_event(KafkaMessage(dict(r.headers), r.key, r.value)) for r in records]
        assert [e.get_extension("almaevent") for e in parsed] == events
        assert parsed[0].get_extension("correlationid") == "portal-req-42"
        assert parsed[0].get_type() == "fr.bordeaux.rebub.loan.created.v1"
        assert parsed[1].get_extension("correlationid") not in (None, "portal-req-42")

        # Down for "a minute" (six failed attempts, see the module's docstring): what happens
        # meanwhile waits, then arrives once, in order. The other listener stays down past the
        # pause threshold: paused after its 8 attempts, holding nothing up.
        await listener.stop()
        await other.stop()
        second = await desk.lend("U-42", "UB000002")
        await desk.client.post("/returns", json={"item_barcode": "UB000002"})
        assert await eventually(lambda: _failed_attempts(desk, sid, 6))
        await listener.start()
        assert await eventually(lambda: _all_delivered(desk, sid, 5))
        later = listener.bodies()[3:]
        assert [b["event"]["value"] for b in later] == ["LOAN_CREATED", "LOAN_RETURNED"]
        assert {b["item_loan"]["loan_id"] for b in later} == {second["loan_id"]}

        log = await deliveries(desk, sid)
        assert [d["seq"] for d in log] == [1, 2, 3, 4, 5], [
            (d["seq"], d["event_type"], d["event_id"]) for d in log
        ]
        assert log[0]["attempts"][0]["status"] == 200
        assert log[0]["attempts"][0]["latency_ms"] >= 0
        assert [a["status"] for a in log[3]["attempts"]][:6] == [None] * 6  # tried while down

        paused = await eventually(lambda: _paused(desk, other_id))
        assert paused["paused_reason"].startswith("8 failed attempts")
        assert len(other.received) == 2  # the first check-out and return, before it went down

        # Resumed once it is back: its backlog (queued meanwhile, a third loan while paused
        # too) arrives once, in order, after what it had.
        third = await desk.lend("U-42", "UB000003")
        await other.start()
        resumed = await desk.client.post(f"/webhooks/{other_id}/resume")
        assert resumed.status_code == 200, resumed.text
        assert resumed.json()["status"] == "active"
        assert await eventually(lambda: _all_delivered(desk, other_id, 5))
        backlog = other.bodies()[2:]
        assert [(b["event"]["value"], b["item_loan"]["loan_id"]) for b in backlog] == [
            ("LOAN_CREATED", second["loan_id"]),
            ("LOAN_RETURNED", second["loan_id"]),
            ("LOAN_CREATED", third["loan_id"]),
        ]

        # A range again, on demand: the same webhook ids.
        again = await desk.client.post(
            f"/webhooks/{sid}/redeliveries", json={"from_seq": 1, "to_seq": 2}
        )
        assert again.json() == {"requeued": 2}
        assert await eventually(lambda: _all_delivered(desk, sid, 6))  # the third loan's too
        assert await eventually(lambda: listener.has(8))
        assert [b["id"] for b in listener.bodies()[6:]] == [b["id"] for b in bodies[:2]]
    await listener.stop()
    await other.stop()


async def _all_delivered(desk: Desk, sid: str, n: int) -> bool:
    """The subscription's log holds ``n`` deliveries, all delivered (so nothing is in flight)."""
    log = await deliveries(desk, sid)
    return len(log) == n and all(d["state"] == "delivered" for d in log)


async def _failed_attempts(desk: Desk, sid: str, n: int) -> bool:
    pending = [d for d in await deliveries(desk, sid) if d["state"] == "pending"]
    return bool(pending) and len(pending[0]["attempts"]) >= n


async def _paused(desk: Desk, sid: str) -> dict[str, Any] | None:
    hooks = (await desk.client.get("/webhooks")).json()
    return next((h for h in hooks if h["subscription_id"] == sid and h["status"] == "paused"), None)
