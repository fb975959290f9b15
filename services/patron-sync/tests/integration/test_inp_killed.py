"""Kill the ``inp`` instance (a real subprocess) while it consumes a 10,000-account import,
restart it: its final state is the one a run without the kill reaches."""

import asyncio
import os
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from patron_sync.adapters.mongo_iz import MongoIzUnitOfWork
from patron_sync.domain.accounts import Note
from patron_sync.domain.patron import PatronRecord
from patron_sync.domain.user_groups import UserGroup
from patron_sync.service_layer.commands import AddNote, CreateWaitingAccount, ImportFeed
from patron_sync.service_layer.context import Context
from patron_sync.service_layer.registry import InstitutionBus
from rebub.demo.feeds import write_csv_feed
from rebub.testing.plugin import Namespace
from rebub_shared.clock import MovableClock
from rebub_shared.topics import Topics

from .conftest import NOW, eventually

ACCOUNTS, WAITING = 10_000, 20
WAITING_IDS = [f"INP-{n:07d}" for n in range(1, 10_000, 500)][:WAITING]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_inp(namespace: Namespace, port: int, issuer: str) -> subprocess.Popen[bytes]:
    prefix = "REBUB_PATRON_SYNC__"
    env = os.environ | {
        f"{prefix}TENANT": "inp",
        f"{prefix}ENVIRONMENT": "test",
        f"{prefix}FAST_CONSUMERS": "true",
        f"{prefix}CONSUMER_BATCH_SIZE": "1000",
        f"{prefix}KAFKA__BOOTSTRAP": namespace.backends.kafka_bootstrap,
        f"{prefix}KAFKA__TOPIC_PREFIX": namespace.topic_prefix,
        f"{prefix}MONGO__URI": namespace.backends.mongo_uri,
        f"{prefix}MONGO__DATABASE_PREFIX": namespace.database_prefix,
        f"{prefix}HTTP__PORT": str(port),
        f"{prefix}AUTH__ISSUER": issuer,
        f"{prefix}LOG_JSON": "true",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "patron_sync"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _healthy(port: int) -> bool:
    try:
        async with httpx.AsyncClient() as client:
            return (await client.get(f"http://127.0.0.1:{port}/health")).status_code == 200
    except httpx.HTTPError:
        return False


async def _open_waiting_accounts(db: Any, topics: Topics, clock: MovableClock) -> None:
    def new_uow() -> MongoIzUnitOfWork:
        return MongoIzUnitOfWork("inp", db, topics, clock)

    bus = InstitutionBus(new_uow, Context(clock.now))
    for pid in WAITING_IDS:
        record = PatronRecord(
            primary_id=pid,
            last_name="Attente",
            user_group=UserGroup.L,
            expiry_date=date(2027, 9, 30),
            source_institution="inp",
        )
        await bus.handle(CreateWaitingAccount("inp", record))
        note = Note(text="carte provisoire", created_at=NOW, created_by="banque-pret")
        await bus.handle(AddNote("inp", f"ATT-{pid}", note))


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_inp_killed_mid_import_ends_as_if_never_killed(
    namespace: Namespace,
    instances: Any,
    clock: MovableClock,
    mongo_client: AsyncMongoClient[dict[str, Any]],
    oidc_issuer: str,
    tmp_path: Path,
) -> None:
    inp_db = mongo_client[f"{namespace.database_prefix}inp_patron_sync"]
    await _open_waiting_accounts(inp_db, namespace.topics, clock)
    feed = write_csv_feed(tmp_path / "inp.csv", ACCOUNTS, "inp", seed=5)
    network = (await instances("network"))["network"][1]
    port = _free_port()
    inp = _start_inp(namespace, port, oidc_issuer)
    try:
        await eventually(lambda: _healthy(port), timeout_s=60)
        importing = asyncio.create_task(network.import_feed(ImportFeed(feed.path, "inp")))

        async def midway() -> bool:
            return await inp_db["nz_accounts"].count_documents({}) >= ACCOUNTS // 5

        await eventually(midway, timeout_s=180, every_s=0.5)
        inp.kill()  # SIGKILL: no shutdown, no commit of the batch in hand
        inp.wait()
        killed_at = await inp_db["nz_accounts"].count_documents({})
        assert killed_at < ACCOUNTS
        report = await importing
        assert report.created == ACCOUNTS
        inp = _start_inp(namespace, port, oidc_issuer)

        async def caught_up() -> bool:
            # FerretDB scans a collection for every query: look at the small one first.
            merged = await inp_db["patrons"].count_documents({"patron.status": "closed"})
            return merged == WAITING and await inp_db["nz_accounts"].count_documents({}) == ACCOUNTS

        # Bounded generously: the suite's other worker may be running the demo with its busy
        # loops meanwhile; the test proves the outcome of a kill, not a speed (62 s alone).
        await eventually(caught_up, timeout_s=240, every_s=1)
    finally:
        inp.kill()
        inp.wait()

    nz = {
        d["_id"]: d["version"]
        async for d in network.runtime.db["accounts"].find({}, {"version": 1})
    }
    projected = {
        d["_id"]: d["version"] async for d in inp_db["nz_accounts"].find({}, {"version": 1})
    }
    assert projected == nz
    patrons = [d["patron"] async for d in inp_db["patrons"].find({})]
    institutional = {p["account_id"]: p for p in patrons if p["kind"] == "external"}
    assert sorted(institutional) == sorted(WAITING_IDS)
    for pid, patron in institutional.items():
        assert patron["version"] == nz[pid]
        assert [n["text"] for n in patron["additions"]["notes"]] == ["carte provisoire"]
    closed = [p for p in patrons if p["kind"] == "waiting"]
    assert {p["merged_into"] for p in closed} == set(WAITING_IDS)
    assert await inp_db["patrons"].count_documents({"outbox_pending": True}) == 0
