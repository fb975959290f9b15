"""The size and fields of an institution's projection of the network zone (issue 21, minimal
copies): the 3,000 accounts of the demo's default feeds projected as before (each network
account whole, contact data included) and as now (a search entry each), written to the real
store and measured there (BSON bytes of every document of the projection and its name index).

Run: ``uv run python -m bench.projection_size``.
"""

import asyncio
import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

from bson import encode
from pymongo import AsyncMongoClient

from patron_sync.adapters.feeds.feed import read_feed
from patron_sync.adapters.mongo_iz import NZ_ACCOUNTS, NZ_NAMES, MongoNzProjection
from patron_sync.domain.feed_records import ParsedAccount
from patron_sync.domain.nz_accounts import NzAccount, decide_nz_import
from patron_sync.domain.search import name_keys
from rebub.demo.feeds import write_csv_feed
from rebub_shared.tenancy import institution_codes

PER_INSTITUTION = 600


def _network(folder: Path) -> list[NzAccount]:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    accounts = []
    for source in institution_codes():
        feed = write_csv_feed(folder / f"{source}.csv", PER_INSTITUTION, source, seed=2026)
        for item in read_feed(feed.path, source):
            if isinstance(item, ParsedAccount):
                accounts.append(decide_nz_import(item.record, None, now).account)
    return accounts


def _before(account: NzAccount) -> dict[str, Any]:
    """A projection document as written before issue 21: the whole network account."""
    return {
        "_id": account.record.primary_id,
        "version": account.version,
        "name_keys": list(name_keys(account.record)),
        "account": account.model_dump(mode="json"),
    }


async def _measure(db: Any) -> tuple[int, int, list[str]]:
    docs = [d async for d in db[NZ_ACCOUNTS].find({})]
    names = [d async for d in db[NZ_NAMES].find({})]
    fields = sorted(
        {
            f"{k}.{f}" if isinstance(v, dict) else k
            for d in docs[:1]
            for k, v in d.items()
            for f in (v if isinstance(v, dict) else [k])
        }
    )
    return sum(len(encode(d)) for d in docs), sum(len(encode(d)) for d in names), fields


async def main() -> None:
    uri = os.environ.get("REBUB_MONGO_URI", "mongodb://127.0.0.1:27017")
    client: AsyncMongoClient[Any] = AsyncMongoClient(uri)
    token = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory() as folder:
        network = _network(Path(folder))
    try:
        old, new = client[f"bench{token}_old"], client[f"bench{token}_new"]
        await old[NZ_ACCOUNTS].insert_many([_before(a) for a in network])
        projection = MongoNzProjection(new)
        for start in range(0, len(network), 1000):
            await projection.put(network[start : start + 1000], [])
        before, _, fields_before = await _measure(old)
        after, index, fields_after = await _measure(new)
        print(f"accounts: {len(network)}")
        print(f"before: nz_accounts {before:,} bytes; fields {fields_before}")
        print(f"after:  nz_accounts {after:,} bytes; fields {fields_after}")
        print(f"name index (nz_names, unchanged): {index:,} bytes")
        print(f"projection: {after / before:.0%} of before")
    finally:
        for name in (f"bench{token}_old", f"bench{token}_new"):
            await client.drop_database(name)
        await client.close()


if __name__ == "__main__":
    asyncio.run(main())
