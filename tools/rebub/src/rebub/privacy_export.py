"""``rebub privacy export PRIMARY_ID``: everything the network holds about one person (GDPR
article 15), gathered from every zone's databases into one JSON document, and a readable
rendering of it.

The person is named by their network primary id; in an institution zone their accounts are that
id and a waiting account ``ATT-<id>``. What is read, per service (docs/privacy.md, the register):
the network zone's account, each institution's copy and projection entry, circulation's patron
snapshot, loans and requests, the notifier's contact, loans in the letter chain and letters.
An operator runs it with the store's credentials, on a data protection officer's request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import AsyncMongoClient

from rebub.parked import services_of
from rebub_shared.mongo import database_name
from rebub_shared.settings import MongoSettings
from rebub_shared.tenancy import NETWORK, institution_codes

WAITING_PREFIX = "ATT-"
#: Internal fields left out of the export (they say nothing about the person).
INTERNAL = ("outbox", "outbox_pending", "name_keys", "merged_from")


def _queries(tenant: str, service: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Collection -> the query that finds the person there."""
    by_id, by_patron = {"_id": {"$in": ids}}, {"patron_id": {"$in": ids}}
    if tenant == NETWORK:
        return {"accounts": {"_id": ids[0]}}
    if service == "patron-sync":
        return {"patrons": by_id, "nz_accounts": {"_id": ids[0]}}
    if service == "circulation":
        return {"patrons": by_id, "loans": by_patron, "requests": by_patron}
    return {"patrons": by_id, "loans": by_patron, "letters": by_patron}


def _clean(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in INTERNAL}


async def gather_person(
    mongo_uri: str, primary_id: str, now: datetime, *, database_prefix: str = ""
) -> dict[str, Any]:
    """The export document: ``{"primary_id", "generated_at", "zones": {tenant: {service:
    {collection: [documents]}}}}``, only where something was found."""
    settings = MongoSettings(uri=mongo_uri, database_prefix=database_prefix)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        mongo_uri, serverSelectionTimeoutMS=5000, tz_aware=True
    )
    ids = [primary_id, WAITING_PREFIX + primary_id]
    zones: dict[str, Any] = {}
    try:
        for tenant in (NETWORK, *institution_codes()):
            for service in services_of(tenant):
                db = client[database_name(settings, tenant, service)]
                for collection, query in _queries(tenant, service, ids).items():
                    found = [_clean(d) async for d in db[collection].find(query)]
                    if found:
                        held = zones.setdefault(tenant, {}).setdefault(service, {})
                        held[collection] = found
    finally:
        await client.close()
    return {"primary_id": primary_id, "generated_at": now.isoformat(), "zones": zones}


def render(export: dict[str, Any]) -> str:
    """The export as text a person can read: where, what kind of record, how many."""
    lines = [f"Data held about {export['primary_id']} (generated {export['generated_at']})"]
    if not export["zones"]:
        lines.append("nothing is held")
    for tenant, services in export["zones"].items():
        for service, collections in services.items():
            for collection, docs in collections.items():
                lines.append(f"- {tenant} / {service} / {collection}: {len(docs)} record(s)")
                lines += [f"    {_summary(d)}" for d in docs]
    return "\n".join(lines)


def _summary(doc: dict[str, Any]) -> str:
    shown = {k: v for k, v in doc.items() if not isinstance(v, dict | list)}
    nested = [k for k, v in doc.items() if isinstance(v, dict | list)]
    text = ", ".join(f"{k}={v}" for k, v in shown.items())
    return text + (f" (and {', '.join(nested)})" if nested else "")
