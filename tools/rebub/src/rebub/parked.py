"""``rebub parked list``: the outbox entries each service set aside (``parked_events``).

An entry is parked when it can never be published (too large, not serialisable, topic refused;
see ``rebub_shared.parking``). Each tenant's services keep theirs in their own database; this
reads them all, or one tenant's, for the operator who fixes and re-queues them.
"""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient

from rebub_shared.mongo import database_name
from rebub_shared.parking import list_parked
from rebub_shared.settings import MongoSettings
from rebub_shared.tenancy import NETWORK, TenantCode, institution_codes

INSTITUTION_SERVICES = ("circulation", "notifier", "patron-sync")
NETWORK_SERVICES = ("patron-sync",)


def services_of(tenant: TenantCode) -> tuple[str, ...]:
    return NETWORK_SERVICES if tenant == NETWORK else INSTITUTION_SERVICES


async def gather_parked(
    mongo_uri: str, tenants: tuple[TenantCode, ...] = (), *, database_prefix: str = ""
) -> list[dict[str, Any]]:
    """The parked entries of ``tenants`` (all: the network and the five institutions)."""
    settings = MongoSettings(uri=mongo_uri, database_prefix=database_prefix)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        mongo_uri, serverSelectionTimeoutMS=5000, tz_aware=True
    )
    found: list[dict[str, Any]] = []
    try:
        for tenant in tenants or (NETWORK, *institution_codes()):
            for service in services_of(tenant):
                db = client[database_name(settings, tenant, service)]
                found += [{"service": service} | p for p in await list_parked(db)]
    finally:
        await client.close()
    return found
