"""Webhooks end to end: a real HTTP listener (uvicorn, in the test) registered by a manager gets a
check-out, a renewal and a return of ub once each, in order, signed as Alma signs; down for a
while, it gets what happened meanwhile once it is back; a listener that never answers is paused
and does not hold the other one up; a range is redelivered on demand."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import UTC, datetime
from typing import Any

import uvicorn
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event
from fastapi import FastAPI, Request

from circulation.domain.webhooks import SIGNATURE_HEADER, RetrySchedule, verify
from rebub.identity import DevTokens
from rebub.testing.tokens import bearer

from .conftest import Desk, StartApp, eventually, read_topic

UB_DESK = {"X-Desk": "BUST-PRET"}
THU_1_OCT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
SECRET = "listener-secret-1"
# Short waits: the schedule is configuration (REBUB_CIRCULATION__WEBHOOK_RETRY__*).
FAST_RETRY = RetrySchedule(first_wait_s=0.2, max_wait_s=1.0, pause_after=8, timeout_s=2.0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Listener:
    """An Alma webhook listener as a library's tool writes one: answers the challenge, keeps
    each POST's raw body and signature. ``stop``/``start`` take it down and back on its port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[tuple[bytes, str]] = []
        self.challenged = 0
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        app = FastAPI()

        @app.get("/hook")
        async def challenge(challenge: str) -> dict[str, str]:
            self.challenged += 1
            return {"challenge": challenge}

        @app.post("/hook")
        async def receive(request: Request) -> dict[str, bool]:
            self.received.append((await request.body(), request.headers[SIGNATURE_HEADER]))
            return {"ok": True}

        self._app = app

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> None:
        config = uvicorn.Config(
            self._app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        await eventually(self._started)

    async def _started(self) -> bool:
        return bool(self._server and self._server.started)

    async def stop(self) -> None:
        assert self._server is not None
        assert self._task is not None
        self._server.should_exit = True
        await asyncio.wait_for(self._task, 10)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for body, _ in self.received]


async def deliveries(desk: Desk, subscription_id: str) -> list[dict[str, Any]]:
    answer = await desk.client.get(f"/webhooks/{subscription_id}/deliveries")
    assert answer.status_code == 200, answer.text
    log: list[dict[str, Any]] = answer.json()
    return log


async def test_a_listener_gets_each_loan_event_once_in_order_signed(
    start_app: StartApp, dev_tokens: DevTokens
) -> None:
    listener, other = Listener(), Listener()
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
        other_hook = {"url": other.url, "secret": SECRET, "events": ["LOAN_CREATED"]}
        other_id = (await desk.client.post("/webhooks", json=other_hook)).json()["subscription_id"]
        dead = await desk.client.post(
            "/webhooks",
            json={"url": f"http://127.0.0.1:{free_port()}/x", "secret": SECRET, "events": events},
        )
        assert dead.status_code == 422  # it cannot even answer the challenge

        await desk.add_patron("U-42")
        await desk.add_items(
            ("UB000001", "BUST", "BUST-LA", None), ("UB000002", "BUST", "BUST-LA", None)
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

        assert await eventually(lambda: _count(listener, 3))
        await asyncio.sleep(0.5)  # anything more would be a duplicate
        bodies = listener.bodies()
        assert [b["event"]["value"] for b in bodies] == events
        assert {b["item_loan"]["loan_id"] for b in bodies} == {loan["loan_id"]}
        assert all(verify(SECRET, body, signed) for body, signed in listener.received)
        assert bodies[0]["institution"] == {"value": "ub", "desc": "Université de Bordeaux"}
        assert bodies[2]["item_loan"]["loan_status"] == "COMPLETE"
        # A tampered body fails the listener's check.
        body, signed = listener.received[0]
        assert not verify(SECRET, body.replace(b"U-42", b"U-43"), signed)

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

        # Down for a while: what happens meanwhile waits, then arrives once, in order. The
        # other listener goes down for good: paused after its attempts, holding nothing up.
        await listener.stop()
        await other.stop()
        second = await desk.lend("U-42", "UB000002")
        await desk.client.post("/returns", json={"item_barcode": "UB000002"})
        assert await eventually(lambda: _failed_attempts(desk, sid, 3))
        await listener.start()
        assert await eventually(lambda: _count(listener, 5))
        await asyncio.sleep(0.5)
        later = listener.bodies()[3:]
        assert [b["event"]["value"] for b in later] == ["LOAN_CREATED", "LOAN_RETURNED"]
        assert {b["item_loan"]["loan_id"] for b in later} == {second["loan_id"]}

        log = await deliveries(desk, sid)
        assert [d["seq"] for d in log] == [1, 2, 3, 4, 5], [
            (d["seq"], d["event_type"], d["event_id"]) for d in log
        ]
        assert all(d["state"] == "delivered" for d in log)
        assert log[0]["attempts"][0]["status"] == 200
        assert log[0]["attempts"][0]["latency_ms"] >= 0
        assert any(a["status"] is None for a in log[3]["attempts"])  # tried while it was down

        paused = await eventually(lambda: _paused(desk, other_id))
        assert paused["paused_reason"].startswith("8 failed attempts")
        assert len(other.received) == 1  # the first check-out, before it went down

        # A range again, on demand: the same webhook ids.
        again = await desk.client.post(
            f"/webhooks/{sid}/redeliveries", json={"from_seq": 1, "to_seq": 2}
        )
        assert again.json() == {"requeued": 2}
        assert await eventually(lambda: _count(listener, 7))
        assert [b["id"] for b in listener.bodies()[5:]] == [b["id"] for b in bodies[:2]]
    await listener.stop()


async def _count(listener: Listener, n: int) -> bool:
    return len(listener.received) >= n


async def _failed_attempts(desk: Desk, sid: str, n: int) -> bool:
    pending = [d for d in await deliveries(desk, sid) if d["state"] == "pending"]
    return bool(pending) and len(pending[0]["attempts"]) >= n


async def _paused(desk: Desk, sid: str) -> dict[str, Any] | None:
    hooks = (await desk.client.get("/webhooks")).json()
    return next((h for h in hooks if h["subscription_id"] == sid and h["status"] == "paused"), None)
