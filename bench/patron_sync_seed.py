"""Linking many accounts in an IZ fast, for the import benchmark's setup.

A desk links one account per ``GET /patrons/{primary_id}`` (about a dozen store round trips,
and one event relayed; ``POST /patron-links`` links many, one by one). On FerretDB v1 (with the project's
``_id`` fix) that was about 120 links a second for the five IZs together at 100,000 accounts, so
30% of them in five IZs (150,000 links) would take about 20 minutes of the setup.
The benchmark therefore writes most linked copies itself, as the service would after relaying
the link: the service's own ``link_from_nz`` on the network zone's account, the document
layout of ``MongoIzUnitOfWork`` (revision 1, empty outbox) and the barcodes claimed; the desk API
then reads some of them back unchanged (revision 1), and the rest of the links go through it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import AsyncMongoClient

from bench.patron_sync_service import Instance
from patron_sync.adapters.mongo_iz import BARCODES, PATRONS
from patron_sync.adapters.mongo_nz import ACCOUNTS
from patron_sync.domain.merge import link_from_nz
from patron_sync.domain.nz_accounts import NzAccount
from patron_sync.domain.search import name_keys
from patron_sync.service_layer.unit_of_work import active_barcodes
from rebub_shared.outbox import PENDING
from rebub_shared.tenancy import InstitutionCode

Document = dict[str, Any]


def linked_copy(account: NzAccount, tenant: InstitutionCode, now: datetime) -> Document:
    """The stored document of a freshly linked IZ copy whose link event was relayed."""
    patron = link_from_nz(account, tenant, now)
    return {
        "_id": patron.account_id,
        "revision": 1,
        "patron": patron.model_dump(mode="json"),
        "merged_from": [],
        "name_keys": list(name_keys(patron.record)),
        "barcodes": sorted(active_barcodes(patron)),
        "outbox": {},
        PENDING: False,
    }


async def seed_links(mongo_uri: str, network: Instance, iz: Instance, primary_ids: set[str]) -> int:
    """Write the linked copies of ``primary_ids`` (from the network zone's accounts, as linking
    reads the full record there: the IZ's projection holds only what search needs) and claim
    their barcodes, in two ``insert_many``; returns how many were written."""
    client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_uri)
    tenant, now = iz.tenant, datetime.now(UTC)
    try:
        db, accounts = client[iz.database], client[network.database][ACCOUNTS]
        ids = sorted(primary_ids)
        copies = [
            linked_copy(NzAccount.model_validate(doc["account"]), tenant, now)
            for start in range(0, len(ids), 1000)
            async for doc in accounts.find({"_id": {"$in": ids[start : start + 1000]}})
        ]
        claims = [{"_id": b, "account_id": c["_id"]} for c in copies for b in c["barcodes"]]
        if copies:
            await db[PATRONS].insert_many(copies, ordered=True)
        if claims:
            await db[BARCODES].insert_many(claims, ordered=True)
        return len(copies)
    finally:
        await client.close()
