"""patron-sync as real processes for the import benchmark: the network instance and the five
institution instances (``python -m patron_sync``), in a namespace of their own (one database
prefix and one topic prefix shared by the six, as in one deployment), plus the feeds, the links
and the watch on the institutions' patron topics that tells when every IZ is consistent.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import random
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from pymongo import AsyncMongoClient

from bench.counted import COUNTS_ENV, counts_file
from bench.servers import PROJECT, Servers, stop_child, wait_ready
from patron_sync.adapters.feeds.csv_feed import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from rebub.demo.feeds import bad_indexes, synthetic_accounts
from rebub.mailbox import free_port
from rebub_shared.tenancy import InstitutionCode
from rebub_shared.topic_table import topic_spec
from rebub_shared.topics import Topics

INSTITUTIONS: tuple[InstitutionCode, ...] = ("ub", "ubm", "scpo", "inp", "bsa")
PARTITIONS = topic_spec(Topics().patron("ub")).partitions  # of each patron topic
SOURCE = "ub"  # the feed's source: every account is a UB account, linked anywhere


@dataclass(frozen=True)
class Instance:
    """One running ``python -m patron_sync``: its tenant, base URL, pid and database."""

    tenant: str
    url: str
    pid: int
    database: str
    counts: Path  # its store commands and broker requests (``bench.counted``)


@dataclass(frozen=True)
class Deployment:
    """The six instances of one benchmark run and their topic names."""

    instances: dict[str, Instance]
    topics: Topics

    @property
    def network(self) -> Instance:
        return self.instances["network"]

    @property
    def institutions(self) -> list[Instance]:
        return [self.instances[code] for code in INSTITUTIONS]


def primary_id(index: int) -> str:
    """The generator's primary id of record ``index`` (0-based) of a UB feed."""
    return f"{SOURCE.upper()}-{index + 1:07d}"


def new_email(index: int) -> str:
    """The changed accounts' new address (unique, so each change is recognisable downstream)."""
    return f"nouvelle.adresse{index + 1}@u-bordeaux.fr"


def changed_indexes(count: int, share: float) -> list[int]:
    """Records changed in the second feed: ``share`` of them, spread evenly."""
    return list(bad_indexes(count, round(count * share)))


def linked_indexes(count: int, tenant: str, share: float) -> list[int]:
    """Records linked in ``tenant`` (used at its desks): a sample of its own, the same every run."""
    return sorted(random.Random(f"linked-{tenant}").sample(range(count), round(count * share)))


def write_feed(path: Path, count: int, changed: Iterable[int] = ()) -> Path:
    """A full CSV feed of ``count`` UB accounts (the generator's, seed 0); the ``changed`` ones
    carry a new email address, as when the DSI sends a contact change."""
    new = set(changed)
    columns = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, delimiter=";", lineterminator="\n")
        writer.writerow(columns)
        for index, account in enumerate(synthetic_accounts(count, SOURCE, seed=0)):
            values = asdict(account) | ({"email": new_email(index)} if index in new else {})
            writer.writerow([values[c] for c in columns])
    return path


@asynccontextmanager
async def deployment(servers: Servers, folder: Path) -> AsyncIterator[Deployment]:
    """Start the network instance and the five institution instances; stop them at the end."""
    token = uuid.uuid4().hex[:8]
    database_prefix, topics = f"bench{token}_", Topics(f"b{token}.")
    async with AsyncExitStack() as stack:
        started = await asyncio.gather(
            *(
                stack.enter_async_context(
                    _process(tenant, servers, database_prefix, topics, folder / f"{tenant}.log")
                )
                for tenant in ("network", *INSTITUTIONS)
            )
        )
        yield Deployment({i.tenant: i for i in started}, topics)


@asynccontextmanager
async def _process(
    tenant: str, servers: Servers, database_prefix: str, topics: Topics, log_file: Path
) -> AsyncIterator[Instance]:
    port = free_port()
    env = os.environ | {
        "REBUB_PATRON_SYNC__TENANT": tenant,
        "REBUB_PATRON_SYNC__ENVIRONMENT": "development",
        "REBUB_PATRON_SYNC__HTTP__PORT": str(port),
        "REBUB_PATRON_SYNC__LOG_JSON": "true",
        "REBUB_PATRON_SYNC__MONGO__DATABASE_PREFIX": database_prefix,
        "REBUB_PATRON_SYNC__KAFKA__TOPIC_PREFIX": topics.prefix,
        "REBUB_PATRON_SYNC__SPOOL_DIR": str(log_file.parent),
        **servers.service_env(),
        COUNTS_ENV: str(counts_file(log_file.parent, tenant)),
    }
    with log_file.open("ab") as log:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "bench.counted", "patron_sync"),
            cwd=PROJECT,
            env=env,
            stdout=log,
            stderr=log,
        )
    database = f"{database_prefix}{tenant}_patron_sync"
    instance = Instance(
        tenant,
        f"http://127.0.0.1:{port}",
        child.pid,
        database,
        counts_file(log_file.parent, tenant),
    )
    try:
        await wait_ready(instance.url, child, f"patron-sync {instance.tenant}", log_file, 90)
        yield instance
    finally:
        await stop_child(child)


async def import_feed(network: Instance, path: Path, token: str) -> dict[str, Any]:
    """``POST /imports`` of a full UB feed (``token``: UB's feed loader's); the import report and
    the seconds it took."""
    started = time.perf_counter()
    feed_loader = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=network.url, timeout=3600, headers=feed_loader) as client:
        with path.open("rb") as feed:
            files = {"file": (path.name, feed, "text/csv")}
            answer = await client.post("/imports", params={"source": SOURCE}, files=files)
    answer.raise_for_status()
    return {"report": answer.json(), "seconds": time.perf_counter() - started}


async def wait_projected(
    servers: Servers, deployment: Deployment, count: int, timeout_s: float
) -> float:
    """Until every IZ's projection of ``nz.patron.v1`` holds ``count`` accounts; seconds."""
    started = time.perf_counter()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongo_uri)
    try:
        for iz in deployment.institutions:
            collection = client[iz.database]["nz_accounts"]
            while (seen := await collection.count_documents({})) < count:
                if time.perf_counter() - started > timeout_s:
                    raise RuntimeError(f"{iz.tenant}: {seen} of {count} NZ accounts projected")
                await asyncio.sleep(0.5)
    finally:
        await client.close()
    return time.perf_counter() - started


async def link(iz: Instance, indexes: list[int], concurrency: int, token: str) -> int:
    """Link the accounts in ``iz`` as a desk does on first use (``GET /patrons/{primary_id}``,
    ``token``: a desk operator's of the IZ); returns how many failed."""
    queue = iter(indexes)
    failed = 0

    async def desk(client: httpx.AsyncClient) -> None:
        nonlocal failed
        for index in queue:
            answer = await client.get(f"/patrons/{primary_id(index)}")
            failed += answer.status_code != 200

    desk_operator = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=iz.url, timeout=120, headers=desk_operator) as client:
        await asyncio.gather(*(desk(client) for _ in range(concurrency)))
    return failed


async def revisions_of(iz: Instance, primary_ids: list[str], token: str) -> list[int]:
    """The IZ revision the desk API shows for each account (linking any not linked yet);
    ``token``: a desk operator's of the IZ."""
    desk_operator = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=iz.url, timeout=120, headers=desk_operator) as client:
        answers = [await client.get(f"/patrons/{key}") for key in primary_ids]
    return [a.json()["revision"] if a.status_code == 200 else -a.status_code for a in answers]


@dataclass
class ConsistencyWatch:
    """Reads the five ``{inst}.patron.v1`` topics from their ends: the IZ writes a copy, then
    relays its ``PatronChanged``, so when every expected (IZ, account, new email) has been seen,
    every IZ holds the changed versions of its linked patrons."""

    bootstrap: str
    topics: Topics
    expected: dict[str, set[str]]  # tenant -> primary ids
    emails: dict[str, str]  # primary id -> its new email
    arrived: dict[str, float] = field(default_factory=dict)  # tenant -> last arrival
    _consumer: AIOKafkaConsumer | None = None

    async def start(self) -> None:
        """Position at the topics' ends (before the upload)."""
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, enable_auto_commit=False
        )
        await self._consumer.start()
        parts = [
            TopicPartition(self.topics.patron(code), p)
            for code in INSTITUTIONS
            for p in range(PARTITIONS)
        ]
        self._consumer.assign(parts)
        await self._consumer.seek_to_end(*parts)
        for part in parts:
            await self._consumer.position(part)

    async def wait(self, timeout_s: float) -> dict[str, float]:
        """Until every expected change arrived: perf_counter time of the last one, per IZ."""
        assert self._consumer is not None
        missing = {tenant: set(ids) for tenant, ids in self.expected.items()}
        deadline = time.monotonic() + timeout_s
        try:
            while any(missing.values()):
                if time.monotonic() > deadline:
                    left = {t: len(ids) for t, ids in missing.items() if ids}
                    raise RuntimeError(f"IZs not consistent after {timeout_s} s: missing {left}")
                batches = await self._consumer.getmany(timeout_ms=200, max_records=1000)
                now = time.perf_counter()
                for part, records in batches.items():
                    tenant = part.topic.removeprefix(self.topics.prefix).split(".")[0]
                    for record in records:
                        patron = json.loads(record.value)["patron"]
                        key = patron["primary_id"]
                        if self.emails.get(key) in patron["contact"]["emails"]:
                            missing[tenant].discard(key)
                            self.arrived[tenant] = now
        finally:
            await self._consumer.stop()
        return self.arrived


async def stored_changes(servers: Servers, deployment: Deployment, watch: ConsistencyWatch) -> int:
    """Read-only check after the phase: IZ copies holding the new email (expected: all)."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongo_uri)
    found = 0
    try:
        for iz in deployment.institutions:
            ids = sorted(watch.expected[iz.tenant])
            async for doc in client[iz.database]["patrons"].find({"_id": {"$in": ids}}):
                emails = [e["address"] for e in doc["patron"]["record"]["emails"]]
                found += watch.emails[doc["_id"]] in emails
    finally:
        await client.close()
    return found


async def drop_databases(servers: Servers, deployment: Deployment) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongo_uri)
    try:
        for instance in deployment.instances.values():
            await client.drop_database(instance.database)
    finally:
        await client.close()
