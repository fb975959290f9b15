"""``rebub parked list|show|retry``: the outbox entries each service set aside (``parked_events``).

An entry is parked when it can never be published (too large, not serialisable, topic refused;
see ``rebub_shared.parking``). Each tenant's services keep theirs in their own database; this
reads them all, or one tenant's, for the operator who fixes the cause (creates the topic, grants
the ACL) and puts them back: ``retry`` returns the entry, data included, to its document's outbox
and flags the document pending, and the relay's sweep publishes it (``rebub_shared.outbox``).
"""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient

from rebub_shared.mongo import database_name
from rebub_shared.outbox import PENDING
from rebub_shared.parking import PARKED, list_parked
from rebub_shared.settings import MongoSettings
from rebub_shared.tenancy import NETWORK, TenantCode, institution_codes

INSTITUTION_SERVICES = ("circulation", "notifier", "patron-sync")
NETWORK_SERVICES = ("patron-sync",)


def services_of(tenant: TenantCode) -> tuple[str, ...]:
    return NETWORK_SERVICES if tenant == NETWORK else INSTITUTION_SERVICES


class ParkedEntryNotFoundError(LookupError):
    """No parked entry of that id in the tenant's services (or its document is gone)."""


def _client(mongo_uri: str) -> AsyncMongoClient[dict[str, Any]]:
    return AsyncMongoClient(mongo_uri, serverSelectionTimeoutMS=5000, tz_aware=True)


async def gather_parked(
    mongo_uri: str, tenants: tuple[TenantCode, ...] = (), *, database_prefix: str = ""
) -> list[dict[str, Any]]:
    """The parked entries of ``tenants`` (all: the network and the five institutions)."""
    settings = MongoSettings(uri=mongo_uri, database_prefix=database_prefix)
    client = _client(mongo_uri)
    found: list[dict[str, Any]] = []
    try:
        for tenant in tenants or (NETWORK, *institution_codes()):
            for service in services_of(tenant):
                db = client[database_name(settings, tenant, service)]
                found += [{"service": service} | p for p in await list_parked(db)]
    finally:
        await client.close()
    return found


async def show_parked(
    mongo_uri: str, tenant: TenantCode, event_id: str, *, database_prefix: str = ""
) -> dict[str, Any]:
    """One parked entry whole (its data and headers), found in any of ``tenant``'s services."""
    settings = MongoSettings(uri=mongo_uri, database_prefix=database_prefix)
    client = _client(mongo_uri)
    try:
        for service in services_of(tenant):
            db = client[database_name(settings, tenant, service)]
            if (doc := await db[PARKED].find_one({"_id": event_id})) is not None:
                return {"service": service, "event_id": doc.pop("_id")} | doc
    finally:
        await client.close()
    raise ParkedEntryNotFoundError(f"no parked entry {event_id!r} in {tenant}'s services")


async def retry_parked(
    mongo_uri: str,
    tenant: TenantCode,
    event_id: str,
    *,
    database_prefix: str = "",
    dry_run: bool = False,
) -> dict[str, Any]:
    """Put a parked entry back into its document's outbox (flagged pending) and forget it;
    ``dry_run`` only finds it. The relay publishes it at its next sweep, or at the next start."""
    parked = await show_parked(mongo_uri, tenant, event_id, database_prefix=database_prefix)
    if dry_run:
        return parked
    settings = MongoSettings(uri=mongo_uri, database_prefix=database_prefix)
    client = _client(mongo_uri)
    try:
        db = client[database_name(settings, tenant, parked["service"])]
        entry = dict(parked["entry"]) | {"data": parked["data"]}
        written = await db[parked["collection"]].update_one(
            {"_id": parked["document_id"]},
            {"$set": {f"outbox.{event_id}": entry, PENDING: True}},
        )
        if written.matched_count == 0:
            raise ParkedEntryNotFoundError(
                f"the document {parked['document_id']!r} of {parked['collection']} is gone: "
                f"the entry {event_id!r} stays parked"
            )
        await db[PARKED].delete_one({"_id": event_id})
    finally:
        await client.close()
    return parked
